/**
 * `npm run bench [-- --servers] [-- --cpu-prof]`: the gateway's added latency and CPU per request
 * against the fake provider (fixed 50 ms answer delay), at a fixed request rate and at a fixed
 * concurrency, compared with calling the fake provider directly in the same run. See bench/README.md.
 *
 * Three processes never share an event loop: this one generates the load and measures; the fake
 * provider and the gateway run as child processes (`node --import tsx …`), so the gateway's CPU time is
 * read from /proc for its processes alone.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, killAllChildrenNow, sleep, startFakeProviderChild, startNodeChild, stopAllChildren, waitForOk, type Child } from './lib/children.ts';
import { runFixedConcurrency, runFixedRate, type PhaseResult, type Target } from './lib/load.ts';
import { snapshot, spent, type Pids } from './lib/meter.ts';
import { commandLine, machineCpuMs, pidsByCommand, processTree, totalMemory } from './lib/proc.ts';
import { buildProfileReports, formatProfileReports, type ProfileReport } from './lib/profile.ts';
import { formatOverview, formatScenario, summarizeScenario, type IdleRates, type PhaseRecord, type ScenarioSummary } from './lib/report.ts';
import { rounded } from './lib/stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: flags } = parseArgs({
  options: {
    servers: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    rate: { type: 'string', default: '500' },
    'rate-seconds': { type: 'string', default: '20' },
    connections: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '1,50' },
    'concurrency-seconds': { type: 'string', default: '15' },
    'stream-seconds': { type: 'string', default: '10' },
    'warmup-seconds': { type: 'string', default: '3' },
    'latency-ms': { type: 'string', default: '50' },
    'wait-for-quiet': { type: 'string', default: '0' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (flags.help) {
  process.stdout.write(`npm run bench -- [options]
  --servers                 gateway on DATABASE_URL, REDIS_URL, NATS_URL (api, router, ledger as processes)
  --cpu-prof                CPU-profile the gateway process(es) and print where the time goes
  --rate N[,N…]             fixed-rate scenario(s), requests per second (500); a list runs one per rate
  --rate-seconds S          its duration per target (20)
  --connections N           sockets available to the fixed-rate load (100)
  --concurrency N[,N…]      fixed-concurrency scenario(s), connections (1,50: one request at a time, then 50)
  --concurrency-seconds S   their duration per target (15; 0 skips them)
  --stream-seconds S        streaming scenario at the fixed rate, per target (10; 0 skips it)
  --warmup-seconds S        warm-up of each target at the fixed rate (3)
  --latency-ms N            the fake provider's answer delay (50)
  --wait-for-quiet S        first wait up to S seconds until other processes use < 0.2 cores (0)
`);
  process.exit(0);
}

function positive(name: string, text: string | undefined, allowZero = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new Error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return value;
}

const rates = (flags.rate ?? '500').split(',').map((part) => positive('rate', part.trim()));
const settings = {
  mode: flags.servers ? 'servers' : 'embedded',
  rates,
  /** The highest: warm-up, streaming and the profile windows use it. */
  rate: Math.max(...rates),
  rateSeconds: positive('rate-seconds', flags['rate-seconds']),
  connections: Math.round(positive('connections', flags.connections)),
  concurrency: (flags.concurrency ?? '50').split(',').map((part) => Math.round(positive('concurrency', part.trim()))),
  concurrencySeconds: positive('concurrency-seconds', flags['concurrency-seconds'], true),
  streamSeconds: positive('stream-seconds', flags['stream-seconds'], true),
  warmupSeconds: positive('warmup-seconds', flags['warmup-seconds'], true),
  latencyMs: positive('latency-ms', flags['latency-ms'], true),
  waitForQuietSeconds: positive('wait-for-quiet', flags['wait-for-quiet'], true),
  cpuProfile: flags['cpu-prof'] === true,
} as const;
const requestTimeoutMs = 10_000;
const idleSeconds = 5;
const settleSeconds = 2;
const model = 'fast';
const upstreamModel = 'gpt-4o-mini';

