/**
 * `npm run bench:cache-hit [-- --servers]`: the latency of a cache hit end to end through the API (the
 * client's view: request sent to last byte), for an exact hit (JSON and SSE) and a semantic hit, one
 * request at a time, then the throughput of exact hits with 50 connections. The fake provider answers
 * in 50 ms, so a miss costs at least that; a hit never reaches it.
 *
 * The gateway runs as a child process (embedded by default; `--servers`: api, router, ledger and cache
 * as processes on DATABASE_URL, REDIS_URL and NATS_URL). Before each scenario one request primes the
 * cache; after it, the cache service's own counters confirm that every measured request was a hit.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllChildrenNow } from './lib/children.ts';
import { startGatewayChild } from './lib/gateway-child.ts';
import { runFixedConcurrency, type PhaseResult, type Target } from './lib/load.ts';
import { distribution } from './lib/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: flags } = parseArgs({
  options: {
    servers: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (flags.help) {
  process.stdout.write('npm run bench:cache-hit -- [--servers] [--seconds S (10, per scenario)]\n');
  process.exit(0);
}
const seconds = Number(flags.seconds);
const mode = flags.servers ? 'servers' : 'embedded';

const gatewayYaml = (fakeUrl: string) => `providers:
  - name: fake
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: \${FAKE_PROVIDER_KEY}
models:
  - name: cached
    cache: { mode: exact, ttl: 3600 }
    targets:
      - { provider: fake, model: gpt-4o-mini }
  - name: similar
    cache: { mode: semantic, ttl: 3600, semantic: { threshold: 0.9 } }
    targets:
      - { provider: fake, model: gpt-4o-mini }
`;

const chat = (model: string, content: string, stream = false) =>
  JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content },
    ],
    ...(stream ? { stream: true } : {}),
  });

const log = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  const gateway = await startGatewayChild({ root, mode, latencyMs: 50, gatewayYaml, log });
  const { origin, headers } = gateway;
  const metricsUrl = mode === 'servers' ? `http://127.0.0.1:${gateway.ports.cache}/metrics` : `${origin}/metrics`;

  /** Hits (exact and semantic) the cache service has answered so far. */
  const hits = async (): Promise<number> => {
    const text = await (await fetch(metricsUrl)).text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('gateway_cache_lookups_total{') && /result="(hit|semantic_hit)"/.test(line)) total += Number(line.split(' ').at(-1));
    }
    return total;
  };

  const scenario = async (name: string, prime: string, measured: string, stream: boolean, connections: number, expected: string) => {
    const primed = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers, body: prime });
    await primed.text();
    // The store is not awaited by the response: wait until the entry answers.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const probe = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers, body: measured });
      await probe.text();
      if (probe.headers.get('x-gateway-cache') === expected) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const target: Target = { name, url: `${origin}/v1/chat/completions`, headers, body: measured, stream };
    // Warm-up (JIT, sockets), then the measured run.
    await runFixedConcurrency(target, { connections, seconds: 1, timeoutMs: 10_000 });
    const before = await hits();
    const result: PhaseResult = await runFixedConcurrency(target, { connections, seconds, timeoutMs: 10_000 });
    const answeredByCache = (await hits()) - before;
    const latency = distribution(result.latenciesMs);
    const overhead = distribution(result.overheadHeaderMs);
    return {
      scenario: name,
      connections,
      requests: result.completed,
      ok: result.ok,
      hitsCounted: answeredByCache,
      perSecond: Math.round(result.ok / (result.durationMs / 1000)),
      p50Ms: latency.p50,
      p90Ms: latency.p90,
      p99Ms: latency.p99,
      overheadHeaderP50Ms: overhead.p50,
    };
  };

  const rows = [
    await scenario('exact hit, JSON', chat('cached', 'Say hello in one short sentence.'), chat('cached', 'Say hello in one short sentence.'), false, 1, 'HIT'),
    await scenario('exact hit, SSE', chat('cached', 'Stream a hello.', true), chat('cached', 'Stream a hello.', true), true, 1, 'HIT'),
    await scenario(
      'semantic hit (local embedder)',
      chat('similar', 'What is the capital city of France?'),
      chat('similar', 'What is the capital city of France, please?'),
      false,
      1,
      'SEMANTIC_HIT',
    ),
    await scenario('exact hit, JSON, 50 connections', chat('cached', 'Say hello in one short sentence.'), chat('cached', 'Say hello in one short sentence.'), false, 50, 'HIT'),
  ];
  process.stdout.write(`\ncache hits end to end through the API (${mode}; fake provider 50 ms; ${seconds} s per scenario)\n\n`);
  process.stdout.write('| scenario | conns | requests | counted as hits | req/s | p50 ms | p90 ms | p99 ms | overhead header p50 ms |\n|---|---|---|---|---|---|---|---|---|\n');
  for (const row of rows) {
    const fixed = (value: number) => value.toFixed(2);
    process.stdout.write(
      `| ${row.scenario} | ${row.connections} | ${row.ok}/${row.requests} | ${row.hitsCounted} | ${row.perSecond} | ${fixed(row.p50Ms)} | ${fixed(row.p90Ms)} | ${fixed(row.p99Ms)} | ${fixed(row.overheadHeaderP50Ms)} |\n`,
    );
  }
  await gateway.stop();
}

try {
  await main();
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
  killAllChildrenNow();
}
