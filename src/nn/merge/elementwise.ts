/** The element-wise merge layers, Keras' names and semantics: [a, b, …] → one tensor of their shape. */
import type { Tensor } from '../../tensor/tensor.js';
import { ElementwiseMerge, type MergeConfig } from './merge.js';

/** a + b + … */
export class Add extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'add');
  }
  get className(): string {
    return 'Add';
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.add(x), xs[0]!);
  }
}

/** a − b (exactly two inputs). */
export class Subtract extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'subtract');
  }
  get className(): string {
    return 'Subtract';
  }
  protected override get inputCount(): number {
    return 2;
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs[0]!.sub(xs[1]!);
  }
}

/** a · b · … (element-wise) */
export class Multiply extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'multiply');
  }
  get className(): string {
    return 'Multiply';
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.mul(x), xs[0]!);
  }
}

/** (a + b + …) / n */
export class Average extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'average');
  }
  get className(): string {
    return 'Average';
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs
      .slice(1)
      .reduce((acc, x) => acc.add(x), xs[0]!)
      .mul(1 / xs.length);
  }
}

/** max(a, b, …) element-wise */
export class Maximum extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'maximum');
  }
  get className(): string {
    return 'Maximum';
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.maximum(x), xs[0]!);
  }
}

/** min(a, b, …) element-wise */
export class Minimum extends ElementwiseMerge {
  constructor(config: MergeConfig = {}) {
    super(config, 'minimum');
  }
  get className(): string {
    return 'Minimum';
  }
  protected combine(xs: Tensor[]): Tensor {
    return xs.slice(1).reduce((acc, x) => acc.minimum(x), xs[0]!);
  }
}
