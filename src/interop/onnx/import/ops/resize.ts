/**
 * ONNX Resize (opset 13+), the separable modes: 'nearest' (each nearest_mode) and 'linear', with
 * the coordinate transformations half_pixel (default), half_pixel_symmetric, pytorch_half_pixel,
 * align_corners and asymmetric. Each resized axis is resampled on its own: nearest gathers the
 * source indices, linear blends two gathered neighbours (edges repeated, as the specification's
 * reference does) — so gradients come from gather. The output size is ⌊size · scale⌋ from
 * `scales`, or `sizes`. 'cubic', tf_crop_and_resize, antialiased downscaling and aspect-ratio
 * policies other than 'stretch' are refused by name.
 */
import { tensor } from '../../../../tensor/create.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { AttributeSpec, NodeInfo, OperatorTable } from '../op-types.js';
import { checkCreatedShape, constInts, nodeError, normalizeAxes, required } from './util.js';

const v13: Record<string, AttributeSpec> = {
  coordinate_transformation_mode: { type: 'string', default: 'half_pixel' },
  cubic_coeff_a: { type: 'float', default: -0.75 },
  exclude_outside: { type: 'int', default: 0 },
  extrapolation_value: { type: 'float', default: 0.0 },
  mode: { type: 'string', default: 'nearest' },
  nearest_mode: { type: 'string', default: 'round_prefer_floor' },
};
const v18: Record<string, AttributeSpec> = {
  ...v13,
  antialias: { type: 'int', default: 0 },
  axes: { type: 'ints', optional: true },
  keep_aspect_ratio_policy: { type: 'string', default: 'stretch' },
};

const f32 = Math.fround;

/**
 * The source coordinate of output position `i` on an axis of `inSize` → `outSize` at `scale`, in
 * float32 step by step as ONNX Runtime computes it (upsamplebase.h): at a tie (a coordinate that is exactly k + ½,
 * or an integer, in float32 but not in float64) nearest rounding then picks the pixel ORT picks.
 */
function sourceCoordinate(
  mode: string,
  i: number,
  inSize: number,
  outSize: number,
  scale: number,
  node: NodeInfo,
): number {
  const s = f32(scale);
  const centre = () => f32(f32(i + 0.5) / s);
  switch (mode) {
    case 'half_pixel':
      return f32(centre() - 0.5);
    case 'half_pixel_symmetric': {
      // ORT: the offset in float32, the rest in double (its 0.5 is a double literal), then float32.
      const adjustment = f32(outSize / f32(s * inSize));
      const offset = f32(f32(inSize / 2) * f32(1 - adjustment));
      return f32(offset + (i + 0.5) / s - 0.5);
    }
    case 'pytorch_half_pixel':
      return outSize > 1 ? f32(centre() - 0.5) : 0;
    case 'align_corners':
      return outSize === 1 ? 0 : f32(f32(i * (inSize - 1)) / (outSize - 1));
    case 'asymmetric':
      return f32(i / s);
    default:
      throw nodeError(
        node,
        `coordinate_transformation_mode '${mode}' is not supported (half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric)`,
      );
  }
}

function nearestIndex(mode: string, x: number, node: NodeInfo): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    default:
      throw nodeError(
        node,
        `nearest_mode '${mode}' is not supported (round_prefer_floor, round_prefer_ceil, floor, ceil)`,
      );
  }
}

const indexTensor = (values: number[]) => tensor(Float32Array.from(values), { shape: [values.length] });

export const resizeOperators: OperatorTable = {
  Resize: {
    attributes: v18,
    attributesAt: (opset) => (opset >= 18 ? v18 : v13),
    constInputs: [1, 2, 3],
    run: (inputs, attrs, consts, node) => {
      let x = required(inputs, 0, node);
      const mode = attrs.mode as string;
      const transform = attrs.coordinate_transformation_mode as string;
      if (mode !== 'nearest' && mode !== 'linear')
        throw nodeError(node, `mode '${mode}' is not supported (nearest, linear)`);
      const axes = attrs.axes
        ? normalizeAxes(attrs.axes as number[], x.ndim, node)
        : x.shape.map((_, i) => i);
      const scalesGiven = consts[2] !== undefined && consts[2].data.length > 0;
      const sizesGiven = consts[3] !== undefined && consts[3].data.length > 0;
      if (scalesGiven === sizesGiven) throw nodeError(node, 'needs exactly one of scales and sizes');
      const scales = scalesGiven ? consts[2]!.data : undefined;
      const sizes = sizesGiven ? constInts(consts[3], 3, node) : undefined;
      if ((scales ?? sizes)!.length !== axes.length) {
        throw nodeError(
          node,
          `scales/sizes have ${(scales ?? sizes)!.length} entries for ${axes.length} axes`,
        );
      }
      if (
        sizes &&
        attrs.keep_aspect_ratio_policy !== undefined &&
        attrs.keep_aspect_ratio_policy !== 'stretch'
      ) {
        throw nodeError(
          node,
          `keep_aspect_ratio_policy '${attrs.keep_aspect_ratio_policy}' is not supported (stretch)`,
        );
      }
      axes.forEach((axis, k) => {
        const inSize = x.shape[axis]!;
        const outSize = sizes ? sizes[k]! : Math.floor(inSize * scales![k]!);
        const scale = sizes ? outSize / inSize : scales![k]!;
        if (!(scale > 0) || outSize < 1)
          throw nodeError(node, `axis ${axis}: scale ${scale} gives no output`);
        checkCreatedShape(
          x.shape.map((d, i) => (i === axis ? outSize : d)),
          node,
          sizes ? `input sizes [${sizes.join(', ')}]` : `input scales [${scales!.join(', ')}]`,
          x.shape[0],
        );
        if (attrs.antialias === 1 && scale < 1)
          throw nodeError(node, 'antialiased downscaling is not supported');
        if (outSize === inSize && scale === 1) return;
        const coords = Array.from({ length: outSize }, (_, i) =>
          sourceCoordinate(transform, i, inSize, outSize, scale, node),
        );
        const clampIndex = (v: number) => Math.min(Math.max(v, 0), inSize - 1);
        if (mode === 'nearest') {
          x = x.gather(
            indexTensor(coords.map((c) => clampIndex(nearestIndex(attrs.nearest_mode as string, c, node)))),
            axis,
          );
          return;
        }
        const clamped = coords.map((c) => Math.min(Math.max(c, 0), inSize - 1));
        const lo = clamped.map((c) => Math.floor(c));
        const hi = lo.map((i) => Math.min(i + 1, inSize - 1));
        const shape = x.shape.map((_, i) => (i === axis ? outSize : 1));
        // The specification's a·(1 − w) + b·w, weights computed in float64 as in the reference.
        const wHi: Tensor = tensor(
          Float32Array.from(clamped, (c, i) => c - lo[i]!),
          { shape },
        );
        const wLo: Tensor = tensor(
          Float32Array.from(clamped, (c, i) => 1 - (c - lo[i]!)),
          { shape },
        );
        x = x
          .gather(indexTensor(lo), axis)
          .mul(wLo)
          .add(x.gather(indexTensor(hi), axis).mul(wHi));
      });
      return [x];
    },
  },
};