/** The whole run is bounded: past this the benchmark stops its children and fails. */
const budgetMs =
  (2 *
    (settings.warmupSeconds +
      settings.rates.length * settings.rateSeconds +
      settings.concurrency.length * settings.concurrencySeconds +
      settings.streamSeconds) +
    20 * (settings.rates.length + settings.concurrency.length + 1) +
    300 +
    settings.waitForQuietSeconds) *
  1000;

const log = (text: string): void => void process.stderr.write(`${text}\n`);

interface Cleanup {
  directory?: string;
  keepDirectory?: boolean;
  databaseUrl?: string;
  natsNamespace?: string;
}
const cleanup: Cleanup = {};

async function cleanUp(): Promise<void> {
  await stopAllChildren();
  if (cleanup.databaseUrl) {
    try {
      const { dropDatabase } = await import('@gateway/db');
      await dropDatabase(cleanup.databaseUrl);
    } catch (error) {
      log(`could not drop the benchmark database: ${String(error)}`);
    }
  }
  if (cleanup.natsNamespace && process.env.NATS_URL) {
    try {
      await deleteNatsStreams(process.env.NATS_URL, cleanup.natsNamespace);
    } catch (error) {
      log(`could not delete the benchmark's NATS streams: ${String(error)}`);
    }
  }
  if (cleanup.directory && !cleanup.keepDirectory) rmSync(cleanup.directory, { recursive: true, force: true });
}

/** The usage stream keeps messages for days: remove the streams of this run's namespace. */
async function deleteNatsStreams(url: string, namespace: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const connection = await connect({ servers: url, timeout: 5000 });
  try {
    const manager = await jetstreamManager(connection);
    const names: string[] = [];
    for await (const name of manager.streams.names()) if (name.startsWith(`${namespace}_`)) names.push(name);
    for (const name of names) await manager.streams.delete(name);
  } finally {
    await connection.close();
  }
}

function gatewayYaml(fakeUrl: string): string {
  return `providers:
  - name: fake
    type: openai-compatible
    base_url: ${fakeUrl}
    api_key: \${FAKE_PROVIDER_KEY}
    timeout_ms: ${requestTimeoutMs}
models:
  - name: ${model}
    targets:
      - { provider: fake, model: ${upstreamModel}, weight: 1 }
`;
}

