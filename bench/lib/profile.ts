import { readFileSync } from 'node:fs';

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
  { name: 'embedded database (PGlite, Kysely, ledger inserts)', markers: ['pglite', 'wasm://', 'kysely', 'apps/ledger'] },
  { name: 'usage records (recorder, durable stream)', markers: ['usage-recorder', 'memory-stream', 'durable-consumer', 'publishDurable'] },
  { name: 'router plan over the bus (bus, router, codec)', markers: ['packages/bus', 'apps/router'] },
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
