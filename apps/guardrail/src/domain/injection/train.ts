import { extractFeatures, FEATURE_BITS, type FeatureVector } from './features.ts';
import { linearScore, logistic } from './injection-model.ts';

export interface LabelledText {
  text: string;
  /** 1: injection or jailbreak; 0: benign. */
  label: 0 | 1;
}

export interface TrainOptions {
  /** L2 penalty per example. */
  l2: number;
  epochs: number;
  learningRate: number;
}

export const defaultTrainOptions: TrainOptions = { l2: 1e-3, epochs: 40, learningRate: 0.5 };

/**
 * Logistic regression by AdaGrad over the hashed features, classes weighted to balance, examples in a
 * fixed shuffled order (so retraining gives the same weights). Returns only the non-zero weights.
 */
export function trainInjectionModel(rows: readonly LabelledText[], options: TrainOptions = defaultTrainOptions): Map<number, number> {
  const vectors: Array<{ features: FeatureVector; label: number; weight: number }> = [];
  const positives = rows.filter((row) => row.label === 1).length;
  const negatives = rows.length - positives;
  for (const row of rows) {
    vectors.push({ features: extractFeatures(row.text), label: row.label, weight: row.label === 1 ? rows.length / (2 * positives) : rows.length / (2 * negatives) });
  }
  const weights = new Float64Array(1 << FEATURE_BITS);
  const squared = new Float64Array(1 << FEATURE_BITS);
  const order = vectors.map((_, index) => index);
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    for (const position of order) {
      const example = vectors[position]!;
      const error = (logistic(linearScore(weights, example.features)) - example.label) * example.weight;
      for (let index = 0; index < example.features.indexes.length; index++) {
        const feature = example.features.indexes[index]!;
        const gradient = error * example.features.values[index]! + options.l2 * weights[feature]!;
        squared[feature]! += gradient * gradient;
        weights[feature]! -= (options.learningRate * gradient) / Math.sqrt(squared[feature]! + 1e-8);
      }
    }
  }
  const sparse = new Map<number, number>();
  weights.forEach((weight, index) => {
    if (Math.abs(weight) > 1e-6) sparse.set(index, weight);
  });
  return sparse;
}

export interface Rates {
  threshold: number;
  truePositiveRate: number;
  falsePositiveRate: number;
  precision: number;
  f1: number;
}

export function ratesAt(scored: ReadonlyArray<{ score: number; label: number }>, threshold: number): Rates {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const { score, label } of scored) {
    if (score >= threshold) label === 1 ? tp++ : fp++;
    else label === 1 ? fn++ : tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    threshold,
    truePositiveRate: recall,
    falsePositiveRate: fp + tn === 0 ? 0 : fp / (fp + tn),
    precision,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

/** Area under the ROC curve (the chance a random injection scores above a random benign text). */
export function rocAuc(scored: ReadonlyArray<{ score: number; label: number }>): number {
  const positives = scored.filter((item) => item.label === 1);
  const negatives = scored.filter((item) => item.label === 0);
  let wins = 0;
  for (const positive of positives) for (const negative of negatives) wins += positive.score > negative.score ? 1 : positive.score === negative.score ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

/** A stable split by a hash of the text: the same row is always on the same side, whatever the file order. */
export function foldOf(text: string, folds: number): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) value = Math.imul(value ^ text.charCodeAt(index), 0x01000193);
  return (value >>> 0) % folds;
}

export function scoreWith(weights: Map<number, number>, rows: readonly LabelledText[]): Array<{ score: number; label: number }> {
  return rows.map((row) => ({ score: logistic(linearScore(weights, extractFeatures(row.text))), label: row.label }));
}
