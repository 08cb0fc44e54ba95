/**
 * Float64 loop references for the convolution tests (written here, independently of the library's
 * code), and two checking helpers: gradcheck with a message, and a backward rule as a function.
 */
import assert from 'node:assert/strict';
import { enableGrad, type GradcheckOptions, gradcheck, type Tensor } from '../src/index.js';

export function expectGradcheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  options?: GradcheckOptions,
) {
  const result = gradcheck(f, inputs, options);
  assert.ok(
    result.ok,
    `${name}: worst error ${result.maxError} at input ${result.worst?.input} [${result.worst?.index}]`,
  );
}

/**
 * The first backward rule of `f`'s output, as a function: (inputs…, dy) ↦ the gradient of input
 * `which`, computed with recording on. Gradchecking it checks the second derivative: every op the
 * rule returns must carry a correct backward of its own.
 */
export function ruleOf(f: (...xs: Tensor[]) => Tensor, which: number) {
  return (...args: Tensor[]): Tensor =>
    enableGrad(() => {
      const dy = args[args.length - 1]!;
      // Inputs that need no gradient (held fixed by the caller) still must put a rule on the graph.
      const y = f(...args.slice(0, -1).map((a) => (a.requiresGrad ? a : asLeaf(a))));
      const node = y._node;
      assert.ok(node, 'the op recorded no backward rule');
      const g = node.backward(dy)[which];
      assert.ok(g, 'the rule returned no gradient');
      return g;
    });
}

function asLeaf(t: Tensor): Tensor {
  const leaf = t.detach();
  leaf.requiresGrad = true;
  return leaf;
}

// ---- float64 references ----------------------------------------------------------------------

/** TF's 'same' leading padding, or 0 for 'valid', and the output size. */
export function tfAxis(
  size: number,
  k: number,
  s: number,
  d: number,
  padding: string,
): [out: number, pad: number] {
  const span = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((size - span) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + span - size, 0) / 2)];
}

export interface RefGeometry {
  strides: [number, number];
  dilation: [number, number];
  padding: 'valid' | 'same';
}

/**
 * For a convolution over images of inH × inW, call visit(oy, ox, iy, ix, ky, kx) for every tap
 * that lands inside the image.
 */
export function eachTap(
  inH: number,
  inW: number,
  kh: number,
  kw: number,
  o: RefGeometry,
  visit: (oy: number, ox: number, iy: number, ix: number, ky: number, kx: number) => void,
): [number, number] {
  const [outH, padT] = tfAxis(inH, kh, o.strides[0], o.dilation[0], o.padding);
  const [outW, padL] = tfAxis(inW, kw, o.strides[1], o.dilation[1], o.padding);
  for (let oy = 0; oy < outH; oy++)
    for (let ox = 0; ox < outW; ox++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          const iy = oy * o.strides[0] - padT + ky * o.dilation[0];
          const ix = ox * o.strides[1] - padL + kx * o.dilation[1];
          if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) visit(oy, ox, iy, ix, ky, kx);
        }
  return [outH, outW];
}

/** Transposed convolution: x [n, h, w, inC] scattered through w [kh, kw, outC, inC] onto [n, H, W, outC]. */
export function refConvTranspose(
  x: Tensor,
  w: Tensor,
  outH: number,
  outW: number,
  o: RefGeometry,
): Float64Array {
  const [n, h, wd, inC] = x.shape as number[];
  const [kh, kw, outC] = w.shape as number[];
  const xv = x.dataSync();
  const wv = w.dataSync();
  const y = new Float64Array(n! * outH * outW * outC!);
  for (let b = 0; b < n!; b++) {
    const [gotH, gotW] = eachTap(outH, outW, kh!, kw!, o, (oy, ox, iy, ix, ky, kx) => {
      for (let oc = 0; oc < outC!; oc++)
        for (let c = 0; c < inC!; c++) {
          y[((b * outH + iy) * outW + ix) * outC! + oc]! +=
            xv[((b * h! + oy) * wd! + ox) * inC! + c]! * wv[((ky * kw! + kx) * outC! + oc) * inC! + c]!;
        }
    });
    assert.deepEqual([gotH, gotW], [h, wd], 'reference geometry');
  }
  return y;
}

/** Depthwise convolution: channel c·m + j = x channel c convolved with w[:, :, c, j]. */
export function refDepthwise(x: Tensor, w: Tensor, o: RefGeometry): { y: Float64Array; shape: number[] } {
  const [n, h, wd, c] = x.shape as number[];
  const [kh, kw, , m] = w.shape as number[];
  const [outH] = tfAxis(h!, kh!, o.strides[0], o.dilation[0], o.padding);
  const [outW] = tfAxis(wd!, kw!, o.strides[1], o.dilation[1], o.padding);
  const xv = x.dataSync();
  const wv = w.dataSync();
  const y = new Float64Array(n! * outH * outW * c! * m!);
  for (let b = 0; b < n!; b++)
    eachTap(h!, wd!, kh!, kw!, o, (oy, ox, iy, ix, ky, kx) => {
      for (let ch = 0; ch < c!; ch++)
        for (let j = 0; j < m!; j++) {
          y[((b * outH + oy) * outW + ox) * c! * m! + ch * m! + j]! +=
            xv[((b * h! + iy) * wd! + ix) * c! + ch]! * wv[((ky * kw! + kx) * c! + ch) * m! + j]!;
        }
    });
  return { y, shape: [n!, outH, outW, c! * m!] };
}

export const geometry = (
  strides: number | [number, number],
  padding: 'valid' | 'same',
  dilation: number | [number, number] = 1,
): RefGeometry => ({
  strides: typeof strides === 'number' ? [strides, strides] : strides,
  dilation: typeof dilation === 'number' ? [dilation, dilation] : dilation,
  padding,
});
