/**
 * Which layers of a model read a mask, for the exporters that must refuse what their target runs
 * otherwise under a mask (toTfjs, toKeras). A Sequential's layer gets one from the layers before it;
 * a functional model's from the tensors it is called on. Nested models are walked too.
 */
import { Model } from '../../model/functional/model.js';
import { Sequential } from '../../model/sequential.js';
import { Concatenate } from '../../nn/merge/concatenate.js';
import type { Merge } from '../../nn/merge/merge.js';
import type { Module } from '../../nn/module.js';

/** Every layer (nested models' too) that is given a mask, in the order of `layers`. */
export function maskedLayers(container: Sequential | Model): Module[] {
  const found: Module[] = [];
  for (const layer of container.layers as readonly Module[]) {
    if (layer instanceof Sequential || layer instanceof Model) found.push(...maskedLayers(layer));
    const masked = container instanceof Sequential ? sequentialMasked(container, layer) : inputMasked(layer);
    if (masked) found.push(layer);
  }
  return found;
}

/**
 * Whether a merge's maskMerge decides its output mask: not for a Concatenate joining time steps,
 * whose masks are joined as the steps are under either rule (and in Keras 2, 3 and TF.js alike).
 */
export function maskMergeMatters(layer: Merge): boolean {
  return !(layer instanceof Concatenate && layer.joinsTime);
}

function inputMasked(layer: Module): boolean {
  return layer.inboundNodes.some((node) => node.inputs.some((x) => x.hasMask));
}

/** Whether a Sequential's layer gets a mask: from the layers before it. */
function sequentialMasked(container: Sequential, layer: Module): boolean {
  let masked = false;
  for (const l of container.layers as readonly Module[]) {
    if (l === layer) return masked;
    masked = l.computeOutputMasked([masked])[0] === true;
  }
  return false;
}
