/**
 * A generated table of short reviews and their sentiment, for text classification
 * (`npx backprop train text examples/reviews.csv --text text --target sentiment`, and
 * examples/sequence-classification.ts). Written by this program, so free of any licence beyond the
 * project's; examples/reviews.csv is its output for the default arguments.
 *
 * Each review is one clause, or two joined so that the second decides:
 *
 *   clause     = subject verb [negation] [intensifier] adjective        "the staff was not very friendly"
 *   review     = [opener] clause | clause ", but" clause | "although" clause "," clause
 *   sentiment  = the deciding clause's adjective polarity, flipped by a negation
 *                (single clause: that clause; "A, but B": B; "although A, B": B)
 *
 * Every word appears in positive and negative reviews alike, so counting words cannot score much
 * better than about 60–70 %; the order — which clause comes after "but", whether "not" stands before
 * the adjective — decides. A model that reads the sequence can reach 100 %.
 *
 *   npx tsx examples/reviews-data.ts examples/reviews.csv [rows] [seed]
 */
import { writeFileSync } from 'node:fs';
import { Rng } from 'backprop-js';

const SUBJECTS = [
  'the food',
  'the service',
  'the room',
  'the staff',
  'the movie',
  'the plot',
  'the music',
  'the price',
  'the coffee',
  'the view',
  'this phone',
  'this book',
  'the battery',
  'the screen',
  'the delivery',
];
const VERBS = ['was', 'is', 'seemed', 'felt'];
const POSITIVE = [
  'good',
  'great',
  'excellent',
  'friendly',
  'wonderful',
  'pleasant',
  'fine',
  'lovely',
  'fast',
];
const NEGATIVE = ['bad', 'awful', 'terrible', 'rude', 'boring', 'poor', 'slow', 'disappointing', 'noisy'];
const NEGATIONS = ['not', 'never', 'hardly'];
const INTENSIFIERS = ['very', 'really', 'quite', 'so', 'rather'];
const OPENERS = ['honestly', 'overall', 'to be fair', 'well', 'in short'];

export interface Review {
  text: string;
  sentiment: 'positive' | 'negative';
}

function clause(rng: Rng): { text: string; positive: boolean } {
  const pick = <T>(list: readonly T[]) => list[rng.int(list.length)]!;
  const good = rng.uniform() < 0.5;
  const negated = rng.uniform() < 0.4;
  const words = [pick(SUBJECTS), pick(VERBS)];
  if (negated) words.push(pick(NEGATIONS));
  if (rng.uniform() < 0.4) words.push(pick(INTENSIFIERS));
  words.push(pick(good ? POSITIVE : NEGATIVE));
  return { text: words.join(' '), positive: good !== negated };
}

/** `n` reviews drawn with a seeded generator (the same seed gives the same table). */
export function generateReviews(n: number, seed = 1): Review[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const form = rng.uniform();
    const a = clause(rng);
    let text: string;
    let positive: boolean;
    if (form < 0.4) {
      const opener = rng.uniform() < 0.5 ? `${OPENERS[rng.int(OPENERS.length)]}, ` : '';
      text = `${opener}${a.text}`;
      positive = a.positive;
    } else {
      const b = clause(rng);
      text = form < 0.75 ? `${a.text}, but ${b.text}` : `although ${a.text}, ${b.text}`;
      positive = b.positive;
    }
    return {
      text: `${text.charAt(0).toUpperCase()}${text.slice(1)}.`,
      sentiment: positive ? 'positive' : 'negative',
    };
  });
}

export function toCsv(rows: readonly Review[]): string {
  return `text,sentiment\n${rows.map((r) => `"${r.text}",${r.sentiment}`).join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file = 'reviews.csv', rows = '2000', seed = '1'] = process.argv.slice(2);
  writeFileSync(file, toCsv(generateReviews(Number(rows), Number(seed))));
  console.log(`${file}: ${rows} reviews (seed ${seed})`);
}
