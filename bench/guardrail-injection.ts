/**
 * `npm run bench:guardrail-injection [-- path/to/data.jsonl]`: true and false positive rates of the
 * prompt-injection classifier on deepset/prompt-injections (../shared/data/prompt-injection/deepset-train.jsonl,
 * JSON lines `{text, label}`, 1 = injection).
 *
 * Three measurements, from the most to the least optimistic:
 * - the shipped weights on the file they were trained on (in-sample: an upper bound, not a forecast);
 * - the held-out split (fold 0 of 5 by a hash of the text, as the training script holds it out), scored
 *   by a model trained with the shipped settings on the other rows only;
 * - 5-fold cross-validation over the whole file: every row scored by a model that never saw it.
 * The last two are what to expect on new data of the same kind. Training always adds
 * apps/guardrail/data/injection-extra.jsonl (ordinary requests and injection kinds the data set lacks),
 * as the training script does; a fourth measurement scores that small set by 5-fold cross-validation
 * (models trained on the whole data set and the other folds of it), for requests unlike the data set's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { shippedInjectionModel } from '@gateway/app-guardrail';
import { foldOf, ratesAt, rocAuc, scoreWith, trainInjectionModel, defaultTrainOptions, type LabelledText, type TrainOptions } from '../apps/guardrail/src/domain/injection/train.ts';
import { injectionModelPath, type InjectionModelFile } from '../apps/guardrail/src/domain/injection/injection-model.ts';

const path = process.argv[2] ?? fileURLToPath(new URL('../../shared/data/prompt-injection/deepset-train.jsonl', import.meta.url));
const readRows = (file: string): LabelledText[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledText);
const rows = readRows(path);
const extra = readRows(fileURLToPath(new URL('../apps/guardrail/data/injection-extra.jsonl', import.meta.url)));
const shippedFile = JSON.parse(readFileSync(injectionModelPath, 'utf8')) as InjectionModelFile;
const options = { ...defaultTrainOptions, ...(shippedFile.report.options as Partial<TrainOptions>) };

const thresholds = [0.5, 0.7, 0.8, 0.9];
function report(name: string, scored: Array<{ score: number; label: number }>): void {
  const positives = scored.filter((item) => item.label === 1).length;
  console.log(`\n${name}: ${scored.length} prompts (${positives} injections), ROC AUC ${rocAuc(scored).toFixed(3)}`);
  console.log('  threshold    TPR    FPR  precision     F1');
  for (const threshold of thresholds) {
    const rates = ratesAt(scored, threshold);
    const cell = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(6);
    console.log(`  ${threshold.toFixed(1).padStart(9)} ${cell(rates.truePositiveRate)} ${cell(rates.falsePositiveRate)} ${cell(rates.precision).padStart(10)} ${cell(rates.f1)}`);
  }
}

console.log(`Prompt injection classifier on ${path.split('/').slice(-2).join('/')} (settings: L2 ${options.l2}, ${options.epochs} epochs)`);
const model = shippedInjectionModel();
report('Shipped weights, in-sample (trained on this file)', rows.map((row) => ({ score: model.score(row.text), label: row.label })));

const heldOut = rows.filter((row) => foldOf(row.text, 5) === 0);
report('Held-out split (fold 0 of 5; model trained on the other 4)', scoreWith(trainInjectionModel([...rows.filter((row) => foldOf(row.text, 5) !== 0), ...extra], options), heldOut));

const crossValidated = [0, 1, 2, 3, 4].flatMap((fold) =>
  scoreWith(trainInjectionModel([...rows.filter((row) => foldOf(row.text, 5) !== fold), ...extra], options), rows.filter((row) => foldOf(row.text, 5) === fold)),
);
report('5-fold cross-validation (every prompt scored by a model that never saw it)', crossValidated);

const extraScored = [0, 1, 2, 3, 4].flatMap((fold) =>
  scoreWith(trainInjectionModel([...rows, ...extra.filter((row) => foldOf(row.text, 5) !== fold)], options), extra.filter((row) => foldOf(row.text, 5) === fold)),
);
report('Requests unlike the data set (injection-extra.jsonl, 5-fold; small, written for this project)', extraScored);
report('The same requests, model trained on the data set alone', scoreWith(trainInjectionModel(rows, options), extra));
