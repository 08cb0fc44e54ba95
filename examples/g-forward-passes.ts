/**
 * Tutorial 002's hand-computed forward passes, as tensor operations:
 *   1. two hidden nodes with tanh, input [-1, 2]          (tutorial prints 0.9950547536867305)
 *   2. the same network with ReLU                          (tutorial prints -3)
 *   3. two hidden layers of two ReLU nodes, input [3, 5]   (tutorial prints 364)
 *
 *   npx tsx examples/g-forward-passes.ts
 */
import { tensor } from 'backprop-js';

const input = tensor([-1, 2]);
const hidden = tensor([
  [3, 1], // column 0: weights['node_0'], column 1: weights['node_1']
  [3, 5],
]);
const out = tensor([2, -1]);

const tanhOut = input.matmul(hidden).tanh().matmul(out).item();
console.log(`1. tanh network:      ${tanhOut}`);
// The tutorial's code builds the hidden layer with np.array(node_0_output, node_1_output), whose
// second argument NumPy reads as a dtype: the "layer" is node 0 alone, so it prints
// tanh(3)·(2 − 1). With both nodes, as the network is drawn, the output is the line above.
const tutorialBug = Math.tanh(3) * (2 - 1);
console.log(
  `   (the tutorial's printed 0.9950547536867305 = tanh(3)·(2 − 1) = ${tutorialBug}: only node 0 was kept)`,
);

const reluOut = input.matmul(hidden).relu().matmul(out).item();
console.log(`2. ReLU network:      ${reluOut}`);

const x = tensor([3, 5]);
const layer0 = tensor([
  [2, 4],
  [4, -5],
]); // columns: node_0_0, node_0_1
const layer1 = tensor([
  [-1, 2],
  [1, 2],
]); // columns: node_1_0, node_1_1
const output = tensor([2, 7]);
const deep = x.matmul(layer0).relu().matmul(layer1).relu().matmul(output).item();
console.log(`3. two hidden layers: ${deep}`);
