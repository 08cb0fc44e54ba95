/**
 * The report folder's index.html: what a reader wants first — the headline numbers and the
 * pictures — then the tables, then the run's configuration as a table. The raw numbers stay in
 * metrics.json beside it, linked, not inlined (an epoch history is thousands of lines).
 */

export interface Headline {
  label: string;
  value: number;
  /** 'percent' shows 0.9765 as 97.65 %. */
  format: 'percent' | 'number';
}

export interface ReportPlot {
  /** The PNG beside index.html; an SVG of the same name is linked when `svg` is set. */
  file: string;
  caption: string;
  /** Size in CSS pixels (the PNG is rendered at twice this), so the page lays out before it loads. */
  width?: number;
  height?: number;
  svg?: boolean;
}

export interface ReportContent {
  title: string;
  headlines: Headline[];
  plots: ReportPlot[];
  tables: { title: string; text: string }[];
}

/** Names for metric keys whose spelling does not read well when split at capitals. */
const METRIC_NAMES: Record<string, string> = {
  accuracy: 'accuracy',
  r2: 'R²',
  mae: 'MAE',
  mse: 'MSE',
  rmse: 'RMSE',
  auc: 'AUC',
  f1: 'F1',
  loss: 'loss',
};
/** Shown as percentages. */
const FRACTIONS = new Set(['accuracy', 'precision', 'recall', 'f1', 'binaryAccuracy', 'categoricalAccuracy']);
/** Listed first: the number a run is judged by (accuracy for classifiers, R² for regressions). */
const PRIMARY = ['accuracy', 'r2'];

/**
 * Every top-level `test…` number in metrics.json becomes a headline — testAccuracy, testR2,
 * testMae, testLoss… — so a new metric a command records shows up without touching this page.
 */
