/**
 * ONNX operators BatchNormalization (inference form) and LayerNormalization (opset 17), written
 * with tensor ops so that gradients reach the input, scale and bias: an imported model fine-tunes.
 * BatchNormalization's running mean and variance are frozen state (`frozenInputs`), as Keras'
 * moving statistics are — fine-tuning trains scale and bias only.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { OperatorTable } from '../op-types.js';
import { floatOf, intOf, refuse, required } from './spatial.js';

export const normalizationOperators: OperatorTable = {
  BatchNormalization: {
    attributes: {
      epsilon: { type: 'float', default: 1e-5 },
      momentum: { type: 'float', default: 0.9 },
      training_mode: { type: 'int', default: 0 },
    },
    frozenInputs: [3, 4],
    run(inputs, attributes, _consts, node) {
      const x = required(node, inputs, 0, 'X');
      const names = ['X', 'scale', 'B', 'input_mean', 'input_var'];
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((slot) =>
        required(node, inputs, slot, names[slot]!),
      );
      const epsilon = floatOf(node, attributes, 'epsilon', 1e-5);
      if (intOf(node, attributes, 'training_mode', 0, 0, 1) !== 0) {
        refuse(
          node,
          'attribute training_mode 1 (batch statistics, running-mean outputs) is not supported; only inference (0)',
        );
      }
      if (x.ndim < 2) refuse(node, `input X must be [N, C, …], got [${x.shape.join(', ')}]`);
      const channels = x.shape[1]!;
      // Per-channel vectors [C] broadcast over [N, C, d1, …] as [C, 1, …].
      const perChannel = (t: Tensor, name: string): Tensor => {
        if (t.ndim !== 1 || t.shape[0] !== channels) {
          refuse(
            node,
            `input ${name} must be [${channels}] (the channels of X [${x.shape.join(', ')}]), got [${t.shape.join(', ')}]`,
          );
        }
        return t.reshape([channels, ...new Array<number>(x.ndim - 2).fill(1)]);
      };
      // The specification's (X − mean) / √(var + ε) · scale + B, step by step in float32: the steps
      // of backprop's BatchNormalization too, so a Keras/backprop layer reads back bit-identical.
      const std = perChannel(variance!, 'input_var').add(epsilon).sqrt();
      const y = x.sub(perChannel(mean!, 'input_mean')).div(std).mul(perChannel(scale!, 'scale'));
      return [y.add(perChannel(bias!, 'B'))];
    },
  },
  LayerNormalization: {
    sinceVersion: 17,
    attributes: {
      axis: { type: 'int', default: -1 },
      epsilon: { type: 'float', default: 1e-5 },
      stash_type: { type: 'int', default: 1 },
    },
    run(inputs, attributes, _consts, node) {
      const x = required(node, inputs, 0, 'X');
      const scale = required(node, inputs, 1, 'Scale');
      const bias = inputs[2];
      const epsilon = floatOf(node, attributes, 'epsilon', 1e-5);
      const axis = intOf(node, attributes, 'axis', -1, -x.ndim, x.ndim - 1);
      // stash_type names the precision of the statistics; backprop computes them in float32 either way.
      intOf(node, attributes, 'stash_type', 1, 0);
      const start = axis < 0 ? axis + x.ndim : axis;
      const axes = x.shape.slice(start).map((_, i) => start + i);
      const mean = x.mean(axes, true);
      const centred = x.sub(mean);
      const varianceEps = centred.square().mean(axes, true).add(epsilon);
      // Scale and B broadcast to the normalised shape X.shape[axis:] (unidirectionally).
      const fits = (t: Tensor) =>
        t.ndim <= x.ndim - start && t.shape.every((d, i) => d === 1 || d === x.shape[x.ndim - t.ndim + i]);
      for (const [name, t] of [
        ['Scale', scale],
        ['B', bias],
      ] as const) {
        if (t !== undefined && !fits(t)) {
          refuse(
            node,
            `input ${name} of shape [${t.shape.join(', ')}] does not broadcast to X's normalised axes [${x.shape.slice(start).join(', ')}]`,
          );
        }
      }
      // (X − mean) / √(var + ε), the spec's formula, as one division (rounded once) rather than the
      // function body's Reciprocal then Mul: the float32 steps of backprop's LayerNormalization, so
      // a layer exported by toOnnx imports bit-identically.
      let y = centred.div(varianceEps.sqrt()).mul(scale);
      if (bias !== undefined) y = y.add(bias);
      return [y, mean, varianceEps.rsqrt()];
    },
  },
};
