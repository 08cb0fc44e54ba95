/**
 * Calling a module on symbolic tensors: its output shapes are inferred (computeOutputShape, with
 * null for unknown sizes), it is built for the input shapes as on a real call, and the call is
 * recorded as a graph node whose outputs are new symbolic tensors.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import type { Shape } from '../tensor/shape.js';
import type { InputShapes, Module } from './module.js';
import { formatSymbolicShape, Node, type SymbolicShape, SymbolicTensor } from './symbolic-tensor.js';

/** A list of shapes ([[3], [4]]) rather than one shape ([3, 4]; [] is a scalar sample). */
export function isShapeList(s: InputShapes | SymbolicShape | readonly SymbolicShape[]): s is Shape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

export function shapeText(s: InputShapes): string {
  return isShapeList(s)
    ? `[${s.map((x) => formatSymbolicShape(x as SymbolicShape)).join(', ')}]`
    : formatSymbolicShape(s as SymbolicShape);
}

/** The symbolic call of `module`: infer the output shapes, build, record a node. */
export function callSymbolic(
  module: Module,
  inputs: SymbolicTensor[],
  asList: boolean,
): SymbolicTensor | SymbolicTensor[] {
  const shapes = inputs.map((x) => {
    if (x.shape.length === 0)
      throw new ShapeError(`layer '${module.name}': input must have a batch axis, got a scalar`);
    return x.shape.slice(1) as Shape; // null dims travel through the layers' shape arithmetic
  });
  const given = asList ? shapes : shapes[0]!;
  let out: InputShapes;
  let masked: boolean[];
  try {
    module.ensureBuilt(given);
    out = module.computeOutputShape(given);
    masked = module.computeOutputMasked(inputs.map((x) => x.hasMask));
  } catch (e) {
    if (e instanceof ArgumentError || e instanceof ShapeError) {
      const known = `on symbolic input${asList ? 's' : ''} ${inputs.map((x) => formatSymbolicShape(x.shape)).join(', ')}`;
      if (!e.message.includes(known))
        e.message = `${e.message} (${module.className} '${module.name}' called ${known})`;
    }
    throw e;
  }
  const outShapes = isShapeList(out) ? out : [out];
  for (const s of outShapes) {
    if (s.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) {
      throw new ShapeError(
        `${module.className} '${module.name}': cannot infer its output shape from inputs ${shapeText(given)} (got ${shapeText(s)}); ` +
          'give the unknown (null) dimensions a size',
      );
    }
  }
  const node = new Node(module, inputs, [], asList, module.inboundNodes.length);
  node.outputs.push(
    ...outShapes.map((s, i) => new SymbolicTensor([null, ...s], node, i, masked[i] === true)),
  );
  module.inboundNodes.push(node);
  return isShapeList(out) ? [...node.outputs] : node.outputs[0]!;
}
