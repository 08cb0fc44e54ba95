/** Examples run as a user would run them: a separate process importing the built `backprop` package. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { useTempDir } from './helpers.js';

const tmp = useTempDir('examples');

/** Run an example; its plots go to a temporary folder, not over the recorded ones in examples/output. */
function runExample(file: string, ...args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', file, ...args], {
    encoding: 'utf8',
    env: { ...process.env, BACKPROP_EXAMPLES_OUT: tmp.path },
  });
}

it('examples/computational-graph.ts prints the tutorial values', () => {
  const out = runExample('examples/computational-graph.ts');
  assert.match(out, /p = x \+ y = 4, {2}g = p·z = -12/);
  assert.match(out, /dg\/dx = -3, {2}dg\/dy = -3, {2}dg\/dz = 4/);
  assert.match(out, /gradcheck against central differences: agree/);
});

it('examples/g-forward-passes.ts gives the tutorial values (364, −3) and explains the tanh one', () => {
  const out = runExample('examples/g-forward-passes.ts');
  assert.match(out, /3\. two hidden layers: 364/);
  assert.match(out, /2\. ReLU network: {6}-3/);
  assert.match(out, /1\. tanh network: {6}0\.990109/);
  assert.match(out, /0\.9950547536867305 = tanh\(3\)·\(2 − 1\)/);
});

it('examples/f-toy-network.ts trains the 4-sample toy set to its targets', () => {
  const out = runExample('examples/f-toy-network.ts');
  const predictions = [...out.matchAll(/ {2}\[[\d, ]+\] {2}(\d) → ([\d.]+)/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
  assert.equal(predictions.length, 4, out);
  for (const [target, value] of predictions)
    assert.ok(Math.abs(target! - value!) < 0.1, `${target} → ${value}`);
});

it('examples/churn-data.ts generates the tutorial columns with about 20 % churn', async () => {
  const { generateChurn, CHURN_COLUMNS } = await import('../examples/churn-data.js');
  const { rows, probability } = generateChurn(2000, 3);
  assert.deepEqual(Object.keys(rows[0]!), CHURN_COLUMNS);
  const rate = rows.filter((r) => r.Exited === 1).length / rows.length;
  assert.ok(rate > 0.12 && rate < 0.28, `churn rate ${rate}`);
  assert.equal(new Set(rows.map((r) => r.CustomerId)).size, 2000, 'customer ids are unique');
  assert.ok(
    probability.every((p) => p > 0 && p < 1),
    'probabilities in (0, 1)',
  );
  assert.deepEqual(generateChurn(50, 3).rows, rows.slice(0, 50), 'seeded');
});

it('examples/h-transfer-learning.ts keeps the frozen base bit-identical while the new head learns', () => {
  // A short run: 2,000 base images, 200 head images.
  const out = runExample(
    'examples/h-transfer-learning.ts',
    ...['--base-epochs', '1', '--base-images', '2000', '--head-images', '200', '--head-epochs', '3'],
  );
  assert.match(out, /frozen weights changed: 0 of 4 tensors/);
  const head = out.match(/new_head\/kernel Σ\|Δ\| = ([\d.]+)/);
  assert.ok(head && Number(head[1]) > 0, `the new head did not move:\n${out}`);
  const accuracy = out.match(/epoch {2}3: loss [\d.]+ · test accuracy on 5–9 ([\d.]+) %/);
  assert.ok(accuracy && Number(accuracy[1]) > 60, `head accuracy on 5–9 after 3 epochs:\n${out}`);
});

it('examples/gan.ts: an alternating GAN loop over two models learns the real mean in flat memory (3,000 steps < 400 MB)', () => {
  const out = runExample('examples/gan.ts', '--steps', '3000');
  const rss = [...out.matchAll(/RSS (\d+) MB/g)].map((m) => Number(m[1]));
  assert.ok(rss.length >= 6, out);
  const peak = Number(/peak RSS (\d+) MB/.exec(out)![1]);
  assert.ok(peak < 400, `peak RSS ${peak} MB`);
  // Flat: the last reading is no more than 15% above the one at step 1000.
  assert.ok(rss[rss.length - 1]! <= rss[1]! * 1.15, `RSS grew: ${rss.join(', ')} MB`);
  const mean = /generated: mean \(([-\d.]+), ([-\d.]+)\)/.exec(out)!;
  assert.ok(Math.abs(Number(mean[1]) - 2) < 0.3 && Math.abs(Number(mean[2]) + 1) < 0.3, out);
});

it('examples/dcgan.ts: the conditional DCGAN scores above chance after a short run, and draws its grid', () => {
  const out = runExample('examples/dcgan.ts', '--images', '6400', '--epochs', '1');
  assert.ok(Number(/judge: test accuracy ([\d.]+) %/.exec(out)?.[1]) > 90, out);
  const epoch =
    /epoch 1\/1: D loss [\d.]+ · G loss [\d.]+ · Inception score ([\d.]+) · Fréchet distance ([\d.]+)/.exec(
      out,
    );
  assert.ok(epoch, out);
  // 100 steps: far from real digits, but the labels already pull the classes apart (chance: 1).
  assert.ok(Number(epoch[1]) > 1.5 && Number(epoch[1]) < 10, out);
  assert.ok(existsSync(join(tmp.path, 'dcgan-samples.png')));
});

it('examples/functional.ts: two inputs, two outputs, a shared layer and a nested Sequential learn, save and reload exactly', () => {
  const out = runExample('examples/functional.ts', '--epochs', '40');
  const m = /val_classes_accuracy ([\d.]+) · val_regressor_mae ([\d.]+)/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) > 0.95 && Number(m[2]) < 0.3, out);
  assert.match(out, /max prediction difference 0\n/);
  assert.match(out, /shared layer kernels after reload: 2/);
});

