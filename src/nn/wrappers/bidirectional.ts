/**
 * Bidirectional (Keras' Bidirectional): a recurrent layer run twice over the sequence, once
 * forwards and once backwards (a copy with `goBackwards` flipped, built from the layer's config,
 * as Keras does), the two outputs merged. With returnSequences the backward copy's outputs come
 * last step first; they are reversed back so that step t of the result sees both the steps up to
 * t and the steps from t on. A mask reaches both copies.
 *
 *   new Bidirectional({ layer: new LSTM({ units: 32 }), mergeMode: 'concat' })   // [batch, 64]
 *
 * The weights are the copies': `bidirectional/forward_lstm/…` and `bidirectional/backward_lstm/…`.
 */
import { describeValue, isOptionsObject } from '../../config/options.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import { concat } from '../../ops/layout.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type CallOptions, Layer, type LayerConfig } from '../layer.js';
import { type Mask, maskList } from '../module.js';
import { layerFromConfig } from '../registry.js';
import { type LayerSpec, layerOf } from './layer-spec.js';

/** How the two directions' outputs combine; null gives both, as a list [forward, backward]. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

export interface BidirectionalConfig extends LayerConfig {
  /** A recurrent layer (SimpleRNN, LSTM, GRU, RNN): its config makes the forward copy. */
  layer: LayerSpec;
  /**
   * Default 'concat' (features side by side: the forward units then the backward layer's); sum, mul
   * and ave need both directions to have the same units.
   */
  mergeMode?: MergeMode;
  /** The backward layer itself (it must go backwards), instead of a copy of `layer`. */
  backwardLayer?: LayerSpec;
}

/** What a recurrent layer's config says about its outputs. */
interface RecurrentFlags {
  goBackwards: boolean;
  returnSequences: boolean;
  returnState: boolean;
}

export class Bidirectional extends Layer {
  readonly forwardLayer: Layer;
  readonly backwardLayer: Layer;
  readonly mergeMode: MergeMode;
  /** The wrapped layer's config (as given; rebuilds both copies) and a given backward layer's. */
  private readonly layerSpec: { className: string; config: Record<string, unknown> };
  private readonly backwardSpec: { className: string; config: Record<string, unknown> } | null;
  private readonly flags: RecurrentFlags;

  constructor(config: BidirectionalConfig) {
    const { inputShape, rest } = declaredShape(config);
    super({ ...rest, ...(inputShape && { inputShape }) } as LayerConfig, 'bidirectional', [
      'layer',
      'mergeMode',
      'backwardLayer',
    ]);
    const c = this.component;
    if (config.layer === undefined)
      throw new ArgumentError(`${c}: give the recurrent layer to wrap: { layer }`);
    const mode = config.mergeMode === undefined ? 'concat' : config.mergeMode;
    if (!MERGE_MODES.includes(mode)) {
      throw new ArgumentError(
        `${c}: mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, got ${describeValue(mode)}`,
      );
    }
    this.mergeMode = mode;
    const given = layerOf(c, 'layer', config.layer).getConfig();
    const { inputShape: _ignored, ...layerConfig } = given.config;
    this.layerSpec = { className: given.className, config: layerConfig };
    this.flags = recurrentFlags(c, 'layer', layerConfig);
    const name = String(layerConfig.name);
    this.forwardLayer = this.copy({ ...layerConfig, name: `forward_${name}` });
    if (config.backwardLayer === undefined) {
      this.backwardSpec = null;
      this.backwardLayer = this.copy({
        ...layerConfig,
        name: `backward_${name}`,
        goBackwards: !this.flags.goBackwards,
      });
    } else {
      this.backwardLayer = layerOf(c, 'backwardLayer', config.backwardLayer);
      const spec = this.backwardLayer.getConfig();
      this.backwardSpec = spec;
      const back = recurrentFlags(c, 'backwardLayer', spec.config);
      if (
        back.goBackwards === this.flags.goBackwards ||
        back.returnSequences !== this.flags.returnSequences ||
        back.returnState !== this.flags.returnState
      ) {
        throw new ArgumentError(
          `${c}: backwardLayer must run the other way from layer (goBackwards ${!this.flags.goBackwards}) ` +
            'with the same returnSequences and returnState',
        );
      }
    }
    // sum, mul and ave add the two outputs element by element: they need the same units.
    const unitsF = this.forwardLayer.getConfig().config.units;
    const unitsB = this.backwardLayer.getConfig().config.units;
    if (
      this.mergeMode !== null &&
      this.mergeMode !== 'concat' &&
      typeof unitsF === 'number' &&
      typeof unitsB === 'number' &&
      unitsF !== unitsB
    ) {
      throw new ArgumentError(unequalUnits(c, this.mergeMode, unitsF, unitsB));
    }
    if (this.forwardLayer.name === this.backwardLayer.name) {
      throw new ArgumentError(
        `${c}: the forward and backward layers are both named '${this.forwardLayer.name}'`,
      );
    }
    this.addModule(this.forwardLayer);
    this.addModule(this.backwardLayer);
    if (!this.trainable) this.trainable = false;
  }

