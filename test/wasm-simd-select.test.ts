/**
 * Which build of the wasm kernels loads (plain SIMD or relaxed SIMD's fused multiply-add): the
 * choice by WebAssembly.validate (injected here), the BACKPROP_WASM_SIMD / option overrides, and —
 * where this engine runs relaxed SIMD (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd)
 * — the relaxed build's products against a float64 reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MatmulSpec } from '../src/backend/backend.js';
import { chooseWasmSimd, createWasmBackend, wasmSimdSupported } from '../src/backend/wasm/index.js';
import { ArgumentError, Rng } from '../src/index.js';

const yes = () => true;
const no = () => false;
/** An environment without BACKPROP_WASM_SIMD (the tests must not depend on the runner's). */
const none = {};

describe('choosing the wasm SIMD build', () => {
  it('auto: relaxed when the relaxed module validates, plain when it does not or validate throws', () => {
    assert.equal(chooseWasmSimd(undefined, yes, none), 'relaxed');
    assert.equal(chooseWasmSimd(undefined, no, none), 'plain');
    assert.equal(chooseWasmSimd('auto', yes, { BACKPROP_WASM_SIMD: 'auto' }), 'relaxed');
    const throws = () => {
      throw new Error('no WebAssembly here');
    };
    assert.equal(chooseWasmSimd(undefined, throws, none), 'plain');
  });

  it('validates the relaxed module itself: a module this engine accepts exactly when relaxed SIMD is on', () => {
    let seen: Uint8Array | undefined;
    chooseWasmSimd(
      undefined,
      (bytes) => {
        seen = bytes;
        return false;
      },
      none,
    );
    assert.ok(seen, 'validate was not called');
    assert.deepEqual([...seen.subarray(0, 4)], [0, 97, 115, 109], 'not a wasm module');
    // The real engine's verdict on those bytes is the auto choice.
    const engine = WebAssembly.validate(seen as Uint8Array<ArrayBuffer>);
    assert.equal(chooseWasmSimd(undefined, undefined, none), engine ? 'relaxed' : 'plain');
  });

  it('plain when forced, without asking the engine', () => {
    let asked = false;
    const validate = () => {
      asked = true;
      return true;
    };
    assert.equal(chooseWasmSimd('plain', validate, none), 'plain');
    assert.equal(chooseWasmSimd(undefined, validate, { BACKPROP_WASM_SIMD: 'plain' }), 'plain');
    assert.equal(asked, false);
  });

  it("reads BACKPROP_WASM_SIMD from the host's environment by default", () => {
    const saved = process.env.BACKPROP_WASM_SIMD;
    try {
      process.env.BACKPROP_WASM_SIMD = 'plain';
      assert.equal(chooseWasmSimd(undefined, yes), 'plain');
      process.env.BACKPROP_WASM_SIMD = ' relaxed ';
      assert.equal(chooseWasmSimd(undefined, yes), 'relaxed');
      process.env.BACKPROP_WASM_SIMD = '';
      assert.equal(chooseWasmSimd(undefined, no), 'plain');
    } finally {
      if (saved === undefined) delete process.env.BACKPROP_WASM_SIMD;
      else process.env.BACKPROP_WASM_SIMD = saved;
    }
  });

  it('the option wins over BACKPROP_WASM_SIMD', () => {
    assert.equal(chooseWasmSimd('plain', yes, { BACKPROP_WASM_SIMD: 'relaxed' }), 'plain');
    assert.equal(chooseWasmSimd('relaxed', yes, { BACKPROP_WASM_SIMD: 'plain' }), 'relaxed');
    assert.equal(chooseWasmSimd('auto', yes, { BACKPROP_WASM_SIMD: 'plain' }), 'relaxed');
  });

  it('forcing relaxed where the engine lacks it, or an unknown value, is an ArgumentError naming it', () => {
    assert.throws(
      () => chooseWasmSimd('relaxed', no, none),
      (e: unknown) => {
        assert.ok(e instanceof ArgumentError);
        assert.match(e.message, /simd option.*'relaxed'.*--experimental-wasm-relaxed-simd/);
        return true;
      },
    );
    assert.throws(
      () => chooseWasmSimd(undefined, no, { BACKPROP_WASM_SIMD: 'relaxed' }),
      /BACKPROP_WASM_SIMD asks for 'relaxed'/,
    );
    assert.throws(
      () => chooseWasmSimd(undefined, yes, { BACKPROP_WASM_SIMD: 'fma' }),
      (e: unknown) => e instanceof ArgumentError && /BACKPROP_WASM_SIMD must be .* got "fma"/.test(e.message),
    );
    assert.throws(() => chooseWasmSimd('fast', yes, none), /simd option must be .* got "fast"/);
  });
});

const relaxedAvailable = wasmSimdSupported() && chooseWasmSimd('auto', undefined, none) === 'relaxed';

describe('the backend runs the build it chose', { skip: !wasmSimdSupported() }, () => {
  it('says which (plain forced; auto as chooseWasmSimd says)', () => {
    assert.equal(createWasmBackend({ simd: 'plain' }).simd, 'plain');
    assert.equal(createWasmBackend({ simd: 'auto' }).simd, relaxedAvailable ? 'relaxed' : 'plain');
  });

  it('relaxed products are within float32 rounding of a float64 reference', {
    skip: !relaxedAvailable,
  }, () => {
    const relaxed = createWasmBackend({ simd: 'relaxed' });
    const plain = createWasmBackend({ simd: 'plain' });
    const rng = new Rng(19);
    // Packed A (n ≥ 32), A in place (n < 32), transposed A: every micro-kernel; ragged edges.
    for (const [m, k, n, transA] of [
      [37, 301, 45, false],
      [37, 301, 19, false],
      [22, 600, 13, true],
    ] as const) {
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: k * n }, () => rng.normal());
      const spec: MatmulSpec = { batch: 1, m, k, n, transA, transB: false, aBatchStride: 0, bBatchStride: 0 };
      const run = (be: typeof relaxed) => {
        const out = be.alloc(m * n);
        be.matmul(be.fromValues(a), be.fromValues(b), out, spec);
        return be.read(out);
      };
      const fused = run(relaxed);
      const separate = run(plain);
      let worstFused = 0;
      let worstPlain = 0;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let exact = 0;
          let scale = 0;
          for (let p = 0; p < k; p++) {
            const x = (transA ? a[p * m + i]! : a[i * k + p]!) * b[p * n + j]!;
            exact += x;
            scale += Math.abs(x);
          }
          worstFused = Math.max(worstFused, Math.abs(fused[i * n + j]! - exact) / scale);
          worstPlain = Math.max(worstPlain, Math.abs(separate[i * n + j]! - exact) / scale);
        }
      }
      // k roundings of a running sum: bounded by k·2⁻²⁴ relative to Σ|terms|, in practice far less.
      const label = `${m}×${k}×${n} transA=${transA}`;
      assert.ok(worstFused < 1e-5, `${label}: relaxed error ${worstFused} of Σ|terms|`);
      assert.ok(worstPlain < 1e-5, `${label}: plain error ${worstPlain} of Σ|terms|`);
    }
  });
});
