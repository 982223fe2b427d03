/**
 * Trains the prompt-injection classifier shipped in src/domain/injection/injection-model.json.
 *
 *   npm run train:injection -w @gateway/app-guardrail [-- path/to/data.jsonl]
 *
 * Data: JSON lines `{text, label}` (default ../../../shared/data/prompt-injection/deepset-train.jsonl,
 * deepset/prompt-injections, Apache-2.0). Rows are split by a hash of their text: fold 0 of 5 is held
 * out; the L2 penalty and the number of epochs are chosen by 5-fold cross-validation (AUC) on the other
 * rows; the held-out figures are measured with a model trained on the other rows only; the shipped model
 * is then trained on all rows with the chosen settings.
 *
 * data/injection-extra.jsonl (written for this project) adds ordinary assistant requests (code, summaries,
 * translations, benign "ignore the typos") and a few injection kinds the data set lacks (delimiter
 * injection, DAN, prompt extraction). It only ever joins the training side: every figure is measured on
 * rows of the data set. Without it, such requests scored as injections (44% false positives at 0.8 on it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_BITS } from '../src/domain/injection/features.ts';
import { injectionModelPath, type InjectionModelFile } from '../src/domain/injection/injection-model.ts';
import { defaultTrainOptions, foldOf, ratesAt, rocAuc, scoreWith, trainInjectionModel, type LabelledText } from '../src/domain/injection/train.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataPath = resolve(process.argv[2] ?? resolve(here, '../../../../shared/data/prompt-injection/deepset-train.jsonl'));
const readRows = (path: string): LabelledText[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledText);
const rows = readRows(dataPath);
const extraPath = resolve(here, '../data/injection-extra.jsonl');
const extra = readRows(extraPath);

const heldOut = rows.filter((row) => foldOf(row.text, 5) === 0);
const development = rows.filter((row) => foldOf(row.text, 5) !== 0);

const candidates = [1e-3, 3e-3, 1e-2, 3e-2].flatMap((l2) => [10, 40].map((epochs) => ({ ...defaultTrainOptions, l2, epochs })));
const crossValidation = candidates.map((options) => {
  const scored = [0, 1, 2, 3, 4].flatMap((fold) => {
    const train = [...development.filter((row) => foldOf(`cv${row.text}`, 5) !== fold), ...extra];
    const test = development.filter((row) => foldOf(`cv${row.text}`, 5) === fold);
    return scoreWith(trainInjectionModel(train, options), test);
  });
  return { options, auc: rocAuc(scored), at05: ratesAt(scored, 0.5), at08: ratesAt(scored, 0.8) };
});
const best = crossValidation.reduce((a, b) => (b.auc > a.auc ? b : a));
const options = best.options;

const heldOutScored = scoreWith(trainInjectionModel([...development, ...extra], options), heldOut);
const round = (value: number) => Math.round(value * 1000) / 1000;
const roundRates = (rates: ReturnType<typeof ratesAt>) => Object.fromEntries(Object.entries(rates).map(([key, value]) => [key, round(value)]));
const report = {
  options,
  crossValidation: crossValidation.map((entry) => ({ l2: entry.options.l2, epochs: entry.options.epochs, auc: round(entry.auc), at05: roundRates(entry.at05), at08: roundRates(entry.at08) })),
  heldOut: {
    rows: heldOut.length,
    positives: heldOut.filter((row) => row.label === 1).length,
    auc: round(rocAuc(heldOutScored)),
    at05: roundRates(ratesAt(heldOutScored, 0.5)),
    at08: roundRates(ratesAt(heldOutScored, 0.8)),
  },
};

const weights = trainInjectionModel([...rows, ...extra], options);
const file: InjectionModelFile = {
  featureBits: FEATURE_BITS,
  weights: Object.fromEntries([...weights].map(([index, weight]) => [String(index), Math.round(weight * 10_000) / 10_000])),
  trainedOn: {
    file: relative(resolve(here, '..'), dataPath).replaceAll('\\', '/').replace(/^(\.\.\/)+/, ''),
    rows: rows.length,
    positives: rows.filter((row) => row.label === 1).length,
    extra: { file: 'data/injection-extra.jsonl', rows: extra.length, positives: extra.filter((row) => row.label === 1).length },
  },
  report,
};
writeFileSync(injectionModelPath, `${JSON.stringify(file)}\n`);
console.log(JSON.stringify(report, null, 2));
console.log(`${weights.size} weights written to ${fileURLToPath(injectionModelPath)}`);
