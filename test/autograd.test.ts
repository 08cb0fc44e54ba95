import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GraphError, noGrad, ones, randn, tensor } from '../src/index.js';
import { assertClose, describeEachBackend } from './helpers.js';

describeEachBackend('autograd', () => {
  it("reproduces the tutorial's computational graph: p = x + y, g = p·z", () => {
    const x = tensor(1, { requiresGrad: true });
    const y = tensor(3, { requiresGrad: true });
    const z = tensor(-3, { requiresGrad: true });
    const g = x.add(y).mul(z);
    g.backward();
    assert.equal(g.item(), -12);
    assert.equal(x.grad!.item(), -3);
    assert.equal(y.grad!.item(), -3);
    assert.equal(z.grad!.item(), 4);
  });

  it('sums gradients where a tensor feeds several ops (diamond graph)', () => {
    const x = tensor([2, -1], { requiresGrad: true });
    const a = x.mul(3);
    const b = x.square();
    const y = a.add(b).add(x).sum(); // dy/dx = 3 + 2x + 1
    y.backward();
    assertClose(x.grad!, [8, 2]);
  });

  it('reduces gradients over broadcast axes back to the input shape', () => {
    const w = tensor([[1, 2, 3]], { requiresGrad: true }); // [1, 3]
    const b = tensor(0.5, { requiresGrad: true }); // scalar
    const x = tensor([
      [1, 1, 1],
      [2, 2, 2],
    ]); // [2, 3]
    x.mul(w).add(b).sum().backward();
    assert.deepEqual(w.grad!.shape, [1, 3]);
    assertClose(w.grad!, [[3, 3, 3]]);
    assert.deepEqual(b.grad!.shape, []);
    assert.equal(b.grad!.item(), 6);
  });

  it('accumulates into .grad across backward calls until it is reset', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(2).sum().backward();
    x.mul(2).sum().backward();
    assertClose(x.grad!, [4, 4]);
    x.grad = null;
    x.mul(5).sum().backward();
    assertClose(x.grad!, [5, 5]);
  });

  it('records nothing inside noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => w.mul(3).sum());
    assert.equal(y.requiresGrad, false);
    assert.equal(y._node, null);
    assert.throws(() => y.backward(), /does not require a gradient/);
  });

  it('needs an explicit upstream gradient for a non-scalar output, of the right shape', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    assert.throws(
      () => y.backward(),
      (e: Error) => e instanceof GraphError && /shape \[3\].*onesLike/.test(e.message),
    );
    assert.throws(
      () => y.backward(ones([2])),
      /upstream gradient has shape \[2\] but the output has shape \[3\]/,
    );
    y.backward(tensor([1, 10, 100]));
    assertClose(x.grad!, [2, 20, 200]);
  });

  it('frees the graph after backward and says so when it is walked again', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.exp();
    const y = h.sum();
    y.backward();
    assert.equal(h._node, null, 'intermediate node released');
    assert.equal(y._node, null);
    assert.throws(() => y.backward(), /freed by an earlier backward\(\).*retainGraph/);
    assert.throws(() => h.mul(2).sum().backward(), /freed by an earlier backward/);
  });

  it('keeps the graph with retainGraph so backward can run twice', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.square().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertClose(x.grad!, [4, 8]);
  });

  it('detach cuts the gradient; leaves and non-leaves are told apart', () => {
    const x = tensor([3], { requiresGrad: true });
    const y = x.mul(2);
    assert.equal(x.isLeaf, true);
    assert.equal(y.isLeaf, false);
    y.detach().mul(x).sum().backward(); // d/dx (c·x) with c = 6 constant
    assertClose(x.grad!, [6]);
  });

  it('handles a long chain without recursion limits', () => {
    const x = tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    y.backward();
    assert.equal(x.grad!.item(), 1);
  });

  it('trains a linear model by hand: loss falls to ~0', () => {
    const X = randn([64, 3], { seed: 1 });
    const trueW = tensor([[1.5], [-2], [0.5]]);
    const Y = X.matmul(trueW).add(0.3);
    const w = randn([3, 1], { seed: 2, requiresGrad: true });
    const b = tensor(0, { requiresGrad: true });
    let loss = 0;
    for (let step = 0; step < 300; step++) {
      const l = X.matmul(w).add(b).sub(Y).square().mean();
      l.backward();
      loss = l.item();
      noGrad(() => {
        w.storage.view().set(w.sub(w.grad!.mul(0.1)).dataSync());
        b.storage.view().set(b.sub(b.grad!.mul(0.1)).dataSync());
      });
      w.grad = null;
      b.grad = null;
    }
    assert.ok(loss < 1e-6, `final loss ${loss}`);
    assertClose(w, [[1.5], [-2], [0.5]], 1e-3);
    assertClose(b, [0.3], 1e-3);
  });
});
