/**
 * Writes the service worker (service-worker.js beside this file) into the built site as sw.js,
 * with the list of every file the build wrote (public/ included) and a hash of their contents as
 * the cache's version: an unchanged build keeps its cache, any change makes a new one. Build only —
 * the dev server (`npm run web`) has no service worker, so it always serves fresh code.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

export const SERVICE_WORKER = 'sw.js';

/** Every file under `dir`, as paths relative to it with '/' separators, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

export function offlineServiceWorker(): Plugin {
  return {
    name: 'backprop:offline',
    apply: 'build',
    // After every file, public/ included, is in the output folder.
    writeBundle(options) {
      const dir = options.dir!;
      const files = filesUnder(dir).filter((file) => file !== SERVICE_WORKER);
      const hash = createHash('sha256');
      for (const file of files) hash.update(file).update(readFileSync(join(dir, file)));
      const build = { version: hash.digest('hex').slice(0, 12), files };
      const template = readFileSync(new URL('./service-worker.js', import.meta.url), 'utf8');
      const placeholder = "const BUILD = { version: 'dev', files: [] };";
      if (!template.includes(placeholder)) throw new Error(`service-worker.js lost its line: ${placeholder}`);
      writeFileSync(
        join(dir, SERVICE_WORKER),
        template.replace(placeholder, `const BUILD = ${JSON.stringify(build)};`),
      );
    },
  };
}
