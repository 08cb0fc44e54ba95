/**
 * `backprop export MODEL_DIR --format onnx|tfjs|keras [--out PATH]` and `backprop import FILE --out DIR`:
 * the command-line doors to other engines. Export writes an ONNX file (ONNX Runtime, and every
 * engine that reads ONNX), a TF.js Layers model folder (tf.loadLayersModel) or a Keras 3 `.keras`
 * file (keras.models.load_model); import reads an ONNX
 * file (PyTorch's torch.onnx.export, tf2onnx…), a TF.js model.json, a Keras 3 `.keras` file or a
 * legacy Keras `.h5` model file and saves it in backprop's own format, so loadModel, `backprop
 * eval` and `backprop predict` use it. Neither replaces a model of another format (a backprop
 * model folder, a TF.js one) without --force.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { decodeModel, type ValueInfoProto } from '../interop/onnx/onnx-proto.js';
import {
  ArgumentError,
  fromOnnx,
  loadKeras,
  loadModel,
  loadTfjs,
  type Model,
  ModelFormatError,
  Rng,
  Sequential,
  saveTfjs,
  tensor,
  toKeras,
  toOnnx,
  writeFileAtomic,
} from '../node/index.js';
import {
  type ImageModelPreprocessing,
  imagesForModel,
  type ModelScores,
  sampleShapeOf,
} from './predict-images.js';

export const EXPORT_FORMATS = ['onnx', 'tfjs', 'keras'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

type AnyModel = Sequential | Model;

export function registerInteropCommands(program: Command): void {
  program
    .command('export <model>')
    .description(
      'write a model folder (from `backprop train` or `backprop import`) as ONNX (ONNX Runtime…), as a TF.js Layers model (tf.loadLayersModel) or as a Keras 3 .keras file (keras.models.load_model)',
    )
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .option(
      '--out <path>',
      'where to write (default: MODEL/model.onnx, MODEL/model.keras, or the folder MODEL-tfjs/ for tfjs)',
    )
    .option('--force', 'replace a model of another format at --out (a backprop model folder…)')
    .action(async (model: string, o: { format: string; out?: string; force?: boolean }) => {
      await exportCommand(model, o);
    });

  program
    .command('import <file>')
    .description(
      "read an ONNX file (.onnx), a TF.js Layers model (model.json) or a Keras file (.keras, or legacy .h5) and save it in backprop's format",
    )
    .requiredOption(
      '--out <dir>',
      'the model folder to write (loadModel, `backprop eval`, `backprop predict`)',
    )
    .option('--force', 'replace a model of another format at --out (a TF.js model folder…)')
    .action(async (file: string, o: { out: string; force?: boolean }) => {
      await importCommand(file, o);
    });
}

function checkFormat(format: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(format)) return format as ExportFormat;
  const list = `${EXPORT_FORMATS.slice(0, -1).join(', ')} or ${EXPORT_FORMATS.at(-1)}`;
  throw new ArgumentError(`--format must be ${list}, got '${format}'`);
}

async function openModelDir(dir: string): Promise<AnyModel> {
  if (!existsSync(dir)) throw new ArgumentError(`no model folder at ${dir}`);
  if (!statSync(dir).isDirectory() || !existsSync(join(dir, 'model.json')))
    throw new ArgumentError(
      `${dir} is not a backprop model folder (no model.json): give the folder 'backprop train' or 'backprop import' wrote`,
    );
  return loadModel<AnyModel>(dir);
}

const kb = (bytes: number): string =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** `[N, 1, 28, 28]`: an ONNX value's shape with its symbolic axes by name. */
function onnxShape(v: ValueInfoProto): string {
  const dims = v.type?.tensorType?.shape?.dim ?? [];
  return `[${dims.map((d) => d.dimParam ?? String(d.dimValue ?? '?')).join(', ')}]`;
}

/** The `format` field of folder/model.json, or null when there is none ('unreadable' if not JSON). */
async function modelJsonFormat(dir: string): Promise<string | null> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) return null;
  try {
    const format = (JSON.parse(await readFile(path, 'utf8')) as { format?: unknown } | null)?.format;
    return typeof format === 'string' ? format : 'unknown';
  } catch {
    return 'unreadable';
  }
}

const FORMAT_NAMES: Record<string, string> = {
  'backprop-model': 'a backprop model',
  'layers-model': 'a TF.js Layers model',
};

/** A folder holding a model of another format than `keep` is not written over without --force. */
async function refuseOtherModel(
  dir: string,
  keep: string,
  force: boolean | undefined,
  flag: string,
): Promise<void> {
  const format = await modelJsonFormat(dir);
  if (format === null || format === keep || force) return;
  throw new ArgumentError(
    `${dir} holds ${FORMAT_NAMES[format] ?? 'another model.json'}, which this would replace: choose another ${flag} (or add --force to replace it)`,
  );
}

