import { readFileSync } from 'node:fs';
import { extractFeatures, FEATURE_BITS, type FeatureVector } from './features.ts';

/** The trained weights as shipped: sparse (only features seen in training), with the training report. */
export interface InjectionModelFile {
  featureBits: number;
  /** Hashed feature index → weight. */
  weights: Record<string, number>;
  trainedOn: { file: string; rows: number; positives: number; extra?: { file: string; rows: number; positives: number } };
  /** Cross-validated and held-out figures of the training run. */
  report: Record<string, unknown>;
}

export interface InjectionModel {
  /** Probability (0..1) that a text is a prompt injection or jailbreak. */
  score(text: string): number;
}

export function logistic(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

export function linearScore(weights: Float64Array | Map<number, number>, features: FeatureVector): number {
  let sum = 0;
  for (let index = 0; index < features.indexes.length; index++) {
    const feature = features.indexes[index]!;
    const weight = weights instanceof Map ? (weights.get(feature) ?? 0) : weights[feature]!;
    sum += weight * features.values[index]!;
  }
  return sum;
}

export function injectionModelFromFile(file: InjectionModelFile): InjectionModel {
  if (file.featureBits !== FEATURE_BITS) throw new Error(`injection model has ${file.featureBits} feature bits, the code ${FEATURE_BITS}: retrain it`);
  const weights = new Float64Array(1 << FEATURE_BITS);
  for (const [index, weight] of Object.entries(file.weights)) weights[Number(index)] = weight;
  return { score: (text) => logistic(linearScore(weights, extractFeatures(text))) };
}

export const injectionModelPath = new URL('./injection-model.json', import.meta.url);

let shipped: InjectionModel | undefined;

/** The model shipped with the service (`injection-model.json`, made by `npm run train:injection -w @gateway/app-guardrail`). */
export function shippedInjectionModel(): InjectionModel {
  shipped ??= injectionModelFromFile(JSON.parse(readFileSync(injectionModelPath, 'utf8')) as InjectionModelFile);
  return shipped;
}
