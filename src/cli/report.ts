/**
 * The report folder every CLI run writes: the model, metrics.json, plots as SVG and PNG, and an
 * index.html that shows them together (laid out by report-page.ts).
 */
import { mkdir, readFile } from 'node:fs/promises';
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
import { type Headline, type ReportContent, renderReportPage } from './report-page.js';

export interface Report extends ReportContent {
  dir: string;
}

export async function startReport(dir: string, title: string): Promise<Report> {
  await mkdir(dir, { recursive: true });
  return { dir, title, headlines: [], plots: [], tables: [] };
}

export async function addPlot(
  report: Report,
  name: string,
  spec: VegaLiteSpec,
  caption: string,
): Promise<void> {
  const { png } = await savePlot(spec, join(report.dir, name));
  const size = pngSize(await readFile(png));
  // The PNG is rendered at twice its CSS size (sharp on high-density screens).
  report.plots.push({
    file: `${name}.png`,
    caption,
    svg: true,
    ...(size && { width: size.width / 2, height: size.height / 2 }),
  });
}

/**
 * The numbers shown first, largest first. Without any, the page shows every top-level `test…`
 * number of metrics.json (headlinesFromMetrics).
 */
export function addHeadline(report: Report, headline: Headline): void {
  report.headlines.push(headline);
}

/** Writes metrics.json and index.html (see report-page.ts); returns the page's path. */
export async function finishReport(report: Report, metrics: Record<string, unknown>): Promise<string> {
  await writeFileAtomic(join(report.dir, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  const path = join(report.dir, 'index.html');
  await writeFileAtomic(path, renderReportPage(report, metrics));
  return path;
}

function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes[1] !== 0x50) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
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
  // Per-class scores first: the page puts the first table beside the heatmap.
  report.tables.push({
    title: 'Per-class precision, recall, F1',
    text: formatClassificationReport(perClass),
  });
  report.tables.push({ title: `Confusion matrix (${testName})`, text: formatConfusionMatrix(cm, labels) });
  return perClass;
}