function chatBody(modelName: string, stream: boolean): string {
  return JSON.stringify({
    model: modelName,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello in one short sentence.' },
    ],
    max_tokens: 32,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

interface Running {
  fake: Child;
  fakeUrl: string;
  fakeKey: string;
  gateway: Child;
  gatewayOrigin: string;
  gatewayKey: string;
  masterKey: string;
  profileDirectory: string | undefined;
}

async function startProcesses(): Promise<Running> {
  const directory = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
  cleanup.directory = directory;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'NATS_NAMESPACE', 'GATEWAY_ENCRYPTION_KEY', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'NODE_OPTIONS']) {
    delete baseEnv[name];
  }

  log(`starting the fake provider (latency ${settings.latencyMs} ms) …`);
  const { child: fake, url: fakeUrl, key: fakeKey } = await startFakeProviderChild(root, baseEnv, settings.latencyMs);

  const configPath = join(directory, 'gateway.yaml');
  writeFileSync(configPath, gatewayYaml(fakeUrl));
  const masterKey = `master-${randomBytes(16).toString('hex')}`;
  const ports = { api: await freePort(), router: await freePort(), ledger: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    PORT: String(ports.api),
    ROUTER_PORT: String(ports.router),
    LEDGER_PORT: String(ports.ledger),
    HOST: '127.0.0.1',
    GATEWAY_CONFIG: configPath,
    GATEWAY_DATA_DIR: join(directory, 'data'),
    GATEWAY_MASTER_KEY: masterKey,
    FAKE_PROVIDER_KEY: fakeKey,
    LOG_LEVEL: 'warn',
    ADMIN_ENABLED: 'false',
  };
  if (settings.mode === 'servers') {
    const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, NATS_URL: natsUrl } = process.env;
    if (!databaseUrl || !redisUrl || !natsUrl) throw new Error('--servers needs DATABASE_URL, REDIS_URL and NATS_URL');
    const { databaseUrlWithName, ensureDatabaseExists } = await import('@gateway/db');
    const name = `bench_${process.pid}_${Date.now().toString(36)}`;
    cleanup.databaseUrl = databaseUrlWithName(databaseUrl, name);
    await ensureDatabaseExists(cleanup.databaseUrl);
    cleanup.natsNamespace = name;
    Object.assign(env, {
      DATABASE_URL: cleanup.databaseUrl,
      REDIS_URL: redisUrl,
      NATS_URL: natsUrl,
      NATS_NAMESPACE: name,
      GATEWAY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
  }
  let profileDirectory: string | undefined;
  if (settings.cpuProfile) {
    profileDirectory = join(directory, 'profiles');
    mkdirSync(profileDirectory);
    cleanup.keepDirectory = true;
    // Through NODE_OPTIONS so the services the launcher starts are profiled too.
    env.NODE_OPTIONS = `--import=${pathToFileURL(join(root, 'bench/lib/cpu-profile-preload.mjs')).href}`;
    env.BENCH_CPU_PROFILE_DIR = profileDirectory;
  }

  log(`starting the gateway (${settings.mode}) …`);
  const gateway = startNodeChild('gateway', join(root, 'apps/gateway/src/main.ts'), env, root);
  const gatewayOrigin = `http://127.0.0.1:${ports.api}`;
  await waitForOk(`${gatewayOrigin}/ready`, gateway, 120_000);
  if (settings.mode === 'servers') {
    await waitForOk(`http://127.0.0.1:${ports.router}/ready`, gateway, 60_000);
    await waitForOk(`http://127.0.0.1:${ports.ledger}/ready`, gateway, 60_000);
  }
  const created = await fetch(`${gatewayOrigin}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  const createdBody = (await created.json()) as { key?: string };
  if (created.status !== 201 || typeof createdBody.key !== 'string') {
    throw new Error(`creating a gateway key failed: ${created.status} ${JSON.stringify(createdBody)}`);
  }
  return { fake, fakeUrl, fakeKey, gateway, gatewayOrigin, gatewayKey: createdBody.key, masterKey, profileDirectory };
}

function targets(running: Running, stream: boolean): { direct: Target; gateway: Target } {
  return {
    direct: {
      name: 'direct',
      url: `${running.fakeUrl}/chat/completions`,
      headers: { authorization: `Bearer ${running.fakeKey}` },
      body: chatBody(upstreamModel, stream),
      stream,
    },
    gateway: {
      name: 'gateway',
      url: `${running.gatewayOrigin}/v1/chat/completions`,
      headers: { authorization: `Bearer ${running.gatewayKey}` },
      body: chatBody(model, stream),
      stream,
    },
  };
}

const workarounds: string[] = [];

/**
 * One request to each target, checked for a real completion, before any load. In services mode the
 * router can start with an empty catalog when it loads before the API has reconciled gateway.yaml and
 * has not yet subscribed when the API announces the change (a start-up race in the gateway): then a
 * model added through the admin API makes every service reload, and the preflight tries again.
 */
async function preflight(running: Running): Promise<void> {
  const deadline = Date.now() + 30_000;
  let nudged = false;
  for (const target of Object.values(targets(running, false))) {
    for (;;) {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: target.body,
      });
      const body = (await response.json()) as { choices?: Array<{ message?: { content?: string } }>; error?: { code?: string } };
      const content = body.choices?.[0]?.message?.content;
      if (response.status === 200 && typeof content === 'string') break;
      if (target.name === 'gateway' && body.error?.code === 'model_not_found' && Date.now() < deadline) {
        if (!nudged) {
          nudged = true;
          workarounds.push('the router started without the models of gateway.yaml (start-up race); a model added through the admin API made it reload');
          log('the router does not know the configured model yet: adding a model through the admin API to make it reload');
          const created = await fetch(`${running.gatewayOrigin}/admin/v1/models`, {
            method: 'POST',
            headers: { authorization: `Bearer ${running.masterKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'bench-reload', targets: [{ provider: 'fake', model: upstreamModel }] }),
          });
          if (created.status !== 201) throw new Error(`adding a model failed: ${created.status} ${await created.text()}`);
        }
        await sleep(500);
        continue;
      }
      throw new Error(`preflight ${target.name}: ${response.status} ${JSON.stringify(body)}`);
    }
  }
}