export async function exportCommand(
  dir: string,
  options: { format: string; out?: string; force?: boolean },
): Promise<void> {
  const format = checkFormat(options.format);
  const model = await openModelDir(dir);
  if (format === 'onnx') {
    // toOnnx refuses a layer it cannot express, naming it: that message is the user's answer.
    const bytes = toOnnx(model);
    // --out may name a folder (model.onnx goes in it) or the file itself.
    const out = outFile(options.out ?? join(dir, 'model.onnx'), 'model.onnx');
    if (existsSync(out) && extname(out).toLowerCase() !== '.onnx' && !options.force) {
      throw new ArgumentError(
        `${out} exists and is not an .onnx file, which this would replace: choose another --out (or add --force)`,
      );
    }
    await writeModelFile(out, bytes);
    const proto = decodeModel(bytes);
    const opset = proto.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
    const graph = proto.graph!;
    console.log(`Wrote ${out} (${kb(bytes.length)}): ONNX opset ${opset}, IR version ${proto.irVersion}`);
    for (const v of graph.input ?? []) console.log(`  input  '${v.name}' ${onnxShape(v)} float32`);
    for (const v of graph.output ?? []) console.log(`  output '${v.name}' ${onnxShape(v)} float32`);
    console.log(
      `  ${graph.node?.length ?? 0} nodes, ${model.countParams().toLocaleString('en-US')} parameters; run it with ONNX Runtime (onnxruntime-node, onnxruntime-web, Python onnxruntime)`,
    );
    return;
  }
  if (format === 'keras') {
    await exportKeras(dir, model, options.out);
    return;
  }
  const out = options.out ?? `${dir.replace(/[/\\]+$/, '')}-tfjs`;
  await refuseOtherModel(out, 'layers-model', options.force, '--out');
  const written = await saveTfjs(model, out, { force: options.force === true });
  console.log(
    `Wrote the TF.js Layers model ${out}/ (tf.loadLayersModel: its model.json URL in a browser, file://… with tfjs-node):`,
  );
  for (const name of written) console.log(`  ${name} (${kb((await stat(join(out, name))).size)})`);
}

/** --out as given, or `name` inside it when it names an existing folder. */
function outFile(given: string, name: string): string {
  return existsSync(given) && statSync(given).isDirectory() ? join(given, name) : given;
}

/** The file's bytes written atomically, its folder made first. */
async function writeModelFile(out: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(out)), { recursive: true });
  await writeFileAtomic(out, bytes);
}

/**
 * The model as a Keras 3 `.keras` file: --out names the file or a folder (model.keras goes in
 * it). Keras 3 loads only files named *.keras, so any other name is refused (no other file is ever
 * replaced, and --force is not needed).
 */
async function exportKeras(dir: string, model: AnyModel, given = join(dir, 'model.keras')): Promise<void> {
  // toKeras refuses a layer Keras 3 has no equivalent for (or would run otherwise), naming it.
  const bytes = toKeras(model);
  const out = outFile(given, 'model.keras');
  if (extname(out).toLowerCase() !== '.keras') {
    throw new ArgumentError(
      `--out ${out}: Keras 3 loads only files named *.keras (keras.models.load_model), so name it so`,
    );
  }
  await writeModelFile(out, bytes);
  console.log(`Wrote ${out} (${kb(bytes.length)}): a Keras 3 .keras file (config.json, model.weights.h5)`);
  console.log(
    `  ${model.layers.length} layers, ${model.countParams().toLocaleString('en-US')} parameters; in Python: keras.models.load_model('${basename(out)}')`,
  );
}

type ImportKind = 'onnx' | 'tfjs' | 'keras';

function importKind(file: string): ImportKind {
  const ext = extname(file).toLowerCase();
  if (ext === '.onnx') return 'onnx';
  // loadKeras tells a .keras zip from a legacy .h5 model file by their bytes.
  if (ext === '.keras' || ext === '.h5' || ext === '.hdf5') return 'keras';
  if (ext === '.json') return 'tfjs';
  throw new ArgumentError(
    `${file}: unknown model format '${ext || basename(file)}': import reads .onnx (ONNX), model.json (TF.js Layers), .keras (Keras 3) or .h5 (legacy Keras)`,
  );
}

/** backprop's own model.json (format 'backprop-model') also ends in .json. */
async function isBackpropModelJson(file: string): Promise<boolean> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { format?: unknown }).format === 'backprop-model';
  } catch {
    return false; // not JSON: the TF.js reader names what is wrong
  }
}

