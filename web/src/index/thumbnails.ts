/**
 * The landing page's pictures, one per page, drawn on canvases (no image files to ship or cache):
 * a learnt spiral for the playground, the tutorial's graph with its values and gradients, and a
 * drawn 7 with the network's probabilities for MNIST. Drawn in a 320×200 space, scaled to the
 * canvas' real pixels so they are sharp on any screen.
 */
const WIDTH = 320;
const HEIGHT = 200;

type Draw = (g: CanvasRenderingContext2D, colors: Colors) => void;
interface Colors {
  fg: string;
  muted: string;
  line: string;
  panel: string;
  accent: string;
  positive: string;
  negative: string;
}

/** The page's palette (style.css), so the pictures follow light and dark mode. */
function palette(): Colors {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(`--${name}`).trim();
  return {
    fg: v('fg'),
    muted: v('muted'),
    line: v('line'),
    panel: v('panel'),
    accent: v('accent'),
    positive: v('positive'),
    negative: v('negative'),
  };
}

/** Spiral arms: class 0 along angle = TURNS·r, class 1 half a turn further (as the playground's). */
const TURNS = 2.2 * Math.PI;

const playground: Draw = (g, c) => {
  // The decision boundary, as a learnt network would draw it: which arm each point is closest to,
  // washed out. Computed on a coarse grid and scaled up smoothly.
  const grid = document.createElement('canvas');
  grid.width = 80;
  grid.height = 50;
  const gg = grid.getContext('2d')!;
  const image = gg.createImageData(grid.width, grid.height);
  const [blue, orange] = [rgb(c.positive), rgb(c.negative)];
  for (let j = 0; j < grid.height; j++)
    for (let i = 0; i < grid.width; i++) {
      // In units of half the height from the centre, as the points below.
      const x = ((i + 0.5) / grid.width - 0.5) * 2 * (WIDTH / HEIGHT);
      const y = ((j + 0.5) / grid.height - 0.5) * 2;
      const side = Math.cos(Math.atan2(y, x) - TURNS * Math.hypot(x, y)); // +1 on arm 0, −1 on arm 1
      const color = side > 0 ? blue : orange;
      const strength = 0.12 + 0.3 * Math.min(1, Math.abs(side) * 1.5);
      const k = 4 * (j * grid.width + i);
      for (let ch = 0; ch < 3; ch++) image.data[k + ch] = 255 - (255 - color[ch]!) * strength;
      image.data[k + 3] = 255;
    }
  gg.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = true;
  g.drawImage(grid, 0, 0, WIDTH, HEIGHT);
  // The points, on the arms, with the playground's white rim.
  for (const [arm, color] of [
    [0, c.positive],
    [1, c.negative],
  ] as const)
    for (let n = 0; n < 80; n++) {
      const r = 0.12 + (n / 80) * 0.9;
      const angle = TURNS * r + arm * Math.PI;
      const radius = (r * HEIGHT) / 2;
      dot(g, WIDTH / 2 + radius * Math.cos(angle), HEIGHT / 2 + radius * Math.sin(angle), 2.8, color);
    }
};

const graph: Draw = (g, c) => {
  // The tutorial's g = (x + y)·z with x = 1, y = 3, z = −3: values green, gradients red.
  const green = '#16a34a';
  const red = '#dc2626';
  const nodes = {
    x: { x: 55, y: 40, label: 'x', value: '1', grad: '−3' },
    y: { x: 55, y: 100, label: 'y', value: '3', grad: '−3' },
    z: { x: 55, y: 160, label: 'z', value: '−3', grad: '4' },
    p: { x: 160, y: 70, label: 'p = +', value: '4', grad: '−3' },
    g: { x: 265, y: 115, label: 'g = ×', value: '−12', grad: '1' },
  };
  const edges: [keyof typeof nodes, keyof typeof nodes][] = [
    ['x', 'p'],
    ['y', 'p'],
    ['p', 'g'],
    ['z', 'g'],
  ];
  g.strokeStyle = c.muted;
  g.lineWidth = 1.5;
  for (const [from, to] of edges) {
    const a = nodes[from];
    const b = nodes[to];
    g.beginPath();
    g.moveTo(a.x + 38, a.y);
    g.bezierCurveTo(a.x + 70, a.y, b.x - 70, b.y, b.x - 40, b.y);
    g.stroke();
  }
  g.textAlign = 'center';
  for (const node of Object.values(nodes)) {
    g.fillStyle = c.panel;
    g.strokeStyle = c.line;
    g.beginPath();
    g.roundRect(node.x - 38, node.y - 25, 76, 50, 7);
    g.fill();
    g.stroke();
    g.fillStyle = c.fg;
    g.font = 'bold 14px ui-monospace, monospace';
    g.fillText(node.label, node.x, node.y - 8);
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = green;
    g.fillText(`value ${node.value}`, node.x, node.y + 7);
    g.fillStyle = red;
    g.fillText(`grad ${node.grad}`, node.x, node.y + 20);
  }
};

const mnist: Draw = (g, c) => {
  // A 7 as the pad shows it: white ink on black, 28×28 pixels drawn big and blocky.
  const digit = document.createElement('canvas');
  digit.width = digit.height = 28;
  const d = digit.getContext('2d')!;
  d.fillStyle = '#000';
  d.fillRect(0, 0, 28, 28);
  d.strokeStyle = '#fff';
  d.lineWidth = 2.6;
  d.lineCap = d.lineJoin = 'round';
  d.beginPath();
  d.moveTo(8, 7);
  d.lineTo(20, 7);
  d.lineTo(12, 22);
  d.stroke();
  g.imageSmoothingEnabled = false;
  g.drawImage(digit, 15, 15, 170, 170);
  // The network's ten probabilities: confident it is a 7.
  const probabilities = [0.004, 0.03, 0.012, 0.008, 0.002, 0.003, 0.001, 0.9, 0.01, 0.03];
  g.font = '12px system-ui, sans-serif';
  g.textAlign = 'right';
  probabilities.forEach((p, digit) => {
    const y = 22 + digit * 16.5;
    g.fillStyle = c.fg;
    g.fillText(String(digit), 208, y + 10);
    g.fillStyle = c.line;
    g.fillRect(215, y + 1, 95, 10);
    g.fillStyle = digit === 7 ? c.accent : c.muted;
    g.fillRect(215, y + 1, Math.max(1, 95 * p), 10);
  });
};

const THUMBNAILS: Record<string, Draw> = { playground, graph, mnist };

/** Draw every `canvas[data-thumb]` of the page at its on-screen size. */
export function drawThumbnails(): void {
  const colors = palette();
  for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('canvas[data-thumb]'))) {
    const draw = THUMBNAILS[canvas.dataset.thumb ?? ''];
    if (!draw) continue;
    const scale = (canvas.clientWidth * devicePixelRatio) / WIDTH;
    canvas.width = Math.round(WIDTH * scale);
    canvas.height = Math.round(HEIGHT * scale);
    const g = canvas.getContext('2d')!;
    g.scale(scale, scale);
    draw(g, colors);
  }
}

function dot(g: CanvasRenderingContext2D, x: number, y: number, r: number, color: string): void {
  g.beginPath();
  g.arc(x, y, r, 0, 2 * Math.PI);
  g.fillStyle = color;
  g.fill();
  g.strokeStyle = '#fff';
  g.lineWidth = 1;
  g.stroke();
}

/** '#2563eb' → [37, 99, 235]. */
function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