function gatewayPids(running: Running): number[] {
  return processTree(running.gateway.pid);
}

const infraCommands = ['postgres', 'redis-server', 'nats-server'];

function currentPids(running: Running): Pids {
  return {
    gateway: gatewayPids(running),
    fake: processTree(running.fake.pid),
    infra: settings.mode === 'servers' ? pidsByCommand(infraCommands) : [],
  };
}

/** Runs one phase with CPU readings of every process around it. */
async function measured(running: Running, run: () => Promise<PhaseResult>): Promise<PhaseRecord> {
  const before = snapshot(currentPids(running));
  const result = await run();
  return { result, cpu: spent(before, snapshot(before.pids)) };
}

/** CPU the gateway (and the servers) spend with no load at all: timers, metrics, consumers polling. */
async function idleRates(running: Running, seconds: number): Promise<IdleRates> {
  const before = snapshot(currentPids(running));
  await sleep(seconds * 1000);
  const used = spent(before, snapshot(before.pids));
  return {
    seconds: used.seconds,
    gatewayMsPerSecond: used.gateway / used.seconds,
    gatewayByProcessMsPerSecond: Object.fromEntries(Object.entries(used.gatewayByProcess).map(([name, ms]) => [name, ms / used.seconds])),
    infraMsPerSecond: used.infra / used.seconds,
    otherProcessesCores: used.others / 1000 / used.seconds,
  };
}

interface Scenario {
  id: string;
  title: string;
  stream: boolean;
  seconds: number;
  settings: ScenarioSummary['settings'];
  run(target: Target, seconds: number): Promise<PhaseResult>;
}

function scenarios(): Scenario[] {
  const rate = (target: Target, seconds: number): Promise<PhaseResult> =>
    runFixedRate(target, { rate: settings.rate, seconds, connections: settings.connections, timeoutMs: requestTimeoutMs });
  const list: Scenario[] = settings.rates.map((perSecond) => ({
    id: `fixed-rate-${perSecond}`,
    title: `fixed rate: ${perSecond} req/s for ${settings.rateSeconds} s per target (up to ${settings.connections} connections), non-streaming`,
    stream: false,
    seconds: settings.rateSeconds,
    settings: { rate: perSecond, seconds: settings.rateSeconds, connections: settings.connections, stream: false },
    run: (target: Target, seconds: number) =>
      runFixedRate(target, { rate: perSecond, seconds, connections: settings.connections, timeoutMs: requestTimeoutMs }),
  }));
  if (settings.concurrencySeconds > 0) {
    for (const connections of settings.concurrency) {
      list.push({
        id: `fixed-concurrency-${connections}`,
        title: `fixed concurrency: ${connections} connection${connections === 1 ? '' : 's'} for ${settings.concurrencySeconds} s per target, non-streaming`,
        stream: false,
        seconds: settings.concurrencySeconds,
        settings: { connections, seconds: settings.concurrencySeconds, stream: false },
        run: (target, seconds) => runFixedConcurrency(target, { connections, seconds, timeoutMs: requestTimeoutMs }),
      });
    }
  }
  if (settings.streamSeconds > 0) {
    list.push({
      id: 'fixed-rate-stream',
      title: `fixed rate, streaming: ${settings.rate} req/s for ${settings.streamSeconds} s per target (up to ${settings.connections} connections)`,
      stream: true,
      seconds: settings.streamSeconds,
      settings: { rate: settings.rate, seconds: settings.streamSeconds, connections: settings.connections, stream: true },
      run: rate,
    });
  }
  return list;
}