export async function importCommand(file: string, options: { out: string; force?: boolean }): Promise<void> {
  if (!existsSync(file)) throw new ArgumentError(`no such file: ${file}`);
  if (statSync(file).isDirectory())
    throw new ArgumentError(`${file} is a folder: give the .onnx, model.json or .keras file itself`);
  const kind = importKind(file);
  if (kind === 'tfjs' && (await isBackpropModelJson(file)))
    throw new ArgumentError(
      `${file} is a backprop model already: use its folder (${dirname(file)}) with loadModel, 'backprop eval' or 'backprop export'`,
    );
  // A TF.js folder (the input's own, say) is not replaced by backprop's model.json without --force.
  await refuseOtherModel(options.out, 'backprop-model', options.force, '--out folder');
  let model: AnyModel;
  try {
    model =
      kind === 'onnx'
        ? fromOnnx(new Uint8Array(await readFile(file)))
        : kind === 'tfjs'
          ? await loadTfjs(file)
          : await loadKeras(file);
  } catch (e) {
    // Parsers name the node or layer; the file name is what the user needs on top of that.
    if (e instanceof ModelFormatError && !e.message.includes(file))
      throw new ModelFormatError(`${file}: ${e.message}`);
    throw e;
  }
  const label = { onnx: 'ONNX', tfjs: 'TF.js Layers', keras: 'Keras' }[kind];
  console.log(`Read ${file} (${label})`);
  model.summary((line) => console.log(line));
  await model.save(options.out);
  console.log(`Saved in backprop's format to ${options.out}/ (loadModel('${options.out}'))`);
  const prep = mnistPreprocessing(model);
  if (prep) {
    await writeFileAtomic(join(options.out, 'preprocessing.json'), `${JSON.stringify(prep, null, 2)}\n`);
    console.log(
      `784 inputs → 10 classes (${prep.output === 'logProbabilities' ? 'log-probabilities' : prep.output}): treated as an MNIST digit classifier (pixels 0–1); 'backprop eval ${options.out}' and 'backprop predict ${options.out} IMAGE…' use it`,
    );
  } else {
    // An earlier model's preprocessing in this folder would feed this one its inputs.
    await rm(join(options.out, 'preprocessing.json'), { force: true });
    console.log(IMPORTED_FROM_CODE(options.out));
  }
}

/** What an imported model that is not an MNIST classifier is for: code, not the image commands. */
export const IMPORTED_FROM_CODE = (dir: string): string =>
  `An imported model that is not a 784 → 10 image classifier is used from code: loadModel('${dir}')`;

/**
 * An imported model whose one input holds 784 values (flat, 28×28, 28×28×1 or 1×28×28) and whose
 * one output is 10 classes gets MNIST preprocessing, so the image commands can feed it digits.
 */
function mnistPreprocessing(model: AnyModel): ImageModelPreprocessing | null {
  const outputs = model.outputSampleShapes();
  if (outputs.length !== 1 || outputs[0]!.length !== 1 || outputs[0]![0] !== 10) return null;
  if (!(model instanceof Sequential) && model.inputs.length !== 1) return null;
  const shape = sampleShapeOf(model);
  if (shape.some((d) => d === null) || shape.reduce<number>((a, d) => a * (d ?? 0), 1) !== 784) return null;
  return { kind: 'mnist', width: 28, height: 28, binarize: false, output: scoresOf(model) };
}

/**
 * Whether the model outputs probabilities, log-probabilities (PyTorch's LogSoftmax) or logits,
 * found from its outputs on a few seeded random images: rows of values in [0, 1] summing to 1 are
 * probabilities; rows ≤ 0 whose exponentials sum to 1 are log-probabilities; anything else logits.
 */
function scoresOf(model: AnyModel): ModelScores {
  const rng = new Rng(1);
  const probe = tensor(
    Float32Array.from({ length: 4 * 784 }, () => rng.uniform()),
    { shape: [4, 784] },
  );
  const y = model.predict(imagesForModel(model, probe));
  const v = (Array.isArray(y) ? y[0]! : y).dataSync();
  const rows = Array.from({ length: 4 }, (_, r) => Array.from(v.subarray(r * 10, r * 10 + 10)));
  const sumsToOne = (row: number[]) => Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-3;
  if (rows.every((row) => row.every((p) => p >= 0 && p <= 1) && sumsToOne(row))) return 'probabilities';
  if (rows.every((row) => row.every((p) => p <= 0) && sumsToOne(row.map(Math.exp))))
    return 'logProbabilities';
  return 'logits';
}