export function headlinesFromMetrics(metrics: Record<string, unknown>): Headline[] {
  const found: (Headline & { rank: number })[] = [];
  for (const [key, value] of Object.entries(metrics)) {
    const m = /^test([A-Z0-9].*)$/.exec(key);
    if (!m || FACT_KEYS.has(key) || typeof value !== 'number' || !Number.isFinite(value)) continue;
    const name = m[1]!.charAt(0).toLowerCase() + m[1]!.slice(1);
    const label = METRIC_NAMES[name.toLowerCase()] ?? name.replace(/([A-Z])/g, ' $1').toLowerCase();
    const rank = PRIMARY.indexOf(name.toLowerCase());
    found.push({
      label: `Test ${label}`,
      value,
      format: FRACTIONS.has(name) ? 'percent' : 'number',
      rank: rank >= 0 ? rank : name.toLowerCase() === 'loss' ? PRIMARY.length + 1 : PRIMARY.length,
    });
  }
  return found.sort((a, b) => a.rank - b.rank).map(({ rank: _, ...h }) => h);
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function formatHeadline(h: Headline): string {
  if (h.format === 'percent') return `${(h.value * 100).toFixed(2)}<span class="unit">%</span>`;
  const abs = Math.abs(h.value);
  return abs !== 0 && (abs >= 1e6 || abs < 1e-3) ? h.value.toExponential(3) : h.value.toPrecision(4);
}

/** "2,000 training · 2,000 test samples · 14 s": the run's size and time, under the headline. */
function facts(metrics: Record<string, unknown>): string {
  const parts: string[] = [];
  const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US') : null);
  if (n(metrics.trainSamples)) parts.push(`${n(metrics.trainSamples)} training`);
  if (n(metrics.testSamples)) parts.push(`${n(metrics.testSamples)} test samples`);
  if (typeof metrics.seconds === 'number')
    parts.push(`${metrics.seconds.toFixed(metrics.seconds < 10 ? 1 : 0)} s`);
  return parts.join(' · ');
}

/** Shown in the facts line under the headline rather than in the configuration table. */
const FACT_KEYS = new Set(['trainSamples', 'testSamples', 'seconds']);

/** A settings value as a table cell: lists joined, small objects as key = value, absent as —. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((v) => cell(v)).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} = ${cell(v)}`)
      .join('; ');
  return String(value);
}

/**
 * The configuration table: the command's settings, then what the run found or did (rows read,
 * epochs actually trained…) where that differs from a setting of the same name.
 */
function configurationRows(
  metrics: Record<string, unknown>,
  headlineKeys: Set<string>,
): { settings: [string, string][]; run: [string, string][] } {
  const settings: [string, string][] = [];
  const given = metrics.settings && typeof metrics.settings === 'object' ? (metrics.settings as object) : {};
  for (const [k, v] of Object.entries(given)) settings.push([k, cell(v)]);
  const run: [string, string][] = [];
  for (const [k, v] of Object.entries(metrics)) {
    if (k === 'settings' || headlineKeys.has(k) || FACT_KEYS.has(k)) continue;
    const short =
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (Array.isArray(v) && v.length <= 40 && v.every((x) => typeof x === 'string' || typeof x === 'number'));
    // Histories, matrices and per-class records are in metrics.json: a table cell would bury them.
    if (short && (!(k in given) || cell((given as Record<string, unknown>)[k]) !== cell(v)))
      run.push([k, cell(v)]);
  }
  return { settings, run };
}

export function renderReportPage(report: ReportContent, metrics: Record<string, unknown>): string {
  const headlines = report.headlines.length > 0 ? report.headlines : headlinesFromMetrics(metrics);
  const headlineKeys = new Set(
    Object.keys(metrics).filter((k) => /^test[A-Z0-9]/.test(k) && !FACT_KEYS.has(k)),
  );
  const figure = (p: ReportPlot) => {
    const size = p.width && p.height ? ` width="${p.width}" height="${p.height}"` : '';
    const wide = (p.width ?? 0) > 880 ? ' class="wide"' : '';
    const svg = p.svg ? ` · <a href="${esc(p.file.replace(/\.png$/, '.svg'))}">SVG</a>` : '';
    return `<figure${wide}><img src="${esc(p.file)}" alt="${esc(p.caption)}"${size}><figcaption>${esc(p.caption)}${svg}</figcaption></figure>`;
  };
  const rows = configurationRows(metrics, headlineKeys);
  const row = ([k, v]: [string, string]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1280px;margin:1.5em auto;padding:0 1.2em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin:0 0 .6em}h2{font-size:1.2em;margin:1.6em 0 .6em;border-bottom:1px solid #e4e4e4;padding-bottom:.2em}
.headline{display:flex;flex-wrap:wrap;gap:1em;align-items:stretch;margin:0 0 .4em}
.metric{border:1px solid #dde3ea;border-radius:8px;padding:.6em 1.1em;background:#f7f9fb;min-width:9em}
.metric .label{font-size:.85em;color:#556}.metric .value{font-size:2em;font-weight:600;font-variant-numeric:tabular-nums}
.metric.primary{background:#eef5ff;border-color:#b9d3f5}.metric.primary .value{font-size:2.6em;color:#0b4f9c}
.unit{font-size:.6em;margin-left:.1em}.facts{color:#667;margin:.2em 0 1em}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));grid-auto-flow:row dense;gap:1.4em 2em;align-items:start}
.table h2{margin-top:0}
figure{margin:0}figure.wide{grid-column:1/-1}img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9em;color:#556;margin-top:.3em}
pre{width:max-content;max-width:100%;box-sizing:border-box;background:#f6f7f8;padding:.8em 1em;overflow:auto;font-size:.85em;border-radius:6px}
table.config{border-collapse:collapse;font-size:.92em}table.config td{padding:.25em .9em;border-bottom:1px solid #eee;vertical-align:top}
table.config td:first-child{color:#556;white-space:nowrap}table.config td:last-child{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-word}
table.config tr.group th{text-align:left;font-weight:600;padding:1em .9em .3em;border-bottom:1px solid #ddd}
footer{margin:2em 0 1em;color:#556;font-size:.92em}
</style>
</head><body>
<h1>${esc(report.title)}</h1>
<section class="headline">
${headlines.map((h, i) => `<div class="metric${i === 0 ? ' primary' : ''}"><div class="label">${esc(h.label)}</div><div class="value">${formatHeadline(h)}</div></div>`).join('\n')}
</section>
<p class="facts">${esc(facts(metrics))}</p>
<section class="figures">
${report.plots.map(figure).join('\n')}
${report.tables.map((t) => `<div class="table"><h2>${esc(t.title)}</h2><pre>${esc(t.text)}</pre></div>`).join('\n')}
</section>
<h2>Configuration</h2>
<table class="config"><tbody>
${rows.settings.map(row).join('\n')}
${rows.run.length > 0 ? `<tr class="group"><th colspan="2">This run</th></tr>\n${rows.run.map(row).join('\n')}` : ''}
</tbody></table>
<footer>All numbers — the per-epoch history, the confusion matrix, per-class scores — are in <a href="metrics.json">metrics.json</a>.</footer>
</body></html>
`;
}
