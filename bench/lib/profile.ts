import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Summary of a V8 CPU profile (`node --cpu-prof`) restricted to time windows (the benchmark's gateway
 * phases): where the CPU went, by function (self time) and by area (workspace folder, npm package, Node
 * internals), self and inclusive.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) samples in the windows. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number;
  /** CPU time the samples account for in the windows (idle excluded). */
  busyMs: number;
  selfByFunction: Share[];
  selfByArea: Share[];
  inclusiveByArea: Share[];
  /** Inclusive time of functions of the workspace (apps/, packages/). */
  inclusiveWorkspaceFunctions: Share[];
  /** Every busy sample in exactly one bucket (see `buckets`). */
  byBucket: Share[];
}

/**
 * Buckets of the gateway's work, tried in order against the whole stack of a sample (leaf to root);
 * the first that matches takes the sample. Async continuations have short stacks, so the order puts
 * the most specific markers first.
 */
const buckets: ReadonlyArray<{ name: string; markers: readonly string[] }> = [
  { name: 'garbage collector', markers: ['(garbage collector)'] },
  // Not 'wasm://': undici's HTTP parser (llhttp) is WebAssembly too; PGlite's frames sit under pglite.
  { name: 'database (PGlite, Kysely, pg; ledger inserts)', markers: ['pglite', 'kysely', 'node_modules/pg/', 'apps/ledger'] },
  { name: 'usage records (recorder, durable stream)', markers: ['usage-recorder', 'memory-stream', 'durable-consumer', 'publishDurable'] },
  { name: 'router plan over the bus (bus, router, codec, NATS client)', markers: ['packages/bus', 'apps/router', '@nats-io'] },
  { name: 'OpenTelemetry (spans, context, propagation)', markers: ['@opentelemetry', 'request-span'] },
  { name: 'metrics (prom-client)', markers: ['prom-client'] },
  { name: 'logging (pino)', markers: ['/pino', 'pino/'] },
  { name: 'provider call (packages/providers: undici fetch, web streams, abort signals, response parsing)', markers: ['undici', 'webstreams', 'abort_controller', 'js_transferable', 'JSTransferable', 'packages/providers'] },
  { name: 'zod validation', markers: ['zod'] },
  { name: 'Fastify (routing, hooks, serialisation, response write)', markers: ['fastify', 'apps/api'] },
  { name: 'Node HTTP server and sockets', markers: ['_http_', 'node:net', 'stream_base_commons'] },
  { name: 'async_hooks / AsyncLocalStorage', markers: ['async_hooks'] },
];

function areaOf(frame: CallFrame, root: string): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: V8/native outside JS)';
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(root)') return '(root)';
    return '(native)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '?');
    return `npm:${name}`;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts.slice(0, parts[1] === 'deps' ? 3 : 2).join('/')}`;
  }
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(root)) {
    const parts = path.slice(root.length).replace(/^\//, '').split('/');
    return parts.slice(0, 2).join('/');
  }
  return path;
}

function frameName(frame: CallFrame, root: string): string {
  const url = frame.url.replace(/^file:\/\//, '').replace(root, '').replace(/^\//, '');
  const location = frame.url === '' ? '' : ` ${url.replace(/^.*\/node_modules\//, '')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${location}`;
}

function top(map: Map<string, number>, busy: number, count: number, intervalMs: number): Share[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, samples]) => ({ name, ms: samples * intervalMs, percent: busy > 0 ? (100 * samples) / busy : 0 }));
}

export function summarizeProfile(
  file: string,
  windows: ReadonlyArray<readonly [number, number]>,
  root: string,
  count = 25,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfByFunction = new Map<string, number>();
  const selfByArea = new Map<string, number>();
  const inclusiveByArea = new Map<string, number>();
  const inclusiveWorkspace = new Map<string, number>();
  const byBucket = new Map<string, number>();
  let busy = 0;
  let inWindow = 0;
  let time = profile.startTime;
  let deltaSum = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    time += delta;
    if (!windows.some(([from, to]) => time >= from && time <= to)) continue;
    inWindow += 1;
    deltaSum += delta;
    const node = byId.get(profile.samples[index] ?? -1);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += 1;
    const area = areaOf(node.callFrame, root);
    const name = frameName(node.callFrame, root);
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + 1);
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + 1);
    const areas = new Set<string>();
    const functions = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) break;
      areas.add(areaOf(frame, root));
      const frameArea = areaOf(frame, root);
      if (frameArea.startsWith('apps/') || frameArea.startsWith('packages/')) functions.add(frameName(frame, root));
    }
    const stack: string[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame) stack.push(`${frame.functionName} ${frame.url}`);
    }
    const bucket = buckets.find((candidate) => candidate.markers.some((marker) => stack.some((entry) => entry.includes(marker))));
    const bucketName = bucket?.name ?? 'other (event loop, microtasks, timers, native)';
    byBucket.set(bucketName, (byBucket.get(bucketName) ?? 0) + 1);
    for (const area of areas) inclusiveByArea.set(area, (inclusiveByArea.get(area) ?? 0) + 1);
    for (const name of functions) inclusiveWorkspace.set(name, (inclusiveWorkspace.get(name) ?? 0) + 1);
  }
  const intervalMs = inWindow > 0 ? deltaSum / inWindow / 1000 : 0;
  inclusiveByArea.delete('(root)');
  return {
    file,
    windowMs: windows.reduce((sum, [from, to]) => sum + (to - from) / 1000, 0),
    busyMs: busy * intervalMs,
    selfByFunction: top(selfByFunction, busy, count, intervalMs),
    selfByArea: top(selfByArea, busy, count, intervalMs),
    inclusiveByArea: top(inclusiveByArea, busy, count, intervalMs),
    inclusiveWorkspaceFunctions: top(inclusiveWorkspace, busy, count, intervalMs),
    byBucket: top(byBucket, busy, buckets.length + 1, intervalMs),
  };
}

