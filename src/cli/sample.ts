/** `backprop sample MODEL --length N --temperature T [--prime TEXT] [--seed N]`: text from a `train chars` model. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CharTokenizer } from '../data/text/char-tokenizer.js';
import { ArgumentError } from '../errors.js';
import { loadModel, type Model, Rng } from '../node/index.js';
import { sampleText } from './char-sample.js';
import type { CharPreprocessing } from './text-preprocessing.js';

export interface SampleCommandOptions {
  length: number;
  temperature: number;
  prime?: string;
  seed?: number;
}

export async function sampleCommand(dir: string, o: SampleCommandOptions): Promise<string> {
  const text = await readFile(join(dir, 'preprocessing.json'), 'utf8').catch(() => {
    throw new ArgumentError(
      `${dir} has no preprocessing.json: use a model folder written by 'backprop train chars'`,
    );
  });
  const prep = JSON.parse(text) as CharPreprocessing | { kind: string };
  if (prep.kind !== 'chars')
    throw new ArgumentError(
      `${dir} is a '${prep.kind}' model; backprop sample needs a character model ('backprop train chars')`,
    );
  const chars = prep as CharPreprocessing;
  const model = await loadModel<Model>(dir);
  const tokenizer = CharTokenizer.fromJSON(chars.tokenizer);
  const prime = o.prime ?? chars.start;
  const [sample] = sampleText(model, tokenizer, {
    seqLen: chars.seqLen,
    length: o.length,
    temperature: o.temperature,
    prime,
    count: 1,
    rng: new Rng(o.seed ?? Date.now() % 2 ** 31),
  });
  const out = `${o.prime ?? ''}${sample}`;
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  return out;
}
