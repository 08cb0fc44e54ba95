/**
 * Rendering Vega-Lite specs to files: SVG through Vega's headless SVG renderer, PNG through resvg
 * with the DejaVu Sans font from the `dejavu-fonts-ttf` package (no system fonts needed, so a PNG
 * looks the same on every machine).
 *
 * vega, vega-lite, @resvg/resvg-js and dejavu-fonts-ttf are optional peer dependencies (see
 * optional.ts), loaded on first use: resvg is a native addon and the fonts weigh 12 MB, which a
 * program that never draws a chart should not install; and vega's module graph has a top-level
 * await (vega-canvas), which must stay out of the library's import graph.
 */
import { join } from 'node:path';
import type { VegaLiteSpec } from '../plot/specs.js';
import { writeFileAtomic } from './file-io.js';
import { importOptional, optionalPackageDir, requireOptional } from './optional.js';

type Resvg = typeof import('@resvg/resvg-js');

let fontFiles: string[] | null = null;
function fonts(): string[] {
  if (fontFiles === null) {
    const dir = join(optionalPackageDir('dejavu-fonts-ttf', 'svgToPng (its font)'), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const { compile } = await importOptional('vega-lite', 'renderSvg', () => import('vega-lite'));
  const vega = await importOptional('vega', 'renderSvg', () => import('vega'));
  const compiled = compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Synchronous: resvg is CommonJS, so it can be required on first use without making callers await. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  const { Resvg } = requireOptional<Resvg>('@resvg/resvg-js', 'svgToPng');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: fonts(),
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
    background: 'white',
  });
  return resvg.render().asPng();
}

/** Write `base.svg` and `base.png`; returns both paths. */
export async function savePlot(spec: VegaLiteSpec, base: string): Promise<{ svg: string; png: string }> {
  const svg = await renderSvg(spec);
  const png = svgToPng(svg); // before writing either, so a missing renderer leaves no half-written pair
  await writeFileAtomic(`${base}.svg`, svg);
  await writeFileAtomic(`${base}.png`, png);
  return { svg: `${base}.svg`, png: `${base}.png` };
}
