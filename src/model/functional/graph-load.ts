/**
 * Rebuilding a functional model from its saved config (graph-config.ts), in two passes over the
 * same walk: `planGraph` follows the shapes through the graph and works out every weight the
 * layers will create, constructing layers (which allocates nothing) but building none; then
 * `modelFromGraphConfig` calls the layers on symbolic tensors, which builds them. The loader
 * compares the plan with the file's manifest in between, so building allocates no more than the
 * file holds.
 *
 * The walk refuses, with a ModelFormatError naming the layer: a malformed entry, two layers of one
 * name, a reference to an unknown layer, to a call (node) or output the layer does not have, and
 * a cycle (nodes that wait on each other).
 */
import { ModelFormatError } from '../../errors.js';
import { Layer } from '../../nn/layer.js';
import { type InputShapes, isShapeList, type Module } from '../../nn/module.js';
import { layerFromConfig, registerLayer } from '../../nn/registry.js';
import {
  formatSymbolicShape,
  type SymbolicShape,
  type SymbolicTensor,
  shapesCompatible,
} from '../../nn/symbolic-tensor.js';
import { trustedWeightShapes } from '../../nn/weight-shapes.js';
import type { Shape } from '../../tensor/shape.js';
import type { GraphLayerSpec, TensorRef } from './graph-config.js';
import { InputLayer } from './input.js';
import { Model } from './model.js';

export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/** What planning a (nested) model or layer gives: output shapes for inputs, and its weights. */
export interface PlannedModule {
  name: string;
  /** Output shape(s) for input shape(s) (no batch axis); throws if they do not fit. */
  outputShape(input: InputShapes): InputShapes;
  /** The weights, named as the parent lists them, for the first call's input shapes; null if unknown before build. */
  weights(input: InputShapes): ExpectedWeight[] | null;
}

