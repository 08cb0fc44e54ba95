/**
 * The tutorials' worked computational graph (seed 002): p = x + y, g = p·z.
 * With x = 1, y = 3, z = −3 the forward pass gives g = −12; backward gives
 * ∂g/∂x = ∂g/∂y = z = −3 and ∂g/∂z = p = 4. Then the same gradients by central differences.
 *
 *   npx tsx examples/computational-graph.ts
 */
import { gradcheck, type Tensor, tensor } from 'backprop-js';

const x = tensor(1, { requiresGrad: true });
const y = tensor(3, { requiresGrad: true });
const z = tensor(-3, { requiresGrad: true });

const p = x.add(y); // the graph records: p ← add(x, y)
const g = p.mul(z); //                    g ← mul(p, z)
g.backward(); //       walks the graph from g back to x, y, z with the chain rule

console.log(`forward:  p = x + y = ${p.item()},  g = p·z = ${g.item()}`);
console.log(`backward: dg/dx = ${x.grad!.item()},  dg/dy = ${y.grad!.item()},  dg/dz = ${z.grad!.item()}`);

const f = (a: Tensor, b: Tensor, c: Tensor) => a.add(b).mul(c);
const check = gradcheck(f, [x, y, z]);
console.log(
  `gradcheck against central differences: ${check.ok ? 'agree' : 'DISAGREE'} (worst error ${check.maxError.toExponential(1)})`,
);
