/**
 * Rendering Vega-Lite specs to files: SVG through Vega's headless SVG renderer, PNG through resvg
 * with the DejaVu Sans font from the `dejavu-fonts-ttf` package (no system fonts needed, so a PNG
 * looks the same on every machine).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { VegaLiteSpec } from '../plot/specs.js';
import { writeFileAtomic } from './file-io.js';

let fontFiles: string[] | null = null;
function fonts(): string[] {
  if (fontFiles === null) {
    const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    fontFiles = [join(dir, 'DejaVuSans.ttf'), join(dir, 'DejaVuSans-Bold.ttf')];
  }
  return fontFiles;
}

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export function svgToPng(svg: string, scale = 2): Uint8Array {
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
  await writeFileAtomic(`${base}.svg`, svg);
  await writeFileAtomic(`${base}.png`, svgToPng(svg));
  return { svg: `${base}.svg`, png: `${base}.png` };
}
