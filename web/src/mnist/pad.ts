/**
 * The drawing pad: 280×280, pointer events (mouse, pen and touch alike), white ink on black as
 * MNIST's digits are. `toMnist()` prepares the drawing as MNIST prepared its scans: the ink's
 * bounding box scaled to fit 20×20 (aspect kept), placed in a 28×28 frame so that its centre of
 * mass is the centre.
 */
const SIZE = 280;

export class DrawingPad {
  readonly canvas = document.createElement('canvas');
  private readonly g: CanvasRenderingContext2D;
  private last: [number, number] | null = null;
  private inked = false;

  /** `onDraw` is called after each stroke segment and when the pad is cleared. */
  constructor(private readonly onDraw: () => void) {
    this.canvas.width = this.canvas.height = SIZE;
    this.canvas.className = 'pad';
    this.canvas.setAttribute('aria-label', 'drawing pad: draw a digit');
    this.g = this.canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    const at = (event: PointerEvent): [number, number] => {
      const box = this.canvas.getBoundingClientRect();
      return [
        ((event.clientX - box.left) / box.width) * SIZE,
        ((event.clientY - box.top) / box.height) * SIZE,
      ];
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      this.canvas.setPointerCapture(event.pointerId);
      this.last = at(event);
      this.stroke(this.last, this.last);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (!this.last) return;
      const next = at(event);
      this.stroke(this.last, next);
      this.last = next;
    });
    const end = (): void => {
      this.last = null;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
  }

  get empty(): boolean {
    return !this.inked;
  }

  clear(): void {
    this.g.fillStyle = '#000';
    this.g.fillRect(0, 0, SIZE, SIZE);
    this.inked = false;
    this.onDraw();
  }

  private stroke(from: [number, number], to: [number, number]): void {
    const g = this.g;
    g.strokeStyle = '#fff';
    g.lineWidth = 22;
    g.lineCap = g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(...from);
    g.lineTo(...to);
    g.stroke();
    this.inked = true;
    this.onDraw();
  }

  /** The drawing as MNIST would have it: 784 values in [0, 1]. */
  toMnist(): Float32Array {
    const ink = this.g.getImageData(0, 0, SIZE, SIZE).data;
    let top = SIZE;
    let left = SIZE;
    let bottom = -1;
    let right = -1;
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++)
        if (ink[(y * SIZE + x) * 4]! > 0) {
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
          left = Math.min(left, x);
          right = Math.max(right, x);
        }
    const out = new Float32Array(28 * 28);
    if (bottom < 0) return out;
    const w = right - left + 1;
    const h = bottom - top + 1;
    const scale = 20 / Math.max(w, h);
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const s = small.getContext('2d', { willReadFrequently: true })!;
    s.imageSmoothingQuality = 'high';
    s.drawImage(this.canvas, left, top, w, h, 0, 0, w * scale, h * scale);
    const box = s.getImageData(0, 0, 28, 28).data;
    // Centre of mass of the scaled ink, then shift it to (14, 14).
    let mass = 0;
    let cx = 0;
    let cy = 0;
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const v = box[(y * 28 + x) * 4]! / 255;
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    const dx = Math.round(14 - cx / mass - 0.5);
    const dy = Math.round(14 - cy / mass - 0.5);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        const sy = y - dy;
        if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = box[(sy * 28 + sx) * 4]! / 255;
      }
    return out;
  }
}
