/**
 * `npm run bench:guardrail-latency [-- --nats]`: what the guardrail checks cost on a 2 KB prompt.
 *
 * In process: each check alone (p50/p99 over many runs after a warm-up), then whole policies through
 * `checkInput` as the service runs them. Then the round trip the API pays for `guardrail.v1.check_input`
 * over the in-process bus (embedded mode) and, with `--nats` and NATS_URL set, over NATS.
 * The prompt is English business prose with emails, phone and card numbers in it. Names cost in
 * proportion to the sentences that hold a capitalised word after their first: they are measured on
 * that prompt and on one where every sentence is full of names.
 */
import { performance } from 'node:perf_hooks';
import { createMemoryBus, createNatsBus, type Bus } from '@gateway/bus';
import { guardrailCheckInput, guardrailPolicySchema, type GuardrailPolicyInput, type PiiEntityType } from '@gateway/contracts';
import { createLogger } from '@gateway/telemetry';
import { checkInput, detectPii, shippedInjectionModel, startGuardrailService } from '@gateway/app-guardrail';

const paragraph =
  'We are planning the quarterly review of the customer support process and would like a short summary of the main issues. ' +
  'Customers wrote about late deliveries, unclear invoices and the new return policy, which several found confusing. ' +
  'One customer, reachable at support.case@example.com or +1 201-948-1927, asked us to refund the card 4111 1111 1111 1111. ';
const namesParagraph =
  'Last week Maria Gonzalez from Acme Corporation met Dr. Peter Lindqvist in Stockholm to discuss the merger with Nordic Analytics. ' +
  'They agreed that Sofia Rossi, who leads the office at Via Roma 12 in Milan, will visit Berlin and Paris before the board meets in London. ';
const twoKilobytes = (text: string) => text.repeat(Math.ceil(2048 / text.length)).slice(0, 2048);
const prompt = twoKilobytes(paragraph);
const namesPrompt = twoKilobytes(namesParagraph);
const nameTypes = new Set<PiiEntityType>(['PERSON', 'LOCATION', 'ORGANIZATION']);

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

async function measure(name: string, run: () => unknown, iterations: number): Promise<void> {
  for (let index = 0; index < Math.min(200, iterations); index++) await run();
  const times: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} p50 ${percentile(times, 0.5).toFixed(3).padStart(7)} ms   p99 ${percentile(times, 0.99).toFixed(3).padStart(7)} ms`);
}

const patternTypes: PiiEntityType[] = ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'URL', 'SECRET'];
const policy = (name: string, checks: GuardrailPolicyInput['checks']) => guardrailPolicySchema.parse({ name, checks });
const issueExample = policy('pii-safe', [
  { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD', 'US_SSN'], action: 'redact', phase: 'input', reversible: true },
  { type: 'prompt_injection', threshold: 0.8, action: 'deny', phase: 'input' },
  { type: 'regex', pattern: '(?i)internal only', action: 'deny', phase: 'output' },
]);
const patternsAndInjection = policy('patterns', [
  { type: 'pii', entities: patternTypes, action: 'redact', reversible: true },
  { type: 'prompt_injection', threshold: 0.8, action: 'deny' },
  { type: 'keywords', keywords: ['project falcon', 'codename'], action: 'deny' },
  { type: 'denied_topics', topics: [{ name: 'weapons', terms: ['pipe bomb', 'nerve agent'] }], action: 'deny' },
  { type: 'max_size', max_chars: 100_000, action: 'deny' },
]);
const everything = policy('everything', [{ type: 'pii', action: 'redact', reversible: true }, { type: 'prompt_injection', threshold: 0.8, action: 'deny' }]);
const injectionModel = shippedInjectionModel();
const segments = [{ role: 'user', text: prompt }];

console.log(`Guardrail check latency on a ${prompt.length}-character prompt (${process.version}, one core)\n`);
console.log('In process, one check:');
await measure('  pii: pattern types (email … secret)', () => detectPii(prompt, new Set(patternTypes)), 3000);
await measure('  pii: PERSON, LOCATION, ORGANIZATION, prose prompt', () => detectPii(prompt, nameTypes), 1000);
await measure('  pii: PERSON, LOCATION, ORGANIZATION, names in every line', () => detectPii(namesPrompt, nameTypes), 300);
await measure('  prompt_injection score', () => injectionModel.score(prompt), 3000);
console.log('In process, whole policies (checkInput):');
await measure("  the issue's pii-safe (3 pii types, injection; input phase)", () => checkInput({ requestId: 'b', policies: [issueExample], segments }, { injectionModel }), 3000);
await measure('  all pattern PII types + injection + keywords + topics + size', () => checkInput({ requestId: 'b', policies: [patternsAndInjection], segments }, { injectionModel }), 3000);
await measure('  every PII type incl. names + injection', () => checkInput({ requestId: 'b', policies: [everything], segments }, { injectionModel }), 300);

async function roundTrip(name: string, bus: Bus): Promise<void> {
  const service = await startGuardrailService({ bus, logger: createLogger({ service: 'guardrail', level: 'silent' }) });
  try {
    await measure(`  ${name}: pii-safe`, () => bus.request(guardrailCheckInput, { requestId: 'b', policies: [issueExample], segments }), 2000);
    await measure(`  ${name}: pattern PII + injection + lists`, () => bus.request(guardrailCheckInput, { requestId: 'b', policies: [patternsAndInjection], segments }), 2000);
  } finally {
    await service.stop();
    await bus.close();
  }
}
console.log('Round trip of guardrail.v1.check_input as the API sees it:');
await roundTrip('in-process bus', createMemoryBus());
if (process.argv.includes('--nats')) {
  const url = process.env.NATS_URL;
  if (!url) throw new Error('--nats needs NATS_URL');
  await roundTrip('NATS (same machine)', await createNatsBus({ url, name: 'guardrail-bench', namespace: `bench${process.pid}` }));
}
