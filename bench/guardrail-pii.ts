/**
 * `npm run bench:guardrail-pii [-- path/to/data.json]`: precision, recall and F1 of the guardrail's PII
 * detection per entity type, on presidio-research's synthetic set (../shared/data/pii/presidio-synth-dev.json,
 * MIT: `{full_text, spans: [{entity_type, start_position, end_position}]}`).
 *
 * Every type is asked for at once, as a policy without `entities` does. A found span counts as a true
 * positive when it overlaps a labelled span of the same type (lenient; the `exact` columns need the same
 * boundaries, ignoring surrounding whitespace and punctuation). Labels map onto our types as Presidio
 * does: GPE and STREET_ADDRESS are LOCATION, DOMAIN_NAME (full URLs in this set) is URL. Labelled types we
 * do not detect (DATE_TIME, TITLE, AGE, NRP, ZIP_CODE, US_DRIVER_LICENSE) are left out; a span we find
 * over one of them counts as a false positive of our type. SECRET has no labels here (see the unit tests).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { detectPii } from '@gateway/app-guardrail';

interface Row {
  full_text: string;
  spans: Array<{ entity_type: string; start_position: number; end_position: number }>;
}

const labelMap: Record<string, string> = {
  PERSON: 'PERSON',
  GPE: 'LOCATION',
  STREET_ADDRESS: 'LOCATION',
  ORGANIZATION: 'ORGANIZATION',
  EMAIL_ADDRESS: 'EMAIL_ADDRESS',
  PHONE_NUMBER: 'PHONE_NUMBER',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN_CODE: 'IBAN_CODE',
  US_SSN: 'US_SSN',
  IP_ADDRESS: 'IP_ADDRESS',
  DOMAIN_NAME: 'URL',
};
const types = ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'URL', 'PERSON', 'LOCATION', 'ORGANIZATION'];

const path = process.argv[2] ?? fileURLToPath(new URL('../../shared/data/pii/presidio-synth-dev.json', import.meta.url));
const rows = JSON.parse(readFileSync(path, 'utf8')) as Row[];

interface Tally {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  exact: number;
  labelled: number;
}
const tallies = new Map(types.map((type) => [type, { truePositives: 0, falsePositives: 0, falseNegatives: 0, exact: 0, labelled: 0 } as Tally]));
const recallByLabel = new Map<string, { labelled: number; found: number }>();
/** What the false positives of each type were labelled as (or `unlabelled`). */
const confusions = new Map<string, Map<string, number>>();

const trim = (text: string, start: number, end: number) => {
  while (start < end && /[\s.,;:!?"'()]/.test(text[start]!)) start += 1;
  while (end > start && /[\s.,;:!?"'()]/.test(text[end - 1]!)) end -= 1;
  return `${start}:${end}`;
};

let detectMs = 0;
for (const row of rows) {
  const started = performance.now();
  const found = detectPii(row.full_text);
  detectMs += performance.now() - started;
  const gold = row.spans.map((span) => ({ type: labelMap[span.entity_type], label: span.entity_type, start: span.start_position, end: span.end_position }));
  for (const type of types) {
    const tally = tallies.get(type)!;
    const goldOfType = gold.filter((span) => span.type === type);
    const foundOfType = found.filter((span) => span.type === type);
    tally.labelled += goldOfType.length;
    for (const span of foundOfType) {
      const match = goldOfType.find((other) => span.start < other.end && other.start < span.end);
      if (match) {
        tally.truePositives += 1;
        if (trim(row.full_text, span.start, span.end) === trim(row.full_text, match.start, match.end)) tally.exact += 1;
      } else {
        tally.falsePositives += 1;
        const under = gold.find((other) => span.start < other.end && other.start < span.end)?.label ?? 'unlabelled';
        const counts = confusions.get(type) ?? new Map<string, number>();
        counts.set(under, (counts.get(under) ?? 0) + 1);
        confusions.set(type, counts);
      }
    }
    const missed = goldOfType.filter((other) => !foundOfType.some((span) => span.start < other.end && other.start < span.end));
    tally.falseNegatives += missed.length;
    for (const span of goldOfType) {
      const stats = recallByLabel.get(span.label) ?? { labelled: 0, found: 0 };
      stats.labelled += 1;
      if (!missed.includes(span)) stats.found += 1;
      recallByLabel.set(span.label, stats);
    }
  }
}

const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '—');
console.log(`PII detection on ${path.split('/').slice(-2).join('/')}: ${rows.length} texts, ${(detectMs / rows.length).toFixed(2)} ms per text on average (all types)\n`);
console.log('type            labelled  found    TP    FP    FN  precision  recall      F1  exact bounds');
let micro = { tp: 0, fp: 0, fn: 0 };
for (const [type, tally] of tallies) {
  const precision = tally.truePositives / (tally.truePositives + tally.falsePositives);
  const recall = (tally.labelled - tally.falseNegatives) / tally.labelled;
  const f1 = (2 * precision * recall) / (precision + recall);
  micro = { tp: micro.tp + tally.truePositives, fp: micro.fp + tally.falsePositives, fn: micro.fn + tally.falseNegatives };
  console.log(
    `${type.padEnd(15)} ${String(tally.labelled).padStart(8)} ${String(tally.truePositives + tally.falsePositives).padStart(6)} ${String(tally.truePositives).padStart(5)} ${String(tally.falsePositives).padStart(5)} ${String(tally.falseNegatives).padStart(5)} ${percent(precision).padStart(10)} ${percent(recall).padStart(7)} ${percent(f1).padStart(7)} ${percent(tally.exact / tally.truePositives).padStart(12)}`,
  );
}
const labelledTotal = [...tallies.values()].reduce((sum, tally) => sum + tally.labelled, 0);
const microPrecision = micro.tp / (micro.tp + micro.fp);
const microRecall = (labelledTotal - micro.fn) / labelledTotal;
console.log(`${'all (micro)'.padEnd(15)} ${String(labelledTotal).padStart(8)} ${''.padStart(6)} ${''.padStart(5)} ${String(micro.fp).padStart(5)} ${String(micro.fn).padStart(5)} ${percent(microPrecision).padStart(10)} ${percent(microRecall).padStart(7)} ${percent((2 * microPrecision * microRecall) / (microPrecision + microRecall)).padStart(7)}`);
console.log('\nRecall by label, where several labels map onto one type:');
for (const label of ['GPE', 'STREET_ADDRESS']) {
  const stats = recallByLabel.get(label) ?? { labelled: 0, found: 0 };
  console.log(`  ${label} as ${labelMap[label]}: ${stats.found}/${stats.labelled} (${percent(stats.found / stats.labelled)})`);
}
console.log('\nFalse positives by what the text was labelled there:');
for (const [type, counts] of confusions) {
  console.log(`  ${type}: ${[...counts].sort((a, b) => b[1] - a[1]).map(([label, count]) => `${label} ${count}`).join(', ')}`);
}