  get className(): string {
    return 'Bidirectional';
  }

  private copy(config: Record<string, unknown>): Layer {
    const made = layerFromConfig({ className: this.layerSpec.className, config });
    if (!(made instanceof Layer))
      throw new ArgumentError(`${this.component}: layer must be a single-input layer`);
    return made;
  }

  /** The number of states both directions return together (0 without returnState). */
  private get stateCount(): number {
    if (!this.flags.returnState || !this.built) return 0;
    const count = (layer: Layer) =>
      (layer.computeOutputShape(this.inputShape) as unknown as Shape[]).length - 1;
    return count(this.forwardLayer) + count(this.backwardLayer);
  }

  protected override build(inputShape: Shape): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
  }

  computeOutputShape(inputShape: Shape): Shape {
    // Each copy's own shapes: a given backwardLayer may have other units (and states) than layer.
    const shapesOf = (layer: Layer): Shape[] => {
      const inner = layer.computeOutputShape(inputShape) as unknown as Shape | Shape[];
      return this.flags.returnState ? (inner as Shape[]) : [inner as Shape];
    };
    const [outF, ...statesF] = shapesOf(this.forwardLayer);
    const [outB, ...statesB] = shapesOf(this.backwardLayer);
    const unitsF = outF![outF!.length - 1]!;
    const unitsB = outB![outB!.length - 1]!;
    if (this.mergeMode !== null && this.mergeMode !== 'concat' && unitsF !== unitsB) {
      throw new ShapeError(unequalUnits(this.component, this.mergeMode, unitsF, unitsB));
    }
    const merged: Shape[] =
      this.mergeMode === null
        ? [outF!, outB!]
        : this.mergeMode === 'concat'
          ? [[...outF!.slice(0, -1), unitsF + unitsB]]
          : [outF!];
    const all = [...merged, ...statesF, ...statesB];
    // Several outputs: a list of shapes (Layer's typing names one, as the recurrent layers do).
    return (all.length === 1 ? all[0]! : all) as unknown as Shape;
  }

  /**
   * One tensor, or a list: [forward, backward] with mergeMode null, then with returnState the
   * forward copy's states and the backward copy's (Keras' order).
   */
  protected forward(x: Tensor, options: CallOptions): Tensor {
    const { skipActivation: _skip, initialState, ...shared } = options;
    let forwardOptions: CallOptions = shared;
    let backwardOptions: CallOptions = shared;
    if (initialState !== undefined) {
      // Keras: the first half of the initial states start the forward copy, the rest the backward.
      if (!Array.isArray(initialState) || initialState.length % 2 !== 0) {
        throw new ArgumentError(
          `${this.component}: initialState must list the forward layer's states then the backward layer's, ` +
            `got ${Array.isArray(initialState) ? `${initialState.length} tensors` : describeValue(initialState)}`,
        );
      }
      const half = initialState.length / 2;
      forwardOptions = { ...shared, initialState: initialState.slice(0, half) };
      backwardOptions = { ...shared, initialState: initialState.slice(half) };
    }
    const [yf, ...statesF] = asList(this.forwardLayer.apply(x, forwardOptions));
    const [yb, ...statesB] = asList(this.backwardLayer.apply(x, backwardOptions));
    // The backward copy gives its sequence last step first: put it back in time order.
    const aligned = this.flags.returnSequences ? reverseTime(yb!) : yb!;
    const merged = this.merge(yf!, aligned);
    const all = [...merged, ...statesF, ...statesB];
    return (all.length === 1 ? all[0]! : all) as unknown as Tensor;
  }

  private merge(a: Tensor, b: Tensor): Tensor[] {
    switch (this.mergeMode) {
      case null:
        return [a, b];
      case 'concat':
        return [concat([a, b], -1)];
      case 'sum':
        return [a.add(b)];
      case 'mul':
        return [a.mul(b)];
      case 'ave':
        return [a.add(b).mul(0.5)];
    }
  }

  /**
   * Stateful copies: forget their carried states (or set them: the forward layer's states, then
   * the backward layer's), as each recurrent layer's resetStates does.
   */
  resetStates(states?: Tensor[]): void {
    const half = states === undefined ? 0 : Math.floor(states.length / 2);
    if (states !== undefined && (!Array.isArray(states) || states.length % 2 !== 0)) {
      throw new ArgumentError(
        `${this.component}: resetStates() takes the forward layer's states then the backward layer's, got ${describeValue(states)}`,
      );
    }
    for (const [layer, part] of [
      [this.forwardLayer, states?.slice(0, half)],
      [this.backwardLayer, states?.slice(half)],
    ] as const) {
      const reset = (layer as { resetStates?: (s?: Tensor[]) => void }).resetStates;
      if (typeof reset !== 'function') {
        throw new ArgumentError(`${this.component}: the wrapped ${layer.className} has no resetStates()`);
      }
      reset.call(layer, part);
    }
  }

  // ---- masks: both copies consume the mask; a sequence output keeps it --------------------

  override get supportsMasking(): boolean {
    return true;
  }

  override computeMask(_x: Tensor | Tensor[], mask: Mask | Mask[]): Mask[] {
    const m = (Array.isArray(mask) ? mask[0] : mask) ?? null;
    const out = this.flags.returnSequences ? m : null;
    const outputs = this.mergeMode === null ? [out, out] : [out];
    return maskList(outputs, outputs.length + this.stateCount);
  }

  override computeOutputMasked(inputMasked: readonly boolean[]): boolean[] {
    const out = this.flags.returnSequences && inputMasked.some(Boolean);
    const outputs = this.mergeMode === null ? [out, out] : [out];
    return [...outputs, ...new Array<boolean>(this.stateCount).fill(false)];
  }

  protected layerConfig(): Record<string, unknown> {
    return {
      layer: { className: this.layerSpec.className, config: { ...this.layerSpec.config } },
      mergeMode: this.mergeMode,
      ...(this.backwardSpec && { backwardLayer: this.backwardSpec }),
    };
  }
}

