/**
 * A synthetic bank-churn table with the columns of the tutorial's Churn_Modelling.csv (which
 * cannot ship). Each customer's features are drawn independently, then "Exited" is drawn from a
 * logistic model of a few of them, so the best possible accuracy is known:
 *
 *   CreditScore     normal(650, 97), clipped to 350–850
 *   Geography       France 50 %, Germany 25 %, Spain 25 %
 *   Gender          Male 55 %, Female 45 %
 *   Age             normal(39, 10.5), clipped to 18–92
 *   Tenure          uniform 0–10
 *   Balance         0 for 36 % (never in Germany), else normal(120,000, 30,000)
 *   NumOfProducts   1: 50 %, 2: 46 %, 3: 3 %, 4: 1 %
 *   HasCrCard       1 for 70 %;  IsActiveMember 1 for 51 %
 *   EstimatedSalary uniform 10–200,000 (no effect: a distractor, as are Tenure and HasCrCard)
 *
 *   logit P(Exited) = −1.6 + 0.075·(Age − 38) + 0.8·[Germany] + 0.35·[Female] − 1.0·IsActiveMember
 *                     + {1 product: 0, 2: −1.4, 3: +2.5, 4: +4.5} − 0.0008·(CreditScore − 650)
 *                     + 0.3·[Balance > 0]
 *   Exited ~ Bernoulli(sigmoid(logit))
 *
 * RowNumber, CustomerId and Surname are identifiers, as in the original.
 *
 *   npx tsx examples/churn-data.ts churn.csv [rows] [seed]
 */
import { writeFileSync } from 'node:fs';
import { Rng } from 'backprop-js';

// Surnames are built from syllables (about 1,600 distinct, like the ~2,900 of the real table), so
// the column behaves like a name: high-cardinality text that says nothing about churn.
const FIRST = [
  'Har',
  'Hil',
  'On',
  'Bon',
  'Mit',
  'Chu',
  'Bart',
  'Obi',
  'Bear',
  'And',
  'Kay',
  'Chin',
  'Scot',
  'Go',
  'Rom',
  'Hen',
  'Mul',
  'Ha',
  'Mac',
  'Del',
  'Ger',
  'Mos',
  'Yen',
  'Ne',
  'Luc',
  'Az',
  'Od',
  'San',
  'Mag',
  'Cle',
  'Lom',
  'Wat',
  'Lor',
  'Arm',
  'Cam',
  'Hsi',
  'Os',
  'Lav',
  'Bian',
  'Ty',
];
const LAST = [
  'grave',
  'l',
  'io',
  'i',
  'chell',
  'ng',
  'lett',
  'nna',
  'ce',
  'rews',
  'e',
  'on',
  't',
  'forth',
  'eo',
  'derson',
  'drow',
  'o',
  'donald',
  'lucci',
  'asimov',
  'man',
  'son',
  'bechi',
  'ciano',
  'ikiwe',
  'inaka',
  'ders',
  'gard',
  'ments',
  'bardo',
  'kins',
  'enzo',
  'strong',
  'eron',
  'ao',
  'borne',
  'ine',
  'chi',
  'ler',
];

export interface ChurnRow {
  [column: string]: string | number;
}

export const CHURN_COLUMNS = [
  'RowNumber',
  'CustomerId',
  'Surname',
  'CreditScore',
  'Geography',
  'Gender',
  'Age',
  'Tenure',
  'Balance',
  'NumOfProducts',
  'HasCrCard',
  'IsActiveMember',
  'EstimatedSalary',
  'Exited',
];

const clip = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The generated rows, and each row's true churn probability (for the best possible accuracy). */
export function generateChurn(n: number, seed: number): { rows: ChurnRow[]; probability: number[] } {
  const rng = new Rng(seed);
  const pick = <T>(options: [T, number][]): T => {
    let u = rng.uniform();
    for (const [value, p] of options) if ((u -= p) < 0) return value;
    return options.at(-1)![0];
  };
  const rows: ChurnRow[] = [];
  const probability: number[] = [];
  const ids = rng.permutation(900000);
  for (let i = 0; i < n; i++) {
    const creditScore = Math.round(clip(650 + 97 * rng.normal(), 350, 850));
    const geography = pick([
      ['France', 0.5],
      ['Germany', 0.25],
      ['Spain', 0.25],
    ]);
    const gender = pick([
      ['Male', 0.55],
      ['Female', 0.45],
    ]);
    const age = Math.round(clip(39 + 10.5 * rng.normal(), 18, 92));
    const tenure = rng.int(11);
    const balance =
      geography !== 'Germany' && rng.uniform() < 0.48
        ? 0
        : Math.round(100 * Math.max(1000, 120000 + 30000 * rng.normal())) / 100;
    const products = pick([
      [1, 0.5],
      [2, 0.46],
      [3, 0.03],
      [4, 0.01],
    ]);
    const hasCard = rng.uniform() < 0.7 ? 1 : 0;
    const active = rng.uniform() < 0.51 ? 1 : 0;
    const salary = Math.round(100 * (10 + rng.uniform() * 199990)) / 100;
    const logit =
      -1.6 +
      0.075 * (age - 38) +
      (geography === 'Germany' ? 0.8 : 0) +
      (gender === 'Female' ? 0.35 : 0) -
      1.0 * active +
      ({ 1: 0, 2: -1.4, 3: 2.5, 4: 4.5 } as Record<number, number>)[products]! -
      0.0008 * (creditScore - 650) +
      (balance > 0 ? 0.3 : 0);
    const p = 1 / (1 + Math.exp(-logit));
    probability.push(p);
    rows.push({
      RowNumber: i + 1,
      CustomerId: 15565701 + ids[i]!,
      Surname: `${FIRST[rng.int(FIRST.length)]}${LAST[rng.int(LAST.length)]}`,
      CreditScore: creditScore,
      Geography: geography,
      Gender: gender,
      Age: age,
      Tenure: tenure,
      Balance: balance,
      NumOfProducts: products,
      HasCrCard: hasCard,
      IsActiveMember: active,
      EstimatedSalary: salary,
      Exited: rng.uniform() < p ? 1 : 0,
    });
  }
  return { rows, probability };
}

export function toCsv(rows: readonly ChurnRow[]): string {
  return `${CHURN_COLUMNS.join(',')}\n${rows.map((r) => CHURN_COLUMNS.map((c) => r[c]).join(',')).join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file = 'churn.csv', n = '10000', seed = '1'] = process.argv.slice(2);
  const { rows } = generateChurn(Number(n), Number(seed));
  writeFileSync(file, toCsv(rows));
  const churned = rows.filter((r) => r.Exited === 1).length;
  console.log(`wrote ${rows.length} rows to ${file} (${((100 * churned) / rows.length).toFixed(1)}% exited)`);
}
