/**
 * Tutorial 002's Keras churn pipeline, step by step with backprop's own tools, on the synthetic
 * table from churn-data.ts (10,000 rows, same columns as Churn_Modelling.csv):
 *   drop RowNumber/CustomerId/Surname → LabelEncoder(Gender) → OneHotEncoder(Geography, drop
 *   first) → train/test split 80/20 → StandardScaler → Dense(6, relu) → Dense(6, relu) →
 *   Dense(1, sigmoid), 'uniform' init, Adam, binary cross-entropy, batch 10, 50 epochs →
 *   predictions > 0.5 → confusion matrix.
 *
 *   npx tsx examples/e-churn.ts
 */
import {
  confusionMatrix,
  confusionMatrixChart,
  Dense,
  formatConfusionMatrix,
  initializers,
  LabelEncoder,
  manualSeed,
  OneHotEncoder,
  parseCsv,
  Sequential,
  StandardScaler,
  savePlot,
  trainTestSplit,
} from 'backprop-js';
import { arg, OUTPUT } from './args.js';
import { generateChurn, toCsv } from './churn-data.js';

const { rows, probability } = generateChurn(10000, arg('data-seed', 1));
const table = parseCsv(toCsv(rows)); // the same path a CSV file takes

// X = dataset.iloc[:, 3:13]: CreditScore … EstimatedSalary; y = Exited
const numeric = [
  'CreditScore',
  'Age',
  'Tenure',
  'Balance',
  'NumOfProducts',
  'HasCrCard',
  'IsActiveMember',
  'EstimatedSalary',
];
const gender = new LabelEncoder().fitTransform(table.column('Gender'));
const geography = new OneHotEncoder({ dropFirst: true }).fitTransform(table.column('Geography'));
const columns = numeric.map((c) => table.numbers(c));
const X = rows.map((_, i) => [
  ...geography[i]!,
  columns[0]![i]!,
  gender[i]!,
  ...columns.slice(1).map((col) => col[i]!),
]);
const y = Array.from(table.numbers('Exited'), (v) => [v]);
const index = rows.map((_, i) => i);

const { train, test } = trainTestSplit([X, y, index], { testSize: 0.2, seed: 0 });
const [xTrainRaw, yTrain] = train as [number[][], number[][], number[]];
const [xTestRaw, yTest, testIndex] = test as [number[][], number[][], number[]];
const scaler = new StandardScaler().fit(xTrainRaw);
const xTrain = scaler.transform(xTrainRaw);
const xTest = scaler.transform(xTestRaw);

const truth = yTest.map(([v]) => v!);
// The generator knows each customer's true churn probability. Predicting with it (the Bayes rule) is
// the best any model can do on average; on one finite test set a model can land a little above it.
const bayes = testIndex.filter((i, k) => (probability[i]! > 0.5 ? 1 : 0) === truth[k]).length / truth.length;

// First the tutorial's settings ('uniform' = U(−0.05, 0.05) weights), then Keras' current default
// initialiser (glorotUniform): with the tiny uniform weights this network tends to settle where a
// linear model would, and Glorot's scale gets it out of there.
for (const [label, init] of [
  ['tutorial settings (uniform init)', initializers.randomUniform()],
  ['glorotUniform init (Keras default)', initializers.getInitializer('glorotUniform')],
] as const) {
  manualSeed(arg('seed', 0));
  const classifier = new Sequential({ name: 'churn' });
  classifier.add(new Dense({ units: 6, kernelInitializer: init, activation: 'relu', inputDim: 11 }));
  classifier.add(new Dense({ units: 6, kernelInitializer: init, activation: 'relu' }));
  classifier.add(new Dense({ units: 1, kernelInitializer: init, activation: 'sigmoid' }));
  classifier.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  console.log(`\n=== ${label}`);
  if (label.startsWith('tutorial')) classifier.summary();
  const history = await classifier.fit(xTrain, yTrain, { batchSize: 10, epochs: arg('epochs', 50), seed: 0 });
  const last = history.epoch.length - 1;
  console.log(
    `last epoch: loss ${history.history.loss![last]!.toFixed(4)} acc ${history.history.accuracy![last]!.toFixed(4)}`,
  );
  const predicted = Array.from(classifier.predict(xTest).dataSync(), (p) => (p > 0.5 ? 1 : 0));
  const cm = confusionMatrix(truth, predicted, 2);
  const accuracy = (cm[0]![0]! + cm[1]![1]!) / truth.length;
  console.log(`confusion matrix (rows: actual 0/1, columns: predicted 0/1)\n${formatConfusionMatrix(cm)}`);
  console.log(`test accuracy: (${cm[0]![0]} + ${cm[1]![1]}) / ${truth.length} = ${accuracy.toFixed(4)}`);
  const file = `${OUTPUT}e-churn-confusion-${label.startsWith('tutorial') ? 'uniform' : 'glorot'}`;
  await savePlot(
    confusionMatrixChart(cm, ['stayed', 'exited'], `Churn test confusion matrix: ${label}`),
    file,
  );
  console.log(`plot: ${file}.png`);
}
console.log(
  `\naccuracy of the true churn probabilities (the Bayes rule) on these test rows: ${bayes.toFixed(4)}`,
);