/** A wrapper takes the input shape declared on itself, or on the layer it wraps. */
export function declaredShape(config: unknown): {
  inputShape: readonly number[] | undefined;
  rest: Record<string, unknown>;
} {
  // Not an object: Module's constructor names what was given.
  if (!isOptionsObject(config)) return { inputShape: undefined, rest: config as Record<string, unknown> };
  const { inputShape, ...rest } = config as Record<string, unknown>;
  const layer = rest.layer;
  const inner =
    layer instanceof Layer
      ? layer.declaredInputShape
      : ((layer as { config?: { inputShape?: readonly number[] } } | undefined)?.config?.inputShape ??
        undefined);
  return { inputShape: (inputShape as readonly number[] | undefined) ?? inner, rest };
}

function recurrentFlags(component: string, option: string, config: Record<string, unknown>): RecurrentFlags {
  if (typeof config.goBackwards !== 'boolean') {
    throw new ArgumentError(
      `${component}: ${option} must be a recurrent layer (SimpleRNN, LSTM, GRU or RNN: one with goBackwards)`,
    );
  }
  return {
    goBackwards: config.goBackwards,
    returnSequences: config.returnSequences === true,
    returnState: config.returnState === true,
  };
}

function unequalUnits(component: string, mode: MergeMode, forward: number, backward: number): string {
  return (
    `${component}: mergeMode '${mode}' combines the two directions element by element, so layer and ` +
    `backwardLayer need the same units; got ${forward} and ${backward} (use mergeMode 'concat' or null)`
  );
}

function asList(y: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** x [batch, time, …] with the time axis reversed (a gather, so its gradient is the reverse). */
function reverseTime(x: Tensor): Tensor {
  const time = x.shape[1]!;
  const order = Int32Array.from({ length: time }, (_, t) => time - 1 - t);
  return x.gather(order, 1);
}
