/**
 * Chart descriptions as Vega-Lite specs: plain JSON, browser-safe (render them with vega-embed in
 * a page, or to SVG/PNG files with backprop's Node renderer).
 */
export type VegaLiteSpec = Record<string, unknown>;

const WIDTH = 520;
const HEIGHT = 300;

function base(title: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    background: 'white',
    padding: 12,
    config: {
      font: 'DejaVu Sans',
      axis: { labelFontSize: 11, titleFontSize: 12 },
      legend: { labelFontSize: 11, labelLimit: 320 },
    },
  };
}

/** One line per series (e.g. train vs validation, or one optimiser each). */
export function lineChart(options: {
  title: string;
  series: Record<string, readonly number[]>;
  xTitle?: string;
  yTitle?: string;
  /** First x value (1 for epochs, 0 for iterations). */
  xStart?: number;
  logY?: boolean;
  /** Fix the y range (values outside are clipped), e.g. [0, 1] to compare losses that start high. */
  yDomain?: [number, number];
}): VegaLiteSpec {
  const values: { x: number; y: number; series: string }[] = [];
  for (const [name, ys] of Object.entries(options.series)) {
    ys.forEach((y, i) => {
      if (Number.isFinite(y)) values.push({ x: (options.xStart ?? 1) + i, y, series: name });
    });
  }
  return {
    ...base(options.title),
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: {
      type: 'line',
      point: values.length <= 60 * Object.keys(options.series).length,
      strokeWidth: 2,
      clip: true,
    },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.xTitle ?? 'epoch',
        axis: { tickMinStep: 1, format: 'd' },
        scale: { nice: false },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yTitle ?? '',
        scale: options.yDomain
          ? { domain: options.yDomain, clamp: true }
          : options.logY
            ? { type: 'log' }
            : { zero: false },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: Object.keys(options.series) },
    },
  };
}

/** Per-epoch curves of one metric from a fit() history: train and validation. */
export function historyChart(history: Record<string, readonly number[]>, metric: string): VegaLiteSpec {
  const series: Record<string, readonly number[]> = {};
  if (history[metric]) series[`train ${metric}`] = history[metric]!;
  if (history[`val_${metric}`]) series[`validation ${metric}`] = history[`val_${metric}`]!;
  return lineChart({ title: `${metric} per epoch`, series, yTitle: metric });
}

/** A heatmap of counts with the numbers written in the cells. */
export function confusionMatrixChart(
  cm: readonly (readonly number[])[],
  labels?: readonly string[],
  title = 'Confusion matrix',
): VegaLiteSpec {
  const names = cm.map((_, i) => labels?.[i] ?? String(i));
  const values = cm.flatMap((row, i) =>
    row.map((count, j) => ({ actual: names[i], predicted: names[j], count })),
  );
  const max = Math.max(1, ...cm.flat());
  const size = Math.max(200, Math.min(520, 44 * names.length));
  return {
    ...base(title),
    width: size,
    height: size,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: names, title: 'predicted', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'ordinal', sort: names, title: 'actual' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {
            field: 'count',
            type: 'quantitative',
            scale: { scheme: 'blues', type: 'sqrt' },
            title: 'count',
          },
        },
      },
      {
        mark: { type: 'text', fontSize: names.length > 12 ? 8 : 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${max * 0.45}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

/**
 * Regression results: one point per row at (actual, predicted), with the diagonal y = x on which a
 * perfect prediction lies; both axes share one range so distance from the line reads as error.
 */
export function predictedVsActualChart(options: {
  actual: readonly number[];
  predicted: readonly number[];
  title?: string;
}): VegaLiteSpec {
  const values = options.actual.map((a, i) => ({ actual: a, predicted: options.predicted[i]! }));
  const all = [...options.actual, ...options.predicted].filter(Number.isFinite);
  const lo = all.length > 0 ? Math.min(...all) : 0;
  const hi = all.length > 0 ? Math.max(...all) : 1;
  const domain = [lo, hi > lo ? hi : lo + 1];
  const scale = { domain, nice: false, zero: false };
  return {
    ...base(options.title ?? 'Predicted vs actual'),
    width: HEIGHT + 100,
    height: HEIGHT + 100,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, opacity: 0.6, size: 24 },
        encoding: {
          x: { field: 'actual', type: 'quantitative', title: 'actual', scale },
          y: { field: 'predicted', type: 'quantitative', title: 'predicted', scale },
        },
      },
      {
        data: { values: domain.map((v) => ({ actual: v, predicted: v })) },
        mark: { type: 'line', color: '#d62728', strokeDash: [6, 4] },
        encoding: {
          x: { field: 'actual', type: 'quantitative', scale },
          y: { field: 'predicted', type: 'quantitative', scale },
        },
      },
    ],
  };
}

