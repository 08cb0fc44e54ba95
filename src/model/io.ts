/**
 * Where models are saved to and loaded from. `model.save(target)` and `loadModel(target)` take a
 * string and ask the registered routers for a handler: the Node entry registers one for file
 * paths; this browser-safe core knows http(s) URLs (load only, via fetch). Anything else can be
 * passed as an IOHandler object, or use toArtifacts()/modelFromArtifacts() in memory.
 */
import { ArgumentError, ModelFormatError } from '../errors.js';
import type { BinaryRef, ModelArtifacts } from './artifacts.js';
import { MAX_MODEL_JSON_BYTES, validateModelJson } from './manifest.js';

export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<void>;
  load?(): Promise<ModelArtifacts>;
  /** Whether a model is stored there (backupAndRestore: resume or start afresh). */
  exists?(): Promise<boolean>;
  /** Delete what save() wrote there, and only that. */
  remove?(): Promise<void>;
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
      "(import from 'backprop-js'); in a browser, load from an http(s) URL, or use model.toArtifacts() / modelFromArtifacts().",
  );
}

/**
 * Read at most `limit` bytes of a response body: a Content-Length above the limit is refused
 * before reading, and reading stops as soon as the body goes past it (a server may lie or omit
 * the header). With `exact`, the body must have exactly `limit` bytes.
 */
async function readBody(res: Response, url: string, limit: number, exact: boolean): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  // Content-Length is the encoded size; with a content-encoding it says nothing about the body's.
  if (declared !== null && !res.headers.get('content-encoding')) {
    const n = Number(declared);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new ModelFormatError(`${url}: invalid Content-Length '${declared}'`);
    if (n > limit || (exact && n !== limit)) {
      throw new ModelFormatError(
        `${url}: the server sends ${n} bytes but ${exact ? 'model.json describes' : 'at most'} ${limit}`,
      );
    }
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new ModelFormatError(
          `${url}: the body goes past the ${limit} bytes ${exact ? 'model.json describes' : 'allowed'}`,
        );
      }
      chunks.push(value);
    }
  }
  if (exact && total !== limit) {
    throw new ModelFormatError(
      `${url}: is truncated: it has ${total} bytes but model.json describes ${limit}`,
    );
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

async function get(url: string): Promise<Response> {
  let res: Response;
  try {
    // No redirects: a weight file must come from beside model.json, not wherever a server points.
    res = await fetch(url, { redirect: 'error' });
  } catch (e) {
    throw new ModelFormatError(`${url}: cannot fetch: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ModelFormatError(`${url}: HTTP ${res.status}`);
  return res;
}

/**
 * The URL of a file model.json names: only a plain file name in model.json's own folder on the
 * same origin (validateModelJson already refused separators and '..'; this checks the result).
 */
function besideModel(jsonUrl: string, ref: BinaryRef): string {
  const base = new URL(jsonUrl);
  const url = new URL(ref.path, base);
  const folder = (u: URL) => u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
  if (url.origin !== base.origin || folder(url) !== folder(base) || url.search !== '' || url.hash !== '') {
    throw new ModelFormatError(`${jsonUrl}: '${ref.path}' is not a file beside model.json`);
  }
  return url.toString();
}

async function fetchBinary(jsonUrl: string, ref: BinaryRef): Promise<ArrayBuffer> {
  const url = besideModel(jsonUrl, ref);
  const bytes = await readBody(await get(url), url, ref.byteLength, true);
  return bytes.buffer as ArrayBuffer;
}

/** Load model.json and its weights over HTTP(S) with fetch, checking sizes before reading bodies whole. */
function httpRouter(target: string): IOHandler | null {
  if (!/^https?:\/\//i.test(target)) return null;
  const jsonUrl = target.endsWith('.json') ? target : `${target.replace(/\/$/, '')}/model.json`;
  return {
    async load() {
      const text = new TextDecoder().decode(
        await readBody(await get(jsonUrl), jsonUrl, MAX_MODEL_JSON_BYTES, false),
      );
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new ModelFormatError(
          `${jsonUrl}: model.json is corrupted (not valid JSON: ${(e as Error).message})`,
        );
      }
      const modelJson = validateModelJson(raw, jsonUrl);
      const weightData = await fetchBinary(jsonUrl, modelJson.weightsManifest);
      const state = modelJson.trainingState;
      return {
        modelJson,
        weightData,
        ...(state && { trainingState: { json: state.json, data: await fetchBinary(jsonUrl, state) } }),
      };
    },
  };
}
