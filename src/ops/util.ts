/** Small helpers shared by the op families: allocation, scalar promotion, backend agreement. */
import type { Backend } from '../backend/backend.js';
import { ArgumentError } from '../errors.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';

/** A fresh zero-filled tensor. */
export function alloc(shape: Shape, backend: Backend): Tensor {
  return new Tensor(backend.alloc(sizeOf(shape)), shape, backend);
}

/** A fresh tensor for a kernel that writes every element: no need to clear recycled memory. */
export function allocOutput(shape: Shape, backend: Backend): Tensor {
  return new Tensor(backend.alloc(sizeOf(shape), true), shape, backend);
}

/** The same storage under another shape of equal size: reshape without a copy, not recorded. */
export function view(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t.storage, shape, t.backend);
}

/** Promote a number to a scalar tensor on `like`'s backend; check two tensors share a backend. */
export function asTensor(x: TensorLike, like: Tensor, op: string): Tensor {
  if (typeof x === 'number') return new Tensor(like.backend.fromValues([x]), [], like.backend);
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${op}: expected a Tensor or a number, got ${describe(x)}`);
  if (x.backend !== like.backend) {
    throw new ArgumentError(
      `${op}: tensors live on different backends ('${like.backend.name}' and '${x.backend.name}'); ` +
        `create both after setBackend(), or move one with t.to('${like.backend.name}')`,
    );
  }
  return x;
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : `${typeof x} ${String(x)}`;
}