function gitState(): { commit: string; changedOutsideBench: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .map((line) => line.slice(3))
      .filter((path) => path.length > 0 && !path.startsWith('bench/'));
    return { commit, changedOutsideBench: changed };
  } catch {
    return { commit: 'unknown', changedOutsideBench: [] };
  }
}

/** Cores the whole machine keeps busy over `seconds` (before our processes exist, that is others' load). */
async function machineLoad(seconds: number): Promise<number> {
  const before = machineCpuMs();
  await sleep(seconds * 1000);
  const after = machineCpuMs();
  return (after.busy - before.busy) / 1000 / seconds;
}

async function main(): Promise<void> {
  let othersAtStart = await machineLoad(2);
  const quietDeadline = Date.now() + settings.waitForQuietSeconds * 1000;
  while (othersAtStart >= 0.2 && Date.now() < quietDeadline) {
    log(`other processes keep ${othersAtStart.toFixed(2)} cores busy; waiting for a quieter machine …`);
    othersAtStart = await machineLoad(5);
  }
  if (othersAtStart >= 0.2) log(`warning: other processes keep ${othersAtStart.toFixed(2)} cores busy; figures will be disturbed`);
  const started = new Date();
  const git = gitState();
  const running = await startProcesses();
  await preflight(running);
  const processes = gatewayPids(running).map((pid) => `${pid} ${commandLine(pid)}`);
  log(`gateway processes: ${processes.join(', ')}`);
  const memoryAtStartMiB = { gateway: totalMemory(gatewayPids(running)), fake: totalMemory(processTree(running.fake.pid)) };

  if (settings.warmupSeconds > 0) {
    log(`warming up (${settings.warmupSeconds} s per target) …`);
    for (const stream of [false, true]) {
      const pair = targets(running, stream);
      const seconds = stream ? Math.min(1, settings.warmupSeconds) : settings.warmupSeconds;
      for (const target of [pair.gateway, pair.direct]) {
        await runFixedRate(target, { rate: settings.rate, seconds, connections: settings.connections, timeoutMs: requestTimeoutMs });
      }
    }
    await sleep(1000);
  }

  log(`measuring idle CPU (${idleSeconds} s) …`);
  await sleep(2000);
  const idle = await idleRates(running, idleSeconds);
  process.stdout.write(
    `other processes: ${idle.otherProcessesCores.toFixed(2)} cores busy; gateway idle CPU: ${idle.gatewayMsPerSecond.toFixed(1)} ms/s${settings.mode === 'servers' ? `; postgres+redis+nats idle: ${idle.infraMsPerSecond.toFixed(1)} ms/s` : ''}\n`,
  );

  const summaries: ScenarioSummary[] = [];
  const phaseWindows: Array<{ scenario: string; target: string; monotonicUs: [number, number] }> = [];
  const profileWindows: Array<readonly [number, number]> = [];
  for (const scenario of scenarios()) {
    const pair = targets(running, scenario.stream);
    // Two halves in the order direct, gateway, gateway, direct, so a drift over time (heap growth, a
    // noisy neighbour) weighs on both targets alike.
    const half = scenario.seconds / 2;
    const records: Record<'direct' | 'gateway', PhaseRecord[]> = { direct: [], gateway: [] };
    const start = snapshot(currentPids(running));
    for (const which of ['direct', 'gateway', 'gateway', 'direct'] as const) {
      log(`${scenario.id}: ${which} (${half} s) …`);
      const record = await measured(running, () => scenario.run(pair[which], half));
      records[which].push(record);
      phaseWindows.push({ scenario: scenario.id, target: which, monotonicUs: [record.result.monotonicStartUs, record.result.monotonicEndUs] });
      if (which === 'gateway' && scenario.id === `fixed-rate-${settings.rate}`) {
        profileWindows.push([record.result.monotonicStartUs, record.result.monotonicEndUs]);
      }
      await sleep(500);
    }
    // A settling tail: work the gateway deferred (usage inserts) is part of the requests' cost.
    await sleep(settleSeconds * 1000);
    const whole = spent(start, snapshot(start.pids));
    const memoryMiB = { gateway: totalMemory(gatewayPids(running)), fake: totalMemory(processTree(running.fake.pid)) };
    const summary = summarizeScenario(scenario.id, scenario.title, scenario.settings, records.direct, records.gateway, whole, idle, memoryMiB);
    summaries.push(summary);
    process.stdout.write(`${formatScenario(summary, settings.mode === 'servers')}\n`);
  }

  process.stdout.write(`${formatOverview(summaries, { rate: 500, p50: 1, p99: 3 })}\n`);

  const gatewayCommands = Object.fromEntries(gatewayPids(running).map((pid) => [pid, commandLine(pid)]));
  await stopAllChildren();

  const profiles: ProfileReport[] = running.profileDirectory
    ? buildProfileReports({
        directory: running.profileDirectory,
        root,
        processes: gatewayCommands,
        mainWindows: profileWindows,
        phaseWindows,
        requests: Object.fromEntries(summaries.map((summary) => [summary.id, summary.gateway.sent])),
      })
    : [];
  if (running.profileDirectory) {
    process.stdout.write(formatProfileReports(profiles, `fixed-rate-${settings.rate}`));
    process.stdout.write(`\nprofiles kept in ${running.profileDirectory}\n`);
  }

  const cpu = cpus();
  const report = {
    date: started.toISOString(),
    mode: settings.mode,
    cpuProfiled: settings.cpuProfile,
    machine: { cores: cpu.length, cpu: cpu[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
    git,
    settings: { ...settings, requestTimeoutMs, model, upstreamModel },
    /** Command line by pid. */
    gatewayProcesses: gatewayCommands,
    memoryAtStartMiB,
    /** Cores other processes kept busy just before the run, and the load averages then. */
    machineAtStart: { otherProcessesCores: othersAtStart, loadAverage: loadavg() },
    workarounds,
    idle,
    scenarios: summaries,
    phaseWindows,
    /** Monotonic µs windows of the profiled phases (gateway, highest fixed rate). */
    profileWindows,
    profiles,
  };
  const directory = join(root, 'bench/results');
  mkdirSync(directory, { recursive: true });
  // Runs with other rates or concurrencies than the defaults get their own file.
  const rateSuffix = settings.rates.join(',') === '500' ? '' : `-rates-${settings.rates.join('_')}`;
  const concurrencySuffix =
    settings.concurrencySeconds === 0 ? '-no-concurrency' : settings.concurrency.join(',') === '1,50' ? '' : `-concurrency-${settings.concurrency.join('_')}`;
  const name = `${started.toISOString().slice(0, 10)}-${settings.mode}${rateSuffix}${concurrencySuffix}${settings.cpuProfile ? '-cpuprof' : ''}`;
  const file = join(directory, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(rounded(report), null, 2)}\n`);
  process.stdout.write(`\nresults written to ${file.replace(root, '')}\n`);
  if (settings.cpuProfile) process.stdout.write('(figures measured under the CPU profiler: use them for where the time goes, not as results)\n');
}

const watchdog = setTimeout(() => {
  log(`the benchmark exceeded its ${budgetMs / 1000} s budget; stopping`);
  void cleanUp().finally(() => process.exit(1));
}, budgetMs);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}
process.once('exit', killAllChildrenNow);

try {
  await main();
  await cleanUp();
  clearTimeout(watchdog);
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  await cleanUp();
  process.exit(1);
}
