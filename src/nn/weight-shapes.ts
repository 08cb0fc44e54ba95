/** Whether the loader may believe what a module's weightShapes() says, before building it. */
import { type InputShapes, Module } from './module.js';

/**
 * `module.weightShapes(inputShape)` when it can be trusted for the weights build() makes: the
 * class defining weightShapes must be the one defining build() or a subclass of it. Otherwise
 * (a subclass that builds other weights but inherits its parent's answer) null: known after build.
 */
export function trustedWeightShapes(module: Module, inputShape: InputShapes): [string, number[]][] | null {
  const definer = (key: string): object | null => {
    for (let p: object | null = Object.getPrototypeOf(module); p !== null; p = Object.getPrototypeOf(p)) {
      if (Object.hasOwn(p, key)) return p;
    }
    return null;
  };
  const shapes = definer('weightShapes');
  const build = definer('build');
  if (shapes === null || build === null) return null;
  // Neither overridden: nothing is built (children, made in the constructor, build their own).
  if (shapes === Module.prototype && build === Module.prototype)
    return module.children.length === 0 ? [] : null;
  // shapes is build's prototype or below it in the chain.
  if (shapes !== build && !Object.prototype.isPrototypeOf.call(build, shapes)) return null;
  return module.weightShapes(inputShape);
}
