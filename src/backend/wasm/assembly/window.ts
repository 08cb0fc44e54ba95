// Sliding-window kernels on channels-last images (see src/backend/ts/window.ts, which these
// mirror). `table` holds, for each output pixel of one image and each window cell, the input pixel
// it reads (or −1 for padding); `cellsPerImage` = outH·outW·kernelH·kernelW entries. A pixel's
// channels are contiguous, so each table entry moves a run of c floats.

@inline function copyRun(dst: usize, src: usize, c: i32): void {
  if (c == 1) {
    store<f32>(dst, load<f32>(src));
    return;
  }
  let i = 0;
  for (; i + 4 <= c; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < c; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

@inline function addRun(dst: usize, src: usize, c: i32): void {
  let i = 0;
  for (; i + 4 <= c; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < c; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * A kernel row's kw cells read kw consecutive input pixels whenever its first and last cell are
 * inside the image (and the dilation is 1): then the whole row is one contiguous run of kw·c floats.
 */
@inline function rowRun(table: usize, t: i32, kw: i32): i32 {
  const s0 = load<i32>(table + (<usize>t << 2));
  if (s0 < 0) return -1;
  return load<i32>(table + (<usize>(t + kw - 1) << 2)) == s0 + kw - 1 ? s0 : -1;
}

export function im2col(
  x: usize, table: usize, cellsPerImage: i32, kw: i32, batch: i32, imageSize: i32, c: i32, out: usize, padValue: f32,
): void {
  const run = <usize>c << 2;
  let dst = out;
  for (let n = 0; n < batch; n++) {
    const image = x + (<usize>(n * imageSize) << 2);
    for (let t = 0; t < cellsPerImage; t += kw) {
      const s0 = rowRun(table, t, kw);
      if (s0 >= 0) {
        copyRun(dst, image + (<usize>(s0 * c) << 2), kw * c);
        dst += <usize>kw * run;
        continue;
      }
      for (let q = 0; q < kw; q++, dst += run) {
        const s = load<i32>(table + (<usize>(t + q) << 2));
        if (s < 0) {
          for (let i = 0; i < c; i++) store<f32>(dst + (<usize>i << 2), padValue);
        } else {
          copyRun(dst, image + (<usize>(s * c) << 2), c);
        }
      }
    }
  }
}

/** out (the image batch) = Σ of the column entries that read each pixel; overwrites out. */
export function col2im(
  cols: usize, table: usize, cellsPerImage: i32, kw: i32, batch: i32, imageSize: i32, c: i32, out: usize,
): void {
  memory.fill(out, 0, <usize>(batch * imageSize) << 2);
  const run = <usize>c << 2;
  let src = cols;
  for (let n = 0; n < batch; n++) {
    const image = out + (<usize>(n * imageSize) << 2);
    for (let t = 0; t < cellsPerImage; t += kw) {
      const s0 = rowRun(table, t, kw);
      if (s0 >= 0) {
        addRun(image + (<usize>(s0 * c) << 2), src, kw * c);
        src += <usize>kw * run;
        continue;
      }
      for (let q = 0; q < kw; q++, src += run) {
        const s = load<i32>(table + (<usize>(t + q) << 2));
        if (s >= 0) addRun(image + (<usize>(s * c) << 2), src, c);
      }
    }
  }
}

/** Max per window and channel; argmax gets the winning cell (as a float). NaN wins and stays. */
export function maxPool(
  x: usize, table: usize, perImage: i32, cells: i32, batch: i32, imageSize: i32, c: i32, out: usize, argmax: usize,
): void {
  const c4 = c & ~3;
  let o = out;
  let a = argmax;
  for (let n = 0; n < batch; n++) {
    const image = x + (<usize>(n * imageSize) << 2);
    for (let p = 0; p < perImage; p++, o += <usize>c << 2, a += <usize>c << 2) {
      for (let i = 0; i < c; i++) {
        store<f32>(o + (<usize>i << 2), -Infinity);
        store<f32>(a + (<usize>i << 2), 0);
      }
      for (let k = 0; k < cells; k++) {
        const s = load<i32>(table + (<usize>(p * cells + k) << 2));
        if (s < 0) continue;
        const src = image + (<usize>(s * c) << 2);
        const kv = f32x4.splat(<f32>k);
        // Four channels at a time: take v where !(v <= best) and best is not NaN, as below.
        for (let i = 0; i < c4; i += 4) {
          const off = <usize>i << 2;
          const v = v128.load(src + off);
          const best = v128.load(o + off);
          const take = v128.and(v128.not(f32x4.le(v, best)), f32x4.eq(best, best));
          v128.store(o + off, v128.bitselect(v, best, take));
          v128.store(a + off, v128.bitselect(kv, v128.load(a + off), take));
        }
        for (let i = c4; i < c; i++) {
          const v = load<f32>(src + (<usize>i << 2));
          const best = load<f32>(o + (<usize>i << 2));
          // `!(v <= best)` also takes a NaN, and a NaN taken stays: NaN comes out, not hidden.
          if (!(v <= best) && best == best) {
            store<f32>(o + (<usize>i << 2), v);
            store<f32>(a + (<usize>i << 2), <f32>k);
          }
        }
      }
    }
  }
}

export function maxPoolGrad(
  dy: usize, argmax: usize, table: usize, perImage: i32, cells: i32, batch: i32, imageSize: i32, c: i32, dx: usize,
): void {
  memory.fill(dx, 0, <usize>(batch * imageSize) << 2);
  let o: usize = 0;
  for (let n = 0; n < batch; n++) {
    const image = dx + (<usize>(n * imageSize) << 2);
    for (let p = 0; p < perImage; p++) {
      for (let i = 0; i < c; i++, o += 4) {
        const k = <i32>load<f32>(argmax + o);
        const s = load<i32>(table + (<usize>(p * cells + k) << 2));
        const at = image + (<usize>(s * c + i) << 2);
        store<f32>(at, load<f32>(at) + load<f32>(dy + o));
      }
    }
  }
}

/** Zero `bytes` bytes (memory.fill: a native memset, unlike a JS fill on shared memory). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
