// Element-wise kernels: activations and their derivatives, and the arithmetic of two inputs where
// each is either a full matrix, a row/column broadcast or a scalar. Four lanes at a time; the
// tail (< 4 elements) goes through the same vector code one lane at a time, so every element gets
// the same arithmetic wherever it sits.
import { expv, sigmoidv, tanhv } from './math';

// Op codes shared with ../index.ts. Each exported kernel switches on the op once and runs a loop
// specialised for it (the op is a constant inside the inlined loop, so its switch folds away):
// a switch per vector cost more than the arithmetic of relu.
const RELU = 0;
const LEAKY_RELU = 1;
const SIGMOID = 2;
const TANH = 3;
const EXP = 4;
const NEG = 5;
const SQUARE = 6;

@inline function unaryv(op: i32, x: v128, p0: f32): v128 {
  switch (op) {
    // `x < 0 ? 0 : x`, so NaN passes through as in the TypeScript kernels.
    case RELU: return v128.bitselect(f32x4.splat(0), x, f32x4.lt(x, f32x4.splat(0)));
    case LEAKY_RELU: return v128.bitselect(f32x4.mul(x, f32x4.splat(p0)), x, f32x4.lt(x, f32x4.splat(0)));
    case SIGMOID: return sigmoidv(x);
    case TANH: return tanhv(x);
    case EXP: return expv(x);
    case NEG: return f32x4.neg(x);
    default: return f32x4.mul(x, x); // SQUARE
  }
}

@inline function unaryOf(op: i32, x: usize, out: usize, n: i32, p0: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryv(op, v128.load(x + o), p0));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, f32x4.extract_lane(unaryv(op, f32x4.splat(load<f32>(x + o)), p0), 0));
  }
}

/** dL/dx from x, y = f(x) and dy, written with whichever of x or y is cheapest. */
@inline function unaryGradv(op: i32, x: v128, y: v128, g: v128, p0: f32): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case RELU: return v128.and(g, f32x4.gt(x, zero));
    case LEAKY_RELU: return v128.bitselect(g, f32x4.mul(g, f32x4.splat(p0)), f32x4.gt(x, zero));
    case SIGMOID: return f32x4.mul(f32x4.mul(g, y), f32x4.sub(one, y));
    // (1 − y)(1 + y), not 1 − y²: no cancellation when |y| is near 1.
    case TANH: return f32x4.mul(g, f32x4.mul(f32x4.sub(one, y), f32x4.add(one, y)));
    case EXP: return f32x4.mul(g, y);
    case NEG: return f32x4.neg(g);
    default: return f32x4.mul(f32x4.mul(g, x), f32x4.splat(2)); // SQUARE
  }
}

@inline function unaryGradOf(op: i32, x: usize, y: usize, dy: usize, out: usize, n: i32, p0: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, unaryGradv(op, v128.load(x + o), v128.load(y + o), v128.load(dy + o), p0));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const r = unaryGradv(
      op,
      f32x4.splat(load<f32>(x + o)),
      f32x4.splat(load<f32>(y + o)),
      f32x4.splat(load<f32>(dy + o)),
      p0,
    );
    store<f32>(out + o, f32x4.extract_lane(r, 0));
  }
}

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;

@inline function binaryv(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    default: return f32x4.div(a, b); // DIV
  }
}

/**
 * out[r, c] = A(r, c) op B(r, c) over rows × cols, with A(r, c) = a[r·ars + c·acs] and the column
 * strides acs, bcs either 1 (a row of values) or 0 (one value repeated along the row).
 */
export function binary2d(
  op: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  out: usize, rows: i32, cols: i32,
): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * ars) << 2);
    const br = b + (<usize>(r * brs) << 2);
    const orow = out + (<usize>(r * cols) << 2);
    const as = f32x4.splat(load<f32>(ar));
    const bs = f32x4.splat(load<f32>(br));
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      const x = acs ? v128.load(ar + o) : as;
      const y = bcs ? v128.load(br + o) : bs;
      v128.store(orow + o, binaryv(op, x, y));
    }
    for (let j = c4; j < cols; j++) {
      const x = acs ? f32x4.splat(load<f32>(ar + (<usize>j << 2))) : as;
      const y = bcs ? f32x4.splat(load<f32>(br + (<usize>j << 2))) : bs;
      store<f32>(orow + (<usize>j << 2), f32x4.extract_lane(binaryv(op, x, y), 0));
    }
  }
}

