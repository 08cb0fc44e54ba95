/**
 * Where the two CNN rows' training time goes (issue 19, rows cnn and mnist-cnn of bench/pytorch.ts):
 * model.fit on the first N MNIST training images, seconds per 60k epoch (after a warm-up fit), for
 * the small CNN (5×5×8 → pool → 5×5×16 → pool → dense, batch 64) and Keras' mnist_cnn (3×3×32 →
 * 3×3×64 → pool → dropout → dense 128 → dropout → dense, batch 128). SAVE=file writes the weights'
 * bits after the timed fit, CMP=file counts the weights that differ (Object.is) from a saved run.
 *
 *   flock /tmp/cpu.lock node --import tsx bench/cnn-prof.ts [cnn|mnist-cnn] [--images N] [--reps R]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/cnn-prof.ts cnn --images 6400
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getBackend, loadMnist } from '../src/node/index.js';
import { kerasMnistCnn, smallCnn } from './workloads.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) =>
  argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback;
const which = argv.find((a) => a === 'cnn' || a === 'mnist-cnn') ?? 'cnn';
const batch = which === 'cnn' ? 64 : 128;
const images = option('--images', which === 'cnn' ? 12800 : 1280);
const reps = option('--reps', 1);

const build = which === 'cnn' ? smallCnn : kerasMnistCnn;

const { train } = await loadMnist({ validationSize: 0, oneHot: true });
const x = train.x.slice(0, images);
const y = train.y.slice(0, images);
await build().fit(train.x.slice(0, 5 * batch), train.y.slice(0, 5 * batch), {
  batchSize: batch,
  epochs: 1,
  verbose: 0,
});
let model = build();
for (let r = 0; r < reps; r++) {
  model = build();
  const t0 = performance.now();
  await model.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${which}: ${images} images in ${s.toFixed(3)} s = ${((s * 60000) / images).toFixed(2)} s per 60k epoch`,
  );
}

const bits = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
if (process.env.SAVE)
  writeFileSync(process.env.SAVE, JSON.stringify(bits.map((v) => (Object.is(v, -0) ? '-0' : String(v)))));
if (process.env.CMP) {
  const saved = (JSON.parse(readFileSync(process.env.CMP, 'utf8')) as string[]).map(Number);
  const differ = bits.filter((v, i) => !Object.is(v, saved[i])).length;
  const maxDiff = bits.reduce((m, v, i) => Math.max(m, Math.abs(v - saved[i]!)), 0);
  console.log(`weights differing from ${process.env.CMP}: ${differ} of ${bits.length} (max |Δ| ${maxDiff})`);
}

// PROF=1: wall time of each backend call during one more timed fit (every kernel call is synchronous:
// the pool's parts finish before it returns), summed by method.
if (process.env.PROF) {
  const backend = getBackend() as unknown as Record<string, unknown>;
  const spent = new Map<string, { ms: number; calls: number }>();
  const zeros = new Map<string, number[]>();
  for (const name of Object.keys(backend)) {
    const f = backend[name];
    if (typeof f !== 'function') continue;
    backend[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const r = (f as (...a: unknown[]) => unknown).apply(backend, args);
      const ms = performance.now() - t0;
      // Window ops by geometry: which convolution or pooling (channels → filters).
      const g = args[1] as { channels?: number; kernelH?: number } | undefined;
      const key =
        name.startsWith('conv') && g?.channels !== undefined
          ? `${name} ${g.kernelH}×${g.kernelH}×${g.channels}→${args[3]}`
          : name;
      if (name.startsWith('conv') && g?.channels !== undefined) {
        // The operand whose zeros a product could skip: x (forward), dy (the gradients).
        const v = (
          args[name === 'convInputGrad' ? 0 : name === 'convForward' ? 0 : 2] as { view(): Float32Array }
        ).view();
        let z = 0;
        for (let i = 0; i < v.length; i++) if (v[i] === 0) z++;
        const zk = `${key} ${name === 'convKernelGrad' ? 'dy' : name === 'convForward' ? 'x' : 'dy'}`;
        zeros.set(zk, [...(zeros.get(zk) ?? []), z / v.length]);
      }
      const e = spent.get(key) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      spent.set(key, e);
      return r;
    };
  }
  const m = build();
  const t0 = performance.now();
  await m.fit(x, y, { batchSize: batch, epochs: 1, verbose: 0 });
  const total = performance.now() - t0;
  const steps = Math.ceil(images / batch);
  console.log(`PROF fit ${total.toFixed(0)} ms, ${steps} steps; per step (ms):`);
  let inKernels = 0;
  for (const [name, e] of [...spent].sort((a, b) => b[1].ms - a[1].ms)) {
    inKernels += e.ms;
    if (e.ms / total > 0.002)
      console.log(
        `  ${name.padEnd(28)} ${(e.ms / steps).toFixed(3).padStart(8)}  (${e.calls / steps} calls)`,
      );
  }
  for (const [k, z] of zeros) {
    const pick = (f: number) => (100 * z[Math.floor(f * (z.length - 1))]!).toFixed(0);
    console.log(`  zeros in ${k}: first ${pick(0)} %, middle ${pick(0.5)} %, last ${pick(1)} %`);
  }
  console.log(
    `  ${'outside the backend'.padEnd(28)} ${((total - inKernels) / steps).toFixed(3).padStart(8)}`,
  );
}
