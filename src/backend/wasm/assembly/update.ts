// Optimiser updates over a whole parameter buffer in one call: w (weights), g (gradient) and the
// rule's state buffers, all n long. The formulas match src/backend/ts/update.ts.

@inline function each4(n: i32): i32 {
  return n & ~3;
}

/** w ← w − lr·g */
export function sgd(w: usize, g: usize, n: i32, lr: f32): void {
  const vlr = f32x4.splat(lr);
  const n4 = each4(n);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(vlr, v128.load(g + o))));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, load<f32>(w + o) - lr * load<f32>(g + o));
  }
}

@inline function momentumv(w: v128, g: v128, v: usize, o: usize, lr: v128, mu: v128, nesterov: bool): v128 {
  const vi = f32x4.sub(f32x4.mul(mu, v128.load(v + o)), f32x4.mul(lr, g));
  v128.store(v + o, vi);
  const step = nesterov ? f32x4.sub(f32x4.mul(mu, vi), f32x4.mul(lr, g)) : vi;
  return f32x4.add(w, step);
}

/** v ← μv − lr·g;  w ← w + v  (Nesterov: w ← w + μv − lr·g). */
export function momentum(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr);
  const vmu = f32x4.splat(mu);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    if (i + 4 <= n) {
      v128.store(w + o, momentumv(v128.load(w + o), v128.load(g + o), v, o, vlr, vmu, nesterov));
      continue;
    }
    for (let j = i; j < n; j++) {
      const q = <usize>j << 2;
      const gi = load<f32>(g + q);
      const vi = mu * load<f32>(v + q) - lr * gi;
      store<f32>(v + q, vi);
      store<f32>(w + q, load<f32>(w + q) + (nesterov ? mu * vi - lr * gi : vi));
    }
  }
}

/** h ← h + g²;  w ← w − lr·g / (√h + ε). */
export function adagrad(w: usize, g: usize, h: usize, n: i32, lr: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const hi = load<f32>(h + o) + gi * gi;
    store<f32>(h + o, hi);
    store<f32>(w + o, load<f32>(w + o) - (lr * gi) / (Mathf.sqrt(hi) + eps));
  }
}

/** v ← ρv + (1−ρ)g²;  w ← w − lr·g / (√v + ε). */
export function rmsprop(w: usize, g: usize, v: usize, n: i32, lr: f32, rho: f32, oneMinusRho: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const vi = rho * load<f32>(v + o) + oneMinusRho * gi * gi;
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - (lr * gi) / (Mathf.sqrt(vi) + eps));
  }
}

/** m ← β1·m + (1−β1)g;  v ← β2·v + (1−β2)g²;  w ← w − a·m / (√v + ε̂) (bias corrections in a, ε̂). */
// 1 − β is passed in, worked out in float64: in float32, 1 − f32(0.999) is off by 1.3e-5 relative.
export function adam(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  a: f32, b1: f32, b2: f32, c1: f32, c2: f32, epsHat: f32,
): void {
  const va = f32x4.splat(a);
  const vb1 = f32x4.splat(b1);
  const vb2 = f32x4.splat(b2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const veps = f32x4.splat(epsHat);
  const n4 = each4(n);
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(va, mi), f32x4.add(f32x4.sqrt(vi), veps));
    v128.store(w + o, f32x4.sub(v128.load(w + o), step));
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = b1 * load<f32>(m + o) + c1 * gi;
    const vi = b2 * load<f32>(v + o) + c2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - (a * mi) / (Mathf.sqrt(vi) + epsHat));
  }
}

/**
 * adam on one part of the buffers, as a pool job (a worker thread runs it): the float arguments
 * come as their bits (jobs carry int32s). The part updates in place, so running it twice would
 * apply the step twice: `mark` is set to 1 when it starts and 2 when it is done, and after a worker
 * fault the caller redoes only the parts that never started (../update.ts).
 */
export function adamPart(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  a: i32, b1: i32, b2: i32, c1: i32, c2: i32, epsHat: i32, mark: usize,
): void {
  store<i32>(mark, 1);
  adam(
    w, g, m, v, n,
    reinterpret<f32>(a), reinterpret<f32>(b1), reinterpret<f32>(b2),
    reinterpret<f32>(c1), reinterpret<f32>(c2), reinterpret<f32>(epsHat),
  );
  store<i32>(mark, 2);
}