export interface PhaseWindow {
  scenario: string;
  target: string;
  monotonicUs: [number, number];
}

export interface ProfileReport {
  file: string;
  process: string;
  /** The main windows (the gateway phases of the highest fixed rate). */
  main: ProfileSummary;
  /** Buckets per scenario (its gateway phases), in ms of sampled CPU per gateway request. */
  byScenario: Array<{ scenario: string; sampledMsPerRequest: number; byBucket: Array<{ name: string; msPerRequest: number; percent: number }> }>;
}

/** Summaries of every `<pid>.cpuprofile` in `directory` with enough samples in the windows. */
export function buildProfileReports(options: {
  directory: string;
  root: string;
  /** Command line by pid. */
  processes: Record<number, string>;
  mainWindows: ReadonlyArray<readonly [number, number]>;
  phaseWindows: readonly PhaseWindow[];
  /** Requests sent through the gateway, by scenario id. */
  requests: Record<string, number>;
}): ProfileReport[] {
  const reports: ProfileReport[] = [];
  for (const name of readdirSync(options.directory).filter((entry) => entry.endsWith('.cpuprofile'))) {
    const file = join(options.directory, name);
    const main = summarizeProfile(file, options.mainWindows, options.root);
    if (main.busyMs < 50) continue;
    const pid = Number(/(\d+)\.cpuprofile$/.exec(name)?.[1]);
    const byScenario = Object.entries(options.requests).map(([scenario, sent]) => {
      const windows = options.phaseWindows
        .filter((window) => window.scenario === scenario && window.target === 'gateway')
        .map((window) => window.monotonicUs);
      const profile = summarizeProfile(file, windows, options.root);
      const requests = Math.max(sent, 1);
      return {
        scenario,
        sampledMsPerRequest: profile.busyMs / requests,
        byBucket: profile.byBucket.map((share) => ({ name: share.name, msPerRequest: share.ms / requests, percent: share.percent })),
      };
    });
    reports.push({ file, process: options.processes[pid] ?? `pid ${pid}`, main, byScenario });
  }
  return reports.sort((a, b) => b.main.busyMs - a.main.busyMs);
}

export function formatProfileReports(reports: readonly ProfileReport[], mainName: string): string {
  const lines: string[] = [];
  const show = (title: string, list: readonly Share[]): void => {
    lines.push(`-- ${title}`);
    for (const entry of list) lines.push(`${entry.percent.toFixed(1).padStart(6)}%  ${entry.name}`);
  };
  for (const report of reports) {
    const main = report.main;
    lines.push(
      '',
      `== CPU profile of ${report.process} (${report.file}): ${main.busyMs.toFixed(0)} ms busy in ${main.windowMs.toFixed(0)} ms of ${mainName} gateway load`,
    );
    show('by bucket (each sample once, first matching bucket)', main.byBucket);
    show('self time by area', main.selfByArea.slice(0, 15));
    show('inclusive time by area', main.inclusiveByArea.slice(0, 20));
    show('self time by function', main.selfByFunction.slice(0, 25));
    show('inclusive time, workspace functions', main.inclusiveWorkspaceFunctions.slice(0, 25));
    for (const scenario of report.byScenario) {
      lines.push(`-- ${scenario.scenario}: ${scenario.sampledMsPerRequest.toFixed(3)} ms sampled per gateway request`);
      for (const bucket of scenario.byBucket) {
        lines.push(`${bucket.msPerRequest.toFixed(3).padStart(8)} ms ${bucket.percent.toFixed(1).padStart(5)}%  ${bucket.name}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