it('examples/autoencoder.ts: the encoder, reused alone, gives the autoencoder’s codes; 3,000 steps in flat memory', () => {
  const out = runExample('examples/autoencoder.ts');
  assert.match(out, /3000 steps in/);
  const rss = [...out.matchAll(/RSS (\d+) MB/g)].map((m) => Number(m[1]));
  const peak = Number(/peak RSS (\d+) MB/.exec(out)![1]);
  assert.ok(peak < 400, `peak RSS ${peak} MB`);
  assert.ok(rss[rss.length - 1]! <= rss[2]! * 1.25, `RSS grew: ${rss.join(', ')} MB`);
  assert.match(out, /encoder alone vs inside the autoencoder: max difference 0\n/);
  assert.match(out, /encoder reloaded from .*: max difference 0\n/);
  const mse = Number(/test reconstruction: loss [\d.]+ · mse ([\d.]+)/.exec(out)![1]);
  assert.ok(mse < 0.02, out);
  const acc = Number(/nearest-centroid accuracy on the 32-number codes: ([\d.]+) %/.exec(out)![1]);
  assert.ok(acc > 50, out);
});

it('examples/vae.ts: −ELBO per epoch, a tighter importance-sampled bound, the same digits after a reload', () => {
  const out = runExample('examples/vae.ts', '--images', '2000', '--epochs', '2', '--samples', '20');
  assert.match(
    out,
    /epoch 2: −ELBO [\d.]+ \(reconstruction [\d.]+ \+ KL [\d.]+\) · validation [\d.]+ nats\/image/,
  );
  const elbo = Number(/test −ELBO ([\d.]+) nats\/image/.exec(out)?.[1]);
  const nll = Number(/test −log p\(x\) ≈ ([\d.]+) nats\/image \(importance-sampled, K = 20\)/.exec(out)?.[1]);
  assert.ok(elbo > 100 && elbo < 545 && nll < elbo, out);
  assert.match(out, /VAE reloaded from .*: max reconstruction difference 0\n/);
});

it('examples/mnist-autoencoder.ts: the denoising conv autoencoder cleans noisy test digits (short run)', () => {
  const out = runExample('examples/mnist-autoencoder.ts', '--images', '2000', '--epochs', '2');
  const clean = /clean digits: ([\d.]+) nats\/image · MSE ([\d.]+) per pixel/.exec(out);
  const noisy =
    /noisy digits \(σ 0\.5; their own MSE ([\d.]+)\): ([\d.]+) nats\/image · MSE ([\d.]+) per pixel/.exec(
      out,
    );
  assert.ok(clean && noisy, out);
  // 784 ln 2 = 543 nats is the score of predicting 0.5 everywhere.
  assert.ok(Number(clean[1]) < 300 && Number(noisy[2]) < 300, out);
  // The noise alone costs 0.25 per pixel; the reconstruction of the noisy digit is far closer to the clean one.
  assert.ok(Number(noisy[1]) > 0.24 && Number(noisy[3]) < 0.1, out);
  assert.ok(existsSync(join(tmp.path, 'mnist-autoencoder-denoised.png')));
});

