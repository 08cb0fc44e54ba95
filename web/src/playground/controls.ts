/**
 * The controls: each writes one field of the settings and calls `changed()`, which rebuilds the
 * network from scratch (as the Playground does: a new network or new data means a new run).
 */
import { el } from '../shared/page.js';
import { DATASETS, type DatasetName, EXTENT, makeDataset } from './datasets.js';
import { FEATURE_NAMES, type FeatureName } from './features.js';
import { colour } from './heatmap.js';
import type { ActivationName, OptimizerName } from './network.js';
import {
  ACTIVATIONS,
  BATCH_SIZES,
  DROPOUT_RATES,
  L2_FACTORS,
  LEARNING_RATES,
  OPTIMIZERS,
  type Settings,
} from './settings.js';

/** A labelled <select> over `options`, showing `format(option)`. */
function choice<T extends string | number>(
  label: string,
  id: string,
  options: readonly T[],
  current: T,
  set: (value: T) => void,
  format: (value: T) => string = String,
): HTMLElement {
  const select = el('select');
  select.id = id;
  for (const option of options) {
    const item = el('option', '', format(option));
    item.value = String(option);
    item.selected = option === current;
    select.append(item);
  }
  select.addEventListener('change', () => set(options[select.selectedIndex] as T));
  const wrapper = el('label', 'field', el('span', '', label), select);
  return wrapper;
}

/** A labelled range slider that shows its value. */
function slider(
  label: string,
  id: string,
  range: { min: number; max: number; step: number },
  current: number,
  set: (value: number) => void,
  format: (value: number) => string,
): HTMLElement {
  const input = el('input');
  Object.assign(input, {
    type: 'range',
    id,
    min: String(range.min),
    max: String(range.max),
    step: String(range.step),
  });
  input.value = String(current);
  const shown = el('output', '', format(current));
  input.addEventListener('input', () => {
    shown.textContent = format(Number(input.value));
  });
  input.addEventListener('change', () => set(Number(input.value)));
  return el('label', 'field', el('span', '', label, ' ', shown), input);
}

/** A small picture of a data set (its noiseless points) for its button. */
function thumbnail(name: DatasetName): HTMLCanvasElement {
  const side = 36;
  const canvas = el('canvas', 'thumbnail');
  canvas.width = side * 2; // drawn at twice the size: sharp on phones
  canvas.height = side * 2;
  canvas.setAttribute('aria-hidden', 'true');
  const context = canvas.getContext('2d');
  if (!context) return canvas;
  for (const p of makeDataset(name, 160, 0, 7)) {
    const [r, g, b] = colour(p.label ? 1 : -1);
    context.fillStyle = `rgb(${r}, ${g}, ${b})`;
    context.fillRect(
      ((p.x + EXTENT) / (2 * EXTENT)) * side * 2 - 2,
      ((EXTENT - p.y) / (2 * EXTENT)) * side * 2 - 2,
      4,
      4,
    );
  }
  return canvas;
}

/** The data panel: which data set, its noise, the train/test split, and the input features. */
export function dataControls(settings: Settings, changed: () => void): HTMLElement {
  const sets = el('div', 'datasets');
  for (const [name, title] of Object.entries(DATASETS) as [DatasetName, string][]) {
    const button = el('button', name === settings.dataset ? 'chosen' : '', thumbnail(name), title);
    button.type = 'button';
    button.dataset.dataset = name;
    button.setAttribute('aria-pressed', String(name === settings.dataset));
    button.addEventListener('click', () => {
      settings.dataset = name;
      for (const other of sets.querySelectorAll('button')) {
        const chosen = other === button;
        other.classList.toggle('chosen', chosen);
        other.setAttribute('aria-pressed', String(chosen));
      }
      changed();
    });
    sets.append(button);
  }
  const features = el('div', 'features');
  for (const name of FEATURE_NAMES) {
    const box = el('input');
    box.type = 'checkbox';
    box.checked = settings.features.includes(name);
    box.dataset.feature = name;
    box.addEventListener('change', () => {
      const chosen = FEATURE_NAMES.filter((f) =>
        f === name ? box.checked : settings.features.includes(f),
      ) as FeatureName[];
      if (chosen.length === 0) {
        box.checked = true; // a network needs at least one input
        return;
      }
      settings.features = chosen;
      changed();
    });
    features.append(el('label', 'feature', box, ` ${name}`));
  }
  const showTest = el('input');
  showTest.type = 'checkbox';
  showTest.id = 'show-test';
  showTest.checked = settings.showTest;
  showTest.addEventListener('change', () => {
    settings.showTest = showTest.checked;
    changed();
  });
  return el(
    'section',
    'panel data',
    el('h2', '', 'Data'),
    sets,
    slider(
      'Noise',
      'noise',
      { min: 0, max: 50, step: 5 },
      settings.noise * 100,
      (v) => {
        settings.noise = v / 100;
        changed();
      },
      (v) => `${v}%`,
    ),
    slider(
      'Training share',
      'ratio',
      { min: 10, max: 90, step: 10 },
      settings.trainRatio * 100,
      (v) => {
        settings.trainRatio = v / 100;
        changed();
      },
      (v) => `${v}%`,
    ),
    el('label', 'field inline', showTest, ' show test points'),
    el('h2', '', 'Features'),
    features,
  );
}

/** Optimiser, learning rate, batch size, L2, dropout and activation: the training bar. */
export function trainingControls(settings: Settings, changed: () => void): HTMLElement {
  const percent = (v: number) => (v === 0 ? 'none' : `${Math.round(v * 100)}%`);
  return el(
    'div',
    'hyper',
    choice(
      'Optimiser',
      'optimizer',
      Object.keys(OPTIMIZERS) as OptimizerName[],
      settings.optimizer,
      (v) => {
        settings.optimizer = v;
        changed();
      },
      (v) => OPTIMIZERS[v],
    ),
    choice('Learning rate', 'learning-rate', LEARNING_RATES, settings.learningRate, (v) => {
      settings.learningRate = v;
      changed();
    }),
    choice('Batch size', 'batch-size', BATCH_SIZES, settings.batchSize, (v) => {
      settings.batchSize = v;
      changed();
    }),
    choice('Activation', 'activation', ACTIVATIONS, settings.activation, (v: ActivationName) => {
      settings.activation = v;
      changed();
    }),
    choice(
      'L2',
      'l2',
      L2_FACTORS,
      settings.l2,
      (v) => {
        settings.l2 = v;
        changed();
      },
      (v) => (v === 0 ? 'none' : String(v)),
    ),
    choice(
      'Dropout',
      'dropout',
      DROPOUT_RATES,
      settings.dropout,
      (v) => {
        settings.dropout = v;
        changed();
      },
      percent,
    ),
  );
}
