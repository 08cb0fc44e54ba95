/**
 * The element-wise half of an LSTM or GRU time step, forward and backward, as plain loops (see the
 * Backend members lstmCell, lstmCellGrad, gruCell, gruCellGrad for what each computes). The sequence
 * ops in src/ops/rnn do the matrix products and call these once per step; the wasm backend runs the
 * same loops on views of its memory until it has its own.
 */
import type { Storage } from '../backend.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function lstmCellKernel(
  rows: number,
  units: number,
  xz: Storage,
  xzAt: number,
  hz: Storage,
  bias: Storage | null,
  cs: Storage,
  cPrevAt: number,
  cAt: number,
  hs: Storage,
  hAt: number,
  gates: Storage,
  gatesAt: number,
): void {
  const X = xz.view();
  const H = hz.view();
  const B = bias?.view();
  const C = cs.view();
  const Hs = hs.view();
  const G = gates.view();
  const width = 4 * units;
  for (let r = 0; r < rows; r++) {
    const x0 = xzAt + r * width;
    const h0 = r * width;
    const g0 = gatesAt + r * width;
    const c0 = r * units;
    for (let j = 0; j < units; j++) {
      // (no closure for the four sums: a closure per element costs more than the arithmetic)
      const u = units;
      const i = sigmoid(X[x0 + j]! + H[h0 + j]! + (B ? B[j]! : 0));
      const f = sigmoid(X[x0 + u + j]! + H[h0 + u + j]! + (B ? B[u + j]! : 0));
      const g = Math.tanh(X[x0 + 2 * u + j]! + H[h0 + 2 * u + j]! + (B ? B[2 * u + j]! : 0));
      const o = sigmoid(X[x0 + 3 * u + j]! + H[h0 + 3 * u + j]! + (B ? B[3 * u + j]! : 0));
      G[g0 + j] = i;
      G[g0 + units + j] = f;
      G[g0 + 2 * units + j] = g;
      G[g0 + 3 * units + j] = o;
      const c = f * C[cPrevAt + c0 + j]! + i * g;
      C[cAt + c0 + j] = c;
      Hs[hAt + c0 + j] = o * Math.tanh(c);
    }
  }
}

export function lstmCellGradKernel(
  rows: number,
  units: number,
  gates: Storage,
  gatesAt: number,
  cs: Storage,
  cPrevAt: number,
  cAt: number,
  gh: Storage,
  ghAt: number,
  dhCarry: Storage,
  dc: Storage,
  dz: Storage,
  dzAt: number,
): void {
  const G = gates.view();
  const C = cs.view();
  const GH = gh.view();
  const DH = dhCarry.view();
  const DC = dc.view();
  const DZ = dz.view();
  const width = 4 * units;
  for (let r = 0; r < rows; r++) {
    const g0 = gatesAt + r * width;
    const z0 = dzAt + r * width;
    const u0 = r * units;
    for (let j = 0; j < units; j++) {
      const i = G[g0 + j]!;
      const f = G[g0 + units + j]!;
      const g = G[g0 + 2 * units + j]!;
      const o = G[g0 + 3 * units + j]!;
      const tc = Math.tanh(C[cAt + u0 + j]!);
      const dh = GH[ghAt + u0 + j]! + DH[u0 + j]!;
      const dcTotal = DC[u0 + j]! + dh * o * (1 - tc * tc);
      DZ[z0 + j] = dcTotal * g * i * (1 - i);
      DZ[z0 + units + j] = dcTotal * C[cPrevAt + u0 + j]! * f * (1 - f);
      DZ[z0 + 2 * units + j] = dcTotal * i * (1 - g * g);
      DZ[z0 + 3 * units + j] = dh * tc * o * (1 - o);
      DC[u0 + j] = dcTotal * f;
    }
  }
}

export function gruCellKernel(
  rows: number,
  units: number,
  xz: Storage,
  xzAt: number,
  hz: Storage,
  biasIn: Storage | null,
  biasRec: Storage | null,
  hs: Storage,
  hPrevAt: number,
  hAt: number,
  gates: Storage,
  gatesAt: number,
): void {
  const X = xz.view();
  const H = hz.view();
  const BI = biasIn?.view();
  const BR = biasRec?.view();
  const Hs = hs.view();
  const G = gates.view();
  const width = 3 * units;
  for (let r = 0; r < rows; r++) {
    const x0 = xzAt + r * width;
    const h0 = r * width;
    const g0 = gatesAt + r * 4 * units;
    const u0 = r * units;
    for (let j = 0; j < units; j++) {
      const u = units;
      const z = sigmoid(X[x0 + j]! + (BI ? BI[j]! : 0) + H[h0 + j]! + (BR ? BR[j]! : 0));
      const rr = sigmoid(X[x0 + u + j]! + (BI ? BI[u + j]! : 0) + H[h0 + u + j]! + (BR ? BR[u + j]! : 0));
      const rh = H[h0 + 2 * u + j]! + (BR ? BR[2 * u + j]! : 0);
      const hh = Math.tanh(X[x0 + 2 * u + j]! + (BI ? BI[2 * u + j]! : 0) + rr * rh);
      G[g0 + j] = z;
      G[g0 + units + j] = rr;
      G[g0 + 2 * units + j] = hh;
      G[g0 + 3 * units + j] = rh;
      Hs[hAt + u0 + j] = z * Hs[hPrevAt + u0 + j]! + (1 - z) * hh;
    }
  }
}

export function gruCellGradKernel(
  rows: number,
  units: number,
  gates: Storage,
  gatesAt: number,
  hs: Storage,
  hPrevAt: number,
  gh: Storage,
  ghAt: number,
  dhCarry: Storage,
  dhDirect: Storage,
  dxz: Storage,
  drec: Storage,
  dAt: number,
): void {
  const G = gates.view();
  const Hs = hs.view();
  const GH = gh.view();
  const DH = dhCarry.view();
  const DD = dhDirect.view();
  const DX = dxz.view();
  const DR = drec.view();
  const width = 3 * units;
  for (let r = 0; r < rows; r++) {
    const g0 = gatesAt + r * 4 * units;
    const d0 = dAt + r * width;
    const u0 = r * units;
    for (let j = 0; j < units; j++) {
      const z = G[g0 + j]!;
      const rr = G[g0 + units + j]!;
      const hh = G[g0 + 2 * units + j]!;
      const rh = G[g0 + 3 * units + j]!;
      const dh = GH[ghAt + u0 + j]! + DH[u0 + j]! + DD[u0 + j]!;
      const daz = dh * (Hs[hPrevAt + u0 + j]! - hh) * z * (1 - z);
      const dah = dh * (1 - z) * (1 - hh * hh);
      const dar = dah * rh * rr * (1 - rr);
      DX[d0 + j] = daz;
      DX[d0 + units + j] = dar;
      DX[d0 + 2 * units + j] = dah;
      DR[d0 + j] = daz;
      DR[d0 + units + j] = dar;
      DR[d0 + 2 * units + j] = dah * rr;
      DD[u0 + j] = dh * z;
    }
  }
}
