/**
 * A small line chart on a canvas: a few named series of (x, y) points, axes with their ranges,
 * a legend. Redrawn whole at most once per frame (cheap at these sizes), sized to its box and the
 * screen's pixel ratio so it stays sharp on phones.
 */
export interface Series {
  label: string;
  color: string;
  points: [number, number][];
  /** Draw dots (few points, e.g. one per epoch) instead of a line. */
  dots?: boolean;
}

export class LineChart {
  readonly canvas = document.createElement('canvas');
  private series: Series[] = [];
  private pending = false;

  constructor(
    private readonly title: string,
    private readonly options: { yMin?: number; yMax?: number; xLabel: string } = { xLabel: '' },
  ) {
    this.canvas.className = 'chart';
    // A picture to a screen reader, named after what it plots.
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `chart: ${title} against ${options.xLabel}`);
    new ResizeObserver(() => this.redraw()).observe(this.canvas);
  }

  set(series: Series[]): void {
    this.series = series;
    this.redraw();
  }

  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || 300;
    const height = this.canvas.clientHeight || 180;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const g = this.canvas.getContext('2d')!;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue('--muted') || '#555';
    const line = style.getPropertyValue('--line') || '#ddd';
    const left = 40;
    const right = 8;
    // The legend goes right of the title, or on a line of its own when they would overlap (phones).
    g.font = '11px system-ui, sans-serif';
    const legendWidth = this.series.reduce((w, s) => w + g.measureText(s.label).width + 18, 0);
    const legendY = left + g.measureText(this.title).width + 12 + legendWidth > width - right ? 28 : 14;
    const top = legendY + 8;
    const bottom = 22;
    const all = this.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
    const xMax = Math.max(1, ...all.map(([x]) => x));
    const yMin = this.options.yMin ?? Math.min(0, ...all.map(([, y]) => y));
    const yMax = this.options.yMax ?? Math.max(0.1, ...all.map(([, y]) => y));
    const px = (x: number): number => left + (x / xMax) * (width - left - right);
    const py = (y: number): number => top + (1 - (y - yMin) / (yMax - yMin || 1)) * (height - top - bottom);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = fg;
    g.fillText(this.title, left, 12);
    g.strokeStyle = line;
    g.lineWidth = 1;
    g.beginPath();
    for (const f of [0, 0.5, 1]) {
      const y = yMin + f * (yMax - yMin);
      g.moveTo(left, py(y));
      g.lineTo(width - right, py(y));
      g.fillText(y.toFixed(yMax - yMin < 2 ? 2 : 1), 2, py(y) + 4);
    }
    g.stroke();
    g.fillText(`${this.options.xLabel} → ${Math.round(xMax).toLocaleString('en')}`, left, height - 6);
    let legendX = width - right;
    for (const s of [...this.series].reverse()) {
      legendX -= g.measureText(s.label).width + 18;
      g.fillStyle = s.color;
      g.fillRect(legendX, legendY - 9, 10, 10);
      g.fillStyle = fg;
      g.fillText(s.label, legendX + 13, legendY);
    }
    for (const s of this.series) {
      g.strokeStyle = g.fillStyle = s.color;
      g.lineWidth = 1.5;
      g.beginPath();
      s.points.forEach(([x, y], i) => {
        const cy = py(Math.min(Math.max(y, yMin), yMax));
        if (s.dots) g.fillRect(px(x) - 2.5, cy - 2.5, 5, 5);
        else if (i === 0) g.moveTo(px(x), cy);
        else g.lineTo(px(x), cy);
      });
      if (!s.dots) g.stroke();
    }
  }
}
