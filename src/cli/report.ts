/**
 * The report folder every CLI run writes: the model, metrics.json, plots as SVG and PNG, and an
 * index.html that shows them together.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ClassReport,
  classificationReport,
  formatClassificationReport,
  formatConfusionMatrix,
} from '../metrics/classification.js';
import { writeFileAtomic } from '../node/file-io.js';
import { savePlot } from '../node/render.js';
import { confusionMatrixChart, historyChart, type VegaLiteSpec } from '../plot/specs.js';

export interface Report {
  dir: string;
  title: string;
  plots: { file: string; caption: string }[];
  tables: { title: string; text: string }[];
}

export async function startReport(dir: string, title: string): Promise<Report> {
  await mkdir(dir, { recursive: true });
  return { dir, title, plots: [], tables: [] };
}

export async function addPlot(
  report: Report,
  name: string,
  spec: VegaLiteSpec,
  caption: string,
): Promise<void> {
  await savePlot(spec, join(report.dir, name));
  report.plots.push({ file: `${name}.png`, caption });
}

export async function finishReport(report: Report, metrics: Record<string, unknown>): Promise<string> {
  await writeFileAtomic(join(report.dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(report.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body>
<h1>${esc(report.title)}</h1>
<h2>Metrics</h2><pre>${esc(JSON.stringify(metrics, null, 2))}</pre>
${report.tables.map((t) => `<h2>${esc(t.title)}</h2><pre>${esc(t.text)}</pre>`).join('\n')}
${report.plots.map((p) => `<figure><img src="${p.file}" alt="${esc(p.caption)}"><figcaption>${esc(p.caption)}</figcaption></figure>`).join('\n')}
</body></html>
`;
  const path = join(report.dir, 'index.html');
  await writeFileAtomic(path, html);
  return path;
}

/** runs/<kind>-YYYYMMDD-HHMMSS, unless the user chose a folder. */
export function defaultRunDir(kind: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return join(
    'runs',
    `${kind}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`,
  );
}

/**
 * What every classification run shows: accuracy curves, the test confusion matrix as a heatmap
 * and as a table, and per-class precision / recall / F1. (Loss curves are added by the caller,
 * which regression runs share.)
 */
export async function addClassificationResults(
  report: Report,
  history: Record<string, readonly number[]>,
  cm: number[][],
  labels: readonly string[] | undefined,
  testName: string,
): Promise<ClassReport[]> {
  const perClass = classificationReport(cm, labels);
  await addPlot(
    report,
    'accuracy',
    historyChart(history, 'accuracy'),
    'Accuracy per epoch, training vs validation',
  );
  await addPlot(
    report,
    'confusion-matrix',
    confusionMatrixChart(cm, labels, `Confusion matrix (${testName})`),
    `Confusion matrix on the ${testName}`,
  );
  report.tables.push({ title: `Confusion matrix (${testName})`, text: formatConfusionMatrix(cm, labels) });
  report.tables.push({
    title: 'Per-class precision, recall, F1',
    text: formatClassificationReport(perClass),
  });
  return perClass;
}
