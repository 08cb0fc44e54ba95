/**
 * einsum(equation, ...operands): products and sums over named axes, NumPy/PyTorch/TF.js notation —
 * 'ij,jk->ik' (matmul), 'bij,bjk->bik' (batched), 'i,j->ij' (outer), 'ij->ji' (transpose),
 * 'ii->' (trace), 'ii->i' (diagonal), 'ij->' (sum), 'bi,ij,bj->b' (bilinear). Without '->' the
 * output keeps the letters that appear once, in alphabetical order. Ellipses ('...') are not supported,
 * and a letter must name axes of the same size everywhere (no broadcasting of size-1 axes).
 *
 * Built from recorded ops — a gather for repeated letters within one operand (diagonals), sum for
 * letters nothing else needs, then operands folded left to right as one batched matmul each
 * ([batch, kept-left, contracted] · [batch, contracted, kept-right]) and a final permute — so it is
 * differentiable to any order without a rule of its own.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { formatShape, stridesOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { gather } from './indexing.js';
import { permute, reshape } from './layout.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';

interface Term {
  t: Tensor;
  letters: string[];
}

export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  const eq = equation.replace(/\s+/g, '');
  const fail = (why: string, E: typeof ArgumentError = ArgumentError): never => {
    const shapes = operands.map((o) => formatShape(o.shape)).join(', ');
    throw new E(`einsum: '${equation}' with operands ${shapes}: ${why}`);
  };
  if (eq.includes('.')) fail('ellipses (...) are not supported; name every axis');
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) {
    fail(`the equation has ${inputs.length} input term(s) but ${operands.length} operand(s) were given`);
  }
  if (operands.length === 0) fail('needs at least one operand');
  const sizes = new Map<string, number>();
  const terms: Term[] = inputs.map((term, k) => {
    const t = operands[k]!;
    if (!/^[a-zA-Z]*$/.test(term)) fail(`term '${term}' may only contain letters`);
    if (term.length !== t.ndim) {
      fail(`term '${term}' names ${term.length} axes but operand ${k} has ${t.ndim}`, ShapeError);
    }
    [...term].forEach((letter, d) => {
      const known = sizes.get(letter);
      if (known !== undefined && known !== t.shape[d]) {
        fail(`axis '${letter}' is ${known} in one place and ${t.shape[d]} in another`, ShapeError);
      }
      sizes.set(letter, t.shape[d]!);
    });
    return { t, letters: [...term] };
  });
  let output: string[];
  if (arrow >= 0) {
    output = [...eq.slice(arrow + 2)];
    if (!output.every((l) => /[a-zA-Z]/.test(l))) fail('the output may only contain letters');
    if (new Set(output).size !== output.length) fail('a letter repeats in the output');
    for (const l of output) if (!sizes.has(l)) fail(`output letter '${l}' is not in any input`);
  } else {
    const counts = new Map<string, number>();
    for (const term of inputs) for (const l of term) counts.set(l, (counts.get(l) ?? 0) + 1);
    output = [...counts]
      .filter(([, c]) => c === 1)
      .map(([l]) => l)
      .sort();
  }

  // Diagonals first: a letter twice in one term reads only the entries where both axes agree.
  const diagonal = terms.map(takeDiagonal);
  // Fold operands left to right; a letter nobody after this step needs is summed as early as possible.
  const neededAfter = (k: number): Set<string> => {
    const s = new Set(output);
    for (let j = k + 1; j < diagonal.length; j++) for (const l of diagonal[j]!.letters) s.add(l);
    return s;
  };
  let cur = sumOut(diagonal[0]!, (l) => neededAfter(0).has(l));
  for (let k = 1; k < diagonal.length; k++) {
    const keep = neededAfter(k);
    const next = sumOut(diagonal[k]!, (l) => keep.has(l) || cur.letters.includes(l));
    cur = sumOut(cur, (l) => keep.has(l) || next.letters.includes(l));
    cur = contract(cur, next, keep, sizes);
  }
  cur = sumOut(cur, (l) => output.includes(l));
  return arrange(cur, output).t;
}

/** Reduce a term with a repeated letter to one axis per letter, reading the diagonal. */
function takeDiagonal(term: Term): Term {
  const unique = [...new Set(term.letters)];
  if (unique.length === term.letters.length) return term;
  const { t } = term;
  const strides = stridesOf(t.shape);
  const outShape = unique.map((l) => t.shape[term.letters.indexOf(l)]!);
  // The stride of each unique letter in the flat input: the sum over every axis it names.
  const letterStride = unique.map((l) =>
    term.letters.reduce((s, m, d) => (m === l ? s + strides[d]! : s), 0),
  );
  const count = outShape.reduce((a, b) => a * b, 1);
  const flat = new Int32Array(count);
  const outStrides = stridesOf(outShape);
  for (let i = 0; i < count; i++) {
    let at = 0;
    outShape.forEach((_, d) => {
      at += (Math.floor(i / outStrides[d]!) % outShape[d]!) * letterStride[d]!;
    });
    flat[i] = at;
  }
  return { t: reshape(gather(reshape(t, [-1]), flat), outShape), letters: unique };
}

/** Sum the axes whose letters `keep` rejects. */
function sumOut(term: Term, keep: (letter: string) => boolean): Term {
  const axes = term.letters.flatMap((l, d) => (keep(l) ? [] : [d]));
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), letters: term.letters.filter((l) => keep(l)) };
}

/** Put a term's axes in the given letter order (a permute, skipped when already so). */
function arrange(term: Term, order: readonly string[]): Term {
  const perm = order.map((l) => term.letters.indexOf(l));
  if (perm.every((p, i) => p === i)) return { t: term.t, letters: [...order] };
  return { t: permute(term.t, perm), letters: [...order] };
}

/** a·b over their shared letters: one batched matmul [B, M, K]·[B, K, N]. */
function contract(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const shared = a.letters.filter((l) => b.letters.includes(l));
  const batch = shared.filter((l) => keep.has(l));
  const summed = shared.filter((l) => !keep.has(l));
  const left = a.letters.filter((l) => !shared.includes(l));
  const right = b.letters.filter((l) => !shared.includes(l));
  const size = (ls: readonly string[]) => ls.reduce((n, l) => n * sizes.get(l)!, 1);
  const A = reshape(arrange(a, [...batch, ...left, ...summed]).t, [size(batch), size(left), size(summed)]);
  const B = reshape(arrange(b, [...batch, ...summed, ...right]).t, [size(batch), size(summed), size(right)]);
  const letters = [...batch, ...left, ...right];
  return {
    t: reshape(
      matmul(A, B),
      letters.map((l) => sizes.get(l)!),
    ),
    letters,
  };
}
