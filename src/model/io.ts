/**
 * Where models are saved to and loaded from. `model.save(target)` and `loadModel(target)` take a
 * string and ask the registered routers for a handler: the Node entry registers one for file
 * paths; this browser-safe core knows http(s) URLs (load only, via fetch). Anything else can be
 * passed as an IOHandler object, or use toArtifacts()/modelFromArtifacts() in memory.
 */
import { ArgumentError, ModelFormatError } from '../errors.js';
import type { ModelArtifacts, ModelJson } from './artifacts.js';

export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<void>;
  load?(): Promise<ModelArtifacts>;
}

export type IORouter = (target: string) => IOHandler | null;

// Routers are tried newest first; http(s) loading is built in.
const routers: IORouter[] = [httpRouter];

export function registerIORouter(router: IORouter): void {
  if (!routers.includes(router)) routers.unshift(router);
}

export function resolveIOHandler(target: string | IOHandler, purpose: 'save' | 'load'): IOHandler {
  if (typeof target !== 'string') return target;
  for (const route of routers) {
    const handler = route(target);
    if (handler?.[purpose]) return handler;
  }
  throw new ArgumentError(
    `cannot ${purpose} a model ${purpose === 'save' ? 'to' : 'from'} '${target}' here. File paths work in Node ` +
      "(import from 'backprop'); in a browser, load from an http(s) URL, or use model.toArtifacts() / modelFromArtifacts().",
  );
}

/** Load model.json and its weights over HTTP(S) with fetch. */
function httpRouter(target: string): IOHandler | null {
  if (!/^https?:\/\//i.test(target)) return null;
  const jsonUrl = target.endsWith('.json') ? target : `${target.replace(/\/$/, '')}/model.json`;
  return {
    async load() {
      const res = await fetch(jsonUrl);
      if (!res.ok) throw new ModelFormatError(`${jsonUrl}: HTTP ${res.status}`);
      let modelJson: ModelJson;
      try {
        modelJson = (await res.json()) as ModelJson;
      } catch (e) {
        throw new ModelFormatError(
          `${jsonUrl}: model.json is corrupted (not valid JSON: ${(e as Error).message})`,
        );
      }
      const weightsUrl = new URL(modelJson.weightsManifest?.path ?? 'weights.bin', jsonUrl).toString();
      const wres = await fetch(weightsUrl);
      if (!wres.ok) throw new ModelFormatError(`${weightsUrl}: HTTP ${wres.status}`);
      return { modelJson, weightData: await wres.arrayBuffer() };
    },
  };
}