/**
 * Points at (x, y), coloured by a category when one is given: e.g. the 2-D codes of an
 * autoencoder coloured by digit. Coordinates are rounded to 4 significant digits (the picture
 * cannot show more) to keep the SVG of thousands of points small and quick to render.
 */
export function scatterChart(options: {
  title: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** One category per point (e.g. the digit); omitted: one colour. */
  category?: ArrayLike<number | string>;
  categoryTitle?: string;
  xTitle?: string;
  yTitle?: string;
  /** Area of each point in square pixels; default: smaller the more points there are. */
  pointSize?: number;
}): VegaLiteSpec {
  const { x, y, category } = options;
  const round = (v: number) => Number(v.toPrecision(4));
  const values: { x: number; y: number; c?: number | string }[] = [];
  for (let i = 0; i < x.length; i++) {
    const px = x[i]!;
    const py = y[i]!;
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    values.push(category ? { x: round(px), y: round(py), c: category[i]! } : { x: round(px), y: round(py) });
  }
  // Categories in their natural order (0, 1, …, 9 rather than first seen).
  const categories = category
    ? [...new Set(Array.from(category))].sort((a, b) =>
        typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
      )
    : [];
  const size = options.pointSize ?? (values.length > 2000 ? 8 : values.length > 300 ? 14 : 30);
  return {
    ...base(options.title),
    width: HEIGHT + 160,
    height: HEIGHT + 160,
    data: { values },
    mark: { type: 'circle', size, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'x', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? 'y', scale: { zero: false } },
      ...(category && {
        color: {
          field: 'c',
          type: 'nominal',
          title: options.categoryTitle ?? null,
          sort: categories,
          scale: { scheme: categories.length <= 10 ? 'category10' : 'category20' },
          legend: { symbolOpacity: 1, symbolSize: 80 },
        },
      }),
    },
  };
}

/** Greyscale images (values 0–1) in a grid, each with a caption. */
export function imageGridChart(options: {
  title: string;
  images: readonly ArrayLike<number>[];
  captions: readonly string[];
  width: number;
  height: number;
  columns?: number;
}): VegaLiteSpec {
  const { width: w, height: h } = options;
  const values: { img: number; px: number; py: number; v: number; caption: string }[] = [];
  options.images.forEach((img, k) => {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        values.push({ img: k, px: x, py: y, v: img[y * w + x]!, caption: options.captions[k] ?? '' });
  });
  const cell = 3;
  return {
    ...base(options.title),
    data: { values },
    facet: {
      field: 'caption',
      type: 'nominal',
      title: null,
      sort: { field: 'img' },
      header: { labelFontSize: 11 },
    },
    columns: options.columns ?? 8,
    spec: {
      width: w * cell,
      height: h * cell,
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'px', type: 'ordinal', axis: null },
        y: { field: 'py', type: 'ordinal', axis: null },
        color: {
          field: 'v',
          type: 'quantitative',
          scale: { domain: [0, 1], range: ['white', 'black'] },
          legend: null,
        },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}
