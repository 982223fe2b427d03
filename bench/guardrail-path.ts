/**
 * `npm run bench:guardrail-path [-- --servers]`: the latency guardrails add on the request path, end to
 * end through the API. The same 2 KB prompt goes, one request at a time, to a model without policies
 * and to models with the issue's `pii-safe` policy (input: PII redaction with restore, injection score;
 * output: a regex), JSON and streamed; the difference of the medians is what the guardrails cost.
 * The fake provider answers at once (latency 0), so the gateway's own time is what is measured.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllChildrenNow } from './lib/children.ts';
import { startGatewayChild } from './lib/gateway-child.ts';
import { runFixedConcurrency, type Target } from './lib/load.ts';
import { distribution } from './lib/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: { servers: { type: 'boolean', default: false }, seconds: { type: 'string', default: '10' }, help: { type: 'boolean', default: false } },
  strict: true,
});
if (flags.help) {
  process.stdout.write('npm run bench:guardrail-path -- [--servers] [--seconds S (10, per scenario)]\n');
  process.exit(0);
}
const seconds = Number(flags.seconds);
const mode = flags.servers ? 'servers' : 'embedded';
const log = (message: string) => process.stderr.write(`${message}\n`);

const gatewayYaml = (fakeUrl: string) => `providers:
  - name: fake
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: \${FAKE_PROVIDER_KEY}
guardrails:
  - name: pii-safe
    checks:
      - { type: pii, entities: [EMAIL_ADDRESS, CREDIT_CARD, US_SSN], action: redact, phase: input, reversible: true }
      - { type: prompt_injection, threshold: 0.8, action: deny, phase: input }
      - { type: regex, pattern: "(?i)internal only", action: deny, phase: output }
    on_error: fail_closed
models:
  - name: plain
    targets:
      - { provider: fake, model: gpt-4o-mini }
  - name: guarded
    guardrails: [pii-safe]
    targets:
      - { provider: fake, model: gpt-4o-mini }
`;

/** About 2 KB of ordinary support prose with two e-mail addresses and a card number to redact. */
const prompt = (() => {
  const sentences = [
    'Hello, I am writing about the invoice we received last week for the annual subscription of our team.',
    'Please send the corrected copy to billing.team@example.com and keep finance@example.org in copy.',
    'The card on file ends differently from the one we gave you, 4111 1111 1111 1111, so please check it.',
    'We would also like to know whether the renewal date can move to the first of the month.',
    'Our procurement department needs the purchase order number printed on every page of the document.',
  ];
  let text = '';
  for (let index = 0; text.length < 2000; index += 1) text += `${sentences[index % sentences.length]} `;
  return text.slice(0, 2048);
})();

const body = (model: string, stream: boolean) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], max_tokens: 50, ...(stream ? { stream: true } : {}) });

async function main(): Promise<void> {
  const gateway = await startGatewayChild({ root, mode, latencyMs: 0, gatewayYaml, log });
  const rows: Array<{ scenario: string; ok: number; requests: number; p50: number; p90: number; p99: number }> = [];
  for (const stream of [false, true]) {
    for (const model of ['plain', 'guarded']) {
      const target: Target = { name: model, url: `${gateway.origin}/v1/chat/completions`, headers: gateway.headers, body: body(model, stream), stream };
      await runFixedConcurrency(target, { connections: 1, seconds: 1, timeoutMs: 10_000 });
      const result = await runFixedConcurrency(target, { connections: 1, seconds, timeoutMs: 10_000 });
      const latency = distribution(result.latenciesMs);
      rows.push({ scenario: `${model}, ${stream ? 'SSE' : 'JSON'}`, ok: result.ok, requests: result.completed, p50: latency.p50, p90: latency.p90, p99: latency.p99 });
    }
  }
  await gateway.stop();
  process.stdout.write(`\nguardrails on the request path (${mode}; 2 KB prompt, policy pii-safe; fake provider 0 ms; ${seconds} s per scenario)\n\n`);
  process.stdout.write('| scenario | ok / requests | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|---|\n');
  for (const row of rows) process.stdout.write(`| ${row.scenario} | ${row.ok}/${row.requests} | ${row.p50.toFixed(2)} | ${row.p90.toFixed(2)} | ${row.p99.toFixed(2)} |\n`);
  for (const form of ['JSON', 'SSE']) {
    const plain = rows.find((row) => row.scenario === `plain, ${form}`)!;
    const guarded = rows.find((row) => row.scenario === `guarded, ${form}`)!;
    process.stdout.write(`added by the guardrails, ${form}: ${(guarded.p50 - plain.p50).toFixed(2)} ms p50, ${(guarded.p99 - plain.p99).toFixed(2)} ms p99\n`);
  }
}

try {
  await main();
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
  killAllChildrenNow();
}
