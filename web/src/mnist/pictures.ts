/** Small images on canvases: digits, weight pictures (blue +, orange −), activation maps. */
import type { Picture } from './protocol.js';

/** A canvas showing `picture`, each value a `scale`×`scale` block (CSS may resize it). */
export function pictureCanvas(picture: Picture, scale = 3, title = ''): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = picture.width;
  canvas.height = picture.height;
  canvas.style.width = `${picture.width * scale}px`;
  canvas.className = 'picture';
  if (title) {
    canvas.title = title;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', title);
  }
  const g = canvas.getContext('2d')!;
  const image = g.createImageData(picture.width, picture.height);
  const values = picture.values;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const extent = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let rgb: [number, number, number];
    if (picture.signed) {
      const t = Math.min(1, Math.abs(v) / extent);
      // White at zero, toward blue (+) or orange (−): the shared palette's --positive / --negative.
      rgb =
        v >= 0 ? [255 - 218 * t, 255 - 156 * t, 255 - 20 * t] : [255 - 21 * t, 255 - 167 * t, 255 - 243 * t];
    } else {
      const t = hi > lo ? (v - lo) / (hi - lo) : 0;
      rgb = [255 * (1 - t), 255 * (1 - t), 255 * (1 - t)];
    }
    image.data.set([...rgb, 255], i * 4);
  }
  g.putImageData(image, 0, 0);
  return canvas;
}

/** A 28×28 digit from bytes (0 = paper, 255 = ink). */
export function digitCanvas(pixels: Uint8Array, scale = 2, title = ''): HTMLCanvasElement {
  return pictureCanvas({ width: 28, height: 28, values: Float32Array.from(pixels) }, scale, title);
}
