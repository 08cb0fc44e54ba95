/** `backprop --version`: the version of the package this file belongs to, read when asked. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The `version` of the nearest package.json above this module. Looking upward rather than at a
 * fixed '../../package.json' keeps it right from src/cli/ under tsx, from dist/cli/, and from an
 * installed package whatever its folder layout; a package.json without a version (a folder-level
 * `{"type": "module"}`) is skipped.
 */
export function packageVersion(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const version = readVersion(join(dir, 'package.json'));
    if (version !== undefined) return version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with a version above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}

function readVersion(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === 'string' ? version : undefined;
}