/** How a container class (Model, Sequential) plans from its config without building. */
export type ContainerPlanner = (config: Record<string, unknown>, where: string) => PlannedModule;
const containerPlanners = new Map<string, ContainerPlanner>();
export function registerContainerPlanner(className: string, planner: ContainerPlanner): void {
  containerPlanners.set(className, planner);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkRef(v: unknown, where: string): TensorRef {
  if (
    !Array.isArray(v) ||
    v.length !== 3 ||
    typeof v[0] !== 'string' ||
    !Number.isSafeInteger(v[1]) ||
    v[1] < 0 ||
    !Number.isSafeInteger(v[2]) ||
    v[2] < 0
  ) {
    throw new ModelFormatError(
      `${where} must be [layerName, nodeIndex, tensorIndex], got ${JSON.stringify(v)?.slice(0, 60)}`,
    );
  }
  return v as TensorRef;
}

interface CheckedGraph {
  name: string;
  layers: GraphLayerSpec[];
  inputLayers: TensorRef[];
  outputLayers: TensorRef[];
  /** Saved as one reference (the model was made with one tensor, not a list). */
  singleInput: boolean;
  singleOutput: boolean;
}

/** The structure of a graph config: types, unique names, references to known layers. */
function checkGraphConfig(config: Record<string, unknown>, where: string): CheckedGraph {
  if (!Array.isArray(config.layers)) throw new ModelFormatError(`${where}: layers must be a list`);
  const names = new Set<string>();
  const layers = config.layers.map((raw, i): GraphLayerSpec => {
    const at = `${where}: layers[${i}]`;
    if (!isObject(raw)) throw new ModelFormatError(`${at} must be an object`);
    if (typeof raw.name !== 'string') throw new ModelFormatError(`${at}.name must be a string`);
    const layer = `${at} ('${raw.name}')`;
    if (typeof raw.className !== 'string') throw new ModelFormatError(`${layer}.className must be a string`);
    if (!isObject(raw.config)) throw new ModelFormatError(`${layer}.config must be an object`);
    if (raw.config.name !== undefined && raw.config.name !== raw.name) {
      throw new ModelFormatError(
        `${layer}: config.name '${String(raw.config.name)}' differs from the layer's name`,
      );
    }
    if (names.has(raw.name)) throw new ModelFormatError(`${where}: two layers are named '${raw.name}'`);
    names.add(raw.name);
    if (!Array.isArray(raw.inboundNodes)) throw new ModelFormatError(`${layer}.inboundNodes must be a list`);
    const inboundNodes = raw.inboundNodes.map((node, k) => {
      if (!Array.isArray(node) || node.length === 0) {
        throw new ModelFormatError(
          `${layer}.inboundNodes[${k}] must be a non-empty list of tensor references`,
        );
      }
      return node.map((r, j) => checkRef(r, `${layer}.inboundNodes[${k}][${j}]`));
    });
    if (raw.className === 'InputLayer' && inboundNodes.length > 0) {
      throw new ModelFormatError(`${layer}: an InputLayer has no inbound nodes`);
    }
    return { name: raw.name, className: raw.className, config: raw.config, inboundNodes };
  });
  const byName = new Map(layers.map((l) => [l.name, l]));
  const single = (v: unknown) => Array.isArray(v) && typeof v[0] === 'string';
  const refList = (v: unknown, key: string): TensorRef[] => {
    if (single(v)) return [checkRef(v, `${where}: ${key}`)];
    if (!Array.isArray(v) || v.length === 0)
      throw new ModelFormatError(`${where}: ${key} must be a non-empty list`);
    return v.map((r, i) => checkRef(r, `${where}: ${key}[${i}]`));
  };
  const inputLayers = refList(config.inputLayers, 'inputLayers');
  const outputLayers = refList(config.outputLayers, 'outputLayers');
  for (const [i, r] of inputLayers.entries()) {
    if (byName.get(r[0])?.className !== 'InputLayer' || r[1] !== 0 || r[2] !== 0) {
      throw new ModelFormatError(
        `${where}: inputLayers[${i}] must name an InputLayer as [name, 0, 0], got ${JSON.stringify(r)}`,
      );
    }
  }
  const check = (r: TensorRef, at: string) => {
    const target = byName.get(r[0]);
    if (!target) throw new ModelFormatError(`${at} refers to an unknown layer '${r[0]}'`);
    const nodes = target.className === 'InputLayer' ? 1 : target.inboundNodes.length;
    if (r[1] >= nodes) {
      throw new ModelFormatError(
        `${at} refers to call ${r[1]} of layer '${r[0]}', which has ${nodes} call${nodes === 1 ? '' : 's'}`,
      );
    }
  };
  for (const l of layers) {
    l.inboundNodes.forEach((node, k) => {
      for (const r of node) check(r, `${where}: layer '${l.name}' inboundNodes[${k}]`);
    });
  }
  outputLayers.forEach((r, i) => {
    check(r, `${where}: outputLayers[${i}]`);
  });
  const name = typeof config.name === 'string' ? config.name : 'model';
  return {
    name,
    layers,
    inputLayers,
    outputLayers,
    singleInput: single(config.inputLayers),
    singleOutput: single(config.outputLayers),
  };
}

/**
 * Walk the graph: `source` gives an input layer's output, `call` runs layer `spec` on a node's
 * inputs, returning its outputs. Nodes run as soon as their inputs exist; a pass that runs none
 * while some wait is a cycle.
 */
function walk<T>(
  graph: CheckedGraph,
  where: string,
  source: (spec: GraphLayerSpec) => T,
  call: (spec: GraphLayerSpec, inputs: T[], nodeIndex: number) => T[],
): { inputs: T[]; outputs: T[] } {
  const made = new Map<string, T[][]>();
  for (const l of graph.layers) made.set(l.name, l.className === 'InputLayer' ? [[source(l)]] : []);
  const lookup = (r: TensorRef, at: string): T | undefined => {
    const outs = made.get(r[0])![r[1]];
    if (!outs) return undefined;
    if (r[2] >= outs.length) {
      throw new ModelFormatError(
        `${at} refers to output ${r[2]} of layer '${r[0]}', which gives ${outs.length}`,
      );
    }
    return outs[r[2]];
  };
  let pending = graph.layers.reduce((n, l) => n + l.inboundNodes.length, 0);
  while (pending > 0) {
    let progress = false;
    for (const l of graph.layers) {
      const done = made.get(l.name)!;
      while (done.length < l.inboundNodes.length) {
        const k = done.length;
        const at = `${where}: layer '${l.name}' inboundNodes[${k}]`;
        const inputs = l.inboundNodes[k]!.map((r) => lookup(r, at));
        if (inputs.some((x) => x === undefined)) break;
        done.push(call(l, inputs as T[], k));
        pending--;
        progress = true;
      }
    }
    if (!progress) {
      const stuck = graph.layers
        .filter((l) => made.get(l.name)!.length < l.inboundNodes.length)
        .map((l) => `'${l.name}'`);
      throw new ModelFormatError(
        `${where}: the graph has a cycle: layers ${stuck.join(', ')} wait on each other's outputs`,
      );
    }
  }
  const end = (refs: TensorRef[], key: string) =>
    refs.map((r, i) => {
      const t = lookup(r, `${where}: ${key}[${i}]`);
      if (t === undefined)
        throw new ModelFormatError(`${where}: ${key}[${i}] refers to a call that never happens`);
      return t;
    });
  return { inputs: end(graph.inputLayers, 'inputLayers'), outputs: end(graph.outputLayers, 'outputLayers') };
}

function fail(where: string, layer: GraphLayerSpec, e: unknown): never {
  if (e instanceof ModelFormatError) throw e;
  throw new ModelFormatError(
    `${where}: the architecture cannot be rebuilt: layer '${layer.name}' (${layer.className}): ${(e as Error).message}`,
  );
}

/** Plan a layer spec: a container by its planner, any other class by constructing it. */
export function planLayer(
  spec: { className: string; config: Record<string, unknown> },
  where: string,
): PlannedModule {
  const planner = containerPlanners.get(spec.className);
  if (planner) return planner(spec.config, where);
  const module: Module = layerFromConfig({ className: spec.className, config: spec.config });
  let first = true;
  return {
    name: module.name,
    outputShape: (input) => {
      // What Layer.apply refuses when building, refused here before (a Layer's hooks expect one shape).
      if (module instanceof Layer && isShapeList(input)) {
        throw new ModelFormatError(
          `${where}: ${module.className} '${module.name}' takes one input, got ${input.length}`,
        );
      }
      return module.computeOutputShape(input);
    },
    weights: (input) => {
      if (!first) return [];
      first = false;
      const shapes = trustedWeightShapes(module, input);
      return shapes === null ? null : shapes.map(([w, shape]) => ({ name: `${module.name}/${w}`, shape }));
    },
  };
}

/** The weights a graph config will create (named relative to the model), without building. */
export function planGraph(
  config: Record<string, unknown>,
  where: string,
): PlannedModule & { expected: ExpectedWeight[] | null } {
  const graph = checkGraphConfig(config, where);
  const planned = new Map<string, PlannedModule>();
  let expected: ExpectedWeight[] | null = [];
  const { inputs, outputs } = walk<SymbolicShape>(
    graph,
    where,
    (spec) => {
      try {
        return new InputLayer(spec.config as never).batchInputShape;
      } catch (e) {
        return fail(where, spec, e);
      }
    },
    (spec, shapes, k) => {
      try {
        let p = planned.get(spec.name);
        if (!p) {
          p = planLayer(spec, `${where}: layer '${spec.name}'`);
          if (p.name !== spec.name)
            throw new ModelFormatError(`${where}: layer '${spec.name}' rebuilds as '${p.name}'`);
          planned.set(spec.name, p);
        }
        const given =
          shapes.length === 1 ? (shapes[0]!.slice(1) as Shape) : shapes.map((s) => s.slice(1) as Shape);
        const out = p.outputShape(given);
        if (k === 0) {
          const w = p.weights(given);
          expected = expected === null || w === null ? null : [...expected, ...w];
        }
        return (isShapeList(out) ? out : [out]).map((s) => [null, ...(s as SymbolicShape)]);
      } catch (e) {
        return fail(where, spec, e);
      }
    },
  );
  const plannedExpected = expected as ExpectedWeight[] | null;
  return {
    name: graph.name,
    expected: plannedExpected,
    outputShape: (input) => {
      const given = (isShapeList(input) ? input : [input]) as SymbolicShape[];
      if (given.length !== inputs.length || given.some((s, i) => !shapesCompatible(s, inputs[i]!.slice(1)))) {
        throw new ModelFormatError(
          `${where}: model '${graph.name}' takes ${inputs.map((s) => formatSymbolicShape(s)).join(', ')}, not ${JSON.stringify(input)}`,
        );
      }
      const shapes = outputs.map((s) => s.slice(1) as Shape);
      return graph.singleOutput ? shapes[0]! : shapes;
    },
    weights: () => plannedExpected?.map((w) => ({ name: `${graph.name}/${w.name}`, shape: w.shape })) ?? null,
  };
}
registerContainerPlanner('Model', (config, where) => planGraph(config, where));
registerLayer('Model', (config) => modelFromGraphConfig(config, `model '${String(config.name)}'`));

/** Build a functional model from its config (checked by the same walk as planGraph). */
export function modelFromGraphConfig(config: Record<string, unknown>, where = 'model'): Model {
  const graph = checkGraphConfig(config, where);
  const modules = new Map<string, Module>();
  const { inputs, outputs } = walk<SymbolicTensor>(
    graph,
    where,
    (spec) => {
      try {
        const layer = new InputLayer(spec.config as never);
        modules.set(spec.name, layer);
        return layer.inboundNodes[0]!.outputs[0]!;
      } catch (e) {
        return fail(where, spec, e);
      }
    },
    (spec, xs) => {
      try {
        let m = modules.get(spec.name);
        if (!m) {
          m = layerFromConfig({ className: spec.className, config: spec.config });
          if (m.name !== spec.name)
            throw new ModelFormatError(`${where}: layer '${spec.name}' rebuilds as '${m.name}'`);
          modules.set(spec.name, m);
        }
        const out: unknown = m.apply((xs.length === 1 ? xs[0]! : xs) as never);
        return Array.isArray(out) ? (out as SymbolicTensor[]) : [out as SymbolicTensor];
      } catch (e) {
        return fail(where, spec, e);
      }
    },
  );
  const trainable = config.trainable;
  return new Model({
    inputs: graph.singleInput ? inputs[0]! : inputs,
    outputs: graph.singleOutput ? outputs[0]! : outputs,
    name: graph.name,
    ...(typeof trainable === 'boolean' && { trainable }),
  });
}
