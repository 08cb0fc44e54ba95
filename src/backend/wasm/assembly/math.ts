// Vector math shared by the element-wise kernels: four float32 lanes at a time.

/**
 * e^x for four lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r from the Cephes expf polynomial
 * (≈ 1 ulp), 2^n put straight into the exponent bits. Overflow gives +Inf, underflow 0 and NaN
 * stays NaN, as Math.exp does.
 */
@inline export function expv(x: v128): v128 {
  return expParts(x, true, true);
}

/**
 * expv, or with constant flags the same bits with less work where a caller knows more:
 * `positive` false for lanes ≤ 0 or NaN only (tanhv's e^(−2|x|)): n ≤ 0 there, so 2^n is one scale
 * (the second factor is 1) and the upper clamp and the +Inf case never apply; `underflow` false
 * when the caller cannot tell 0 from e^−87.34 ≈ 1.2e-38 (sigmoid's 1 + e^−x is 1 either way), so
 * the exact 0 below the range is not needed. tanhv and sigmoidv gave the same bits as with expv
 * for all 2^32 float32 inputs, plain and relaxed builds.
 */
@inline function expParts(x: v128, positive: bool, underflow: bool): v128 {
  // pmin/pmax (one instruction each; NaN stays NaN as x is their first operand) instead of
  // min/max, whose NaN and ±0 rules cost V8 eight instructions each.
  let c = f32x4.pmax(x, f32x4.splat(-87.33654));
  if (positive) c = f32x4.pmin(c, f32x4.splat(88.72283));
  // Round c·log2(e) to the nearest integer n by adding 1.5·2^23: the sum's low mantissa bits are n
  // (as in `nearest`, ties to even), so n as an int is the bit difference — no float→int conversion.
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(c, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  const ni = i32x4.sub(t, magic);
  let r = f32x4.sub(c, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  let y: v128;
  if (positive) {
    // 2^n as 2^(n−s)·2^s with s = 1 for n > 0: near the top n reaches 128, one past float32's
    // largest exponent, although e^x itself is still finite there.
    const s = v128.and(i32x4.gt_s(ni, i32x4.splat(0)), i32x4.splat(1));
    const scale = i32x4.shl(i32x4.add(i32x4.sub(ni, s), i32x4.splat(127)), 23);
    const scale2 = i32x4.shl(i32x4.add(s, i32x4.splat(127)), 23);
    y = f32x4.mul(f32x4.mul(p, scale), scale2);
    // Beyond the clamp the exact result is out of float32's normal range: Inf above, 0 below.
    y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(88.72283)));
  } else {
    y = f32x4.mul(p, i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23));
  }
  if (underflow) y = v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(-87.33654)));
  return y;
}

/**
 * tanh for four lanes: sign(x)·(1 − e)/(1 + e) with e = e^(−2|x|); below |x| = 0.1, where 1 − e
 * would cancel, the odd Taylor polynomial to x⁷ (error < 1e-8 relative).
 */
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expParts(f32x4.mul(ax, f32x4.splat(-2.0)), false, true);
  const big = f32x4.div(f32x4.sub(f32x4.splat(1.0), e), f32x4.add(f32x4.splat(1.0), e));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(-17.0 / 315.0);
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(2.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(-1.0 / 3.0));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(p, x2), x));
  // NaN fails `ax < 0.1` and goes through the formula, which keeps it NaN.
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.1)));
}

@inline export function sigmoidv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expParts(f32x4.neg(x), true, false)));
}