it('examples/sequence-classification.ts: the LSTM reads word order that a bag of words cannot', () => {
  const out = runExample('examples/sequence-classification.ts', '--epochs', '12');
  const lstm = Number(/LSTM\(32\) test accuracy: ([\d.]+) %/.exec(out)?.[1]);
  const bag = Number(/bag of words test accuracy: ([\d.]+) %/.exec(out)?.[1]);
  assert.ok(lstm > 95, out);
  assert.ok(lstm > bag + 10, out);
  assert.match(out, /positive \([\d.]+\) {2}Although the staff was rude, the room was great\./);
});

it('examples/time-series.ts: one-step forecasts beat the naive forecast; the plot is written', () => {
  const out = runExample('examples/time-series.ts', '--epochs', '8');
  const m = /RMSE ([\d.]+) · naive \(last value\) ([\d.]+) · noise alone ([\d.]+)/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) < Number(m[2]), out);
  assert.ok(Number(m[1]) < 1.6 * Number(m[3]), out);
  assert.match(out, /100 steps ahead, forecasts fed back: RMSE [\d.]+/);
  assert.ok(existsSync(join(tmp.path, 'time-series-forecast.png')));
});

it('examples/char-generation.ts: learns the name lists below the characters’ own entropy and makes up names', () => {
  const out = runExample('examples/char-generation.ts', '--epochs', '2', '--units', '64');
  const nats = Number(/validation loss ([\d.]+) nats\/char/.exec(out)?.[1]);
  assert.ok(nats < 2.7, out); // 3.17 from the character frequencies alone
  const novel = [...out.matchAll(/(\d+) % not in the lists/g)].map((m) => Number(m[1]));
  assert.equal(novel.length, 3, out);
  assert.ok(novel[1]! > 50, out);
});

it('examples/rbm.ts: an RBM learns digits without labels; a softmax on its frozen features; a Gibbs chain', () => {
  const out = runExample('examples/rbm.ts', '--images', '2000', '--hidden', '64', '--epochs', '3');
  const errors = [
    ...out.matchAll(
      /RBM epoch \d\/3: reconstruction error ([\d.]+) · pseudo-likelihood -[\d.]+ · free-energy gap -?[\d.]+/g,
    ),
  ].map((m) => Number(m[1]));
  assert.equal(errors.length, 3, out);
  assert.ok(errors[2]! < errors[0]!, out);
  const features = Number(/softmax on the frozen RBM's 64 features: test accuracy ([\d.]+)%/.exec(out)![1]);
  assert.ok(features > 50, out);
  assert.match(out, /softmax on the 784 raw pixels: +test accuracy [\d.]+%/);
  assert.match(out, /after 1 Gibbs step +after 1,000 Gibbs steps/);
});

it('examples/dbn.ts: greedy pre-training, fine-tuning against random weights, generated digits', () => {
  const out = runExample(
    'examples/dbn.ts',
    '--images',
    '2000',
    '--labelled',
    '500',
    '--epochs',
    '2',
    '--tune-epochs',
    '5',
  );
  assert.match(out, /RBM 1: reconstruction error [\d.]+ → [\d.]+/);
  assert.match(out, /RBM 2: reconstruction error [\d.]+ → [\d.]+/);
  const pretrained = Number(/pre-trained DBN +([\d.]+)%/.exec(out)![1]);
  const scratch = Number(/random weights +([\d.]+)%/.exec(out)![1]);
  assert.ok(pretrained > 50 && scratch > 10, out);
  assert.match(out, /what the DBN generated from them/);
});

it('examples/onnx-serve.ts: the CNN trained here classifies every test image the same in ONNX Runtime', () => {
  const out = runExample('examples/onnx-serve.ts', '--images', '2000', '--epochs', '1', '--test', '500');
  const here = Number(/backprop +([\d.]+) %/.exec(out)![1]);
  const served = Number(/ONNX Runtime +([\d.]+) %/.exec(out)![1]);
  assert.ok(here > 60, out);
  assert.equal(served, here, out);
  assert.match(out, /Images classified differently: 0;/);
  assert.ok(Number(/max \|Δ probability\| ([\d.e+-]+)/.exec(out)![1]) < 1e-5, out);
  assert.ok(existsSync(join(tmp.path, 'mnist-cnn.onnx')));
});

it('examples/pytorch-import.ts: the PyTorch-trained CNN scores as in PyTorch, fine-tunes, saves and reloads', () => {
  const out = runExample('examples/pytorch-import.ts', '--images', '5000');
  assert.match(out, /as imported: 9045 \/ 10000 \(PyTorch: 9045 \/ 10000; 0 images classified differently\)/);
  const tuned = Number(/test accuracy (\d+) \/ 10000/.exec(out)![1]);
  assert.ok(tuned > 9045, out);
  assert.match(out, /it predicts the same classes for all test images/);
});