@inline function biasActivationOf(op: i32, x: usize, bias: usize, out: usize, rows: i32, cols: i32, p0: f32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    const orow = out + (<usize>(r * cols) << 2);
    // Four vectors per iteration: an activation is a long chain of dependent steps (expv), and
    // independent chains side by side keep the CPU busy while each waits (sigmoid over 100 columns:
    // 25 % faster than one vector at a time).
    const c16 = cols & ~15;
    for (let j = 0; j < c16; j += 16) {
      const o = <usize>j << 2;
      const z0 = f32x4.add(v128.load(xr + o), v128.load(bias + o));
      const z1 = f32x4.add(v128.load(xr + o, 16), v128.load(bias + o, 16));
      const z2 = f32x4.add(v128.load(xr + o, 32), v128.load(bias + o, 32));
      const z3 = f32x4.add(v128.load(xr + o, 48), v128.load(bias + o, 48));
      v128.store(orow + o, op < 0 ? z0 : unaryv(op, z0, p0));
      v128.store(orow + o, op < 0 ? z1 : unaryv(op, z1, p0), 16);
      v128.store(orow + o, op < 0 ? z2 : unaryv(op, z2, p0), 32);
      v128.store(orow + o, op < 0 ? z3 : unaryv(op, z3, p0), 48);
    }
    for (let j = c16; j < c4; j += 4) {
      const o = <usize>j << 2;
      const z = f32x4.add(v128.load(xr + o), v128.load(bias + o));
      v128.store(orow + o, op < 0 ? z : unaryv(op, z, p0));
    }
    for (let j = c4; j < cols; j++) {
      const o = <usize>j << 2;
      const z = f32x4.splat(load<f32>(xr + o) + load<f32>(bias + o));
      store<f32>(orow + o, f32x4.extract_lane(op < 0 ? z : unaryv(op, z, p0), 0));
    }
  }
}

export function unary(op: i32, x: usize, out: usize, n: i32, p0: f32): void {
  switch (op) {
    case RELU: unaryOf(RELU, x, out, n, p0); break;
    case LEAKY_RELU: unaryOf(LEAKY_RELU, x, out, n, p0); break;
    case SIGMOID: unaryOf(SIGMOID, x, out, n, p0); break;
    case TANH: unaryOf(TANH, x, out, n, p0); break;
    case EXP: unaryOf(EXP, x, out, n, p0); break;
    case NEG: unaryOf(NEG, x, out, n, p0); break;
    default: unaryOf(SQUARE, x, out, n, p0);
  }
}

export function unaryGrad(op: i32, x: usize, y: usize, dy: usize, out: usize, n: i32, p0: f32): void {
  switch (op) {
    case RELU: unaryGradOf(RELU, x, y, dy, out, n, p0); break;
    case LEAKY_RELU: unaryGradOf(LEAKY_RELU, x, y, dy, out, n, p0); break;
    case SIGMOID: unaryGradOf(SIGMOID, x, y, dy, out, n, p0); break;
    case TANH: unaryGradOf(TANH, x, y, dy, out, n, p0); break;
    case EXP: unaryGradOf(EXP, x, y, dy, out, n, p0); break;
    case NEG: unaryGradOf(NEG, x, y, dy, out, n, p0); break;
    default: unaryGradOf(SQUARE, x, y, dy, out, n, p0);
  }
}

/** unaryGrad with p0 as its float's bits: pool jobs (worker threads) carry integers only. */
export function unaryGradBits(op: i32, x: usize, y: usize, dy: usize, out: usize, n: i32, p0Bits: i32): void {
  unaryGrad(op, x, y, dy, out, n, reinterpret<f32>(p0Bits));
}

/**
 * out[r, c] = f(x[r, c] + bias[c]): a layer's bias add and activation in one pass (op < 0: no
 * activation).
 */
export function biasActivation(op: i32, x: usize, bias: usize, out: usize, rows: i32, cols: i32, p0: f32): void {
  switch (op) {
    case RELU: biasActivationOf(RELU, x, bias, out, rows, cols, p0); break;
    case LEAKY_RELU: biasActivationOf(LEAKY_RELU, x, bias, out, rows, cols, p0); break;
    case SIGMOID: biasActivationOf(SIGMOID, x, bias, out, rows, cols, p0); break;
    case TANH: biasActivationOf(TANH, x, bias, out, rows, cols, p0); break;
    case EXP: biasActivationOf(EXP, x, bias, out, rows, cols, p0); break;
    case NEG: biasActivationOf(NEG, x, bias, out, rows, cols, p0); break;
    case SQUARE: biasActivationOf(SQUARE, x, bias, out, rows, cols, p0); break;
    default: biasActivationOf(-1, x, bias, out, rows, cols, p0);
  }
}

/** biasActivation with p0 as its float's bits: pool jobs (worker threads) carry integers only. */
export function biasActivationBits(op: i32, x: usize, bias: usize, out: usize, rows: i32, cols: i32, p0Bits: i32): void {
  biasActivation(op, x, bias, out, rows, cols, reinterpret<f32>(p0Bits));
}
