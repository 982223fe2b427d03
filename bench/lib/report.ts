import { distribution, type Distribution } from './stats.ts';
import { mergePhases, type PhaseResult } from './load.ts';
import type { Memory } from './proc.ts';
import type { CpuSpent } from './meter.ts';

/** One measured phase: what the load generator saw and what the processes spent meanwhile. */
export interface PhaseRecord {
  result: PhaseResult;
  cpu: CpuSpent;
}

/** CPU rates with no load at all (measured once, before the scenarios), ms per second. */
export interface IdleRates {
  seconds: number;
  gatewayMsPerSecond: number;
  gatewayByProcessMsPerSecond: Record<string, number>;
  infraMsPerSecond: number;
  /** Cores kept busy by processes that are not part of the benchmark. */
  otherProcessesCores: number;
}

export interface SideSummary {
  sent: number;
  ok: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  achievedRps: number;
  latencyMs: Distribution;
  /** Time to the response head (interesting for streams). */
  ttfbMs: Distribution;
  /** The gateway's `x-gateway-overhead-ms` header over every 2xx response (gateway side only). */
  overheadHeaderMs: Distribution | null;
  maxInFlight: number;
  sendLagMeanMs: number;
  sendLagMaxMs: number;
  /** CPU ms per completed request during this side's phases (raw, idle included). */
  cpuMsPerRequest: { gateway: number; fake: number; infra: number; loadGenerator: number };
  seconds: number;
  /** Cores busy on the whole machine during this side's phases, and of those, by processes not ours. */
  machine: { busyCores: number; otherProcessesCores: number };
}

export interface ScenarioSummary {
  id: string;
  title: string;
  settings: Record<string, number | boolean | string>;
  direct: SideSummary;
  gateway: SideSummary;
  /** gateway − direct, percentile by percentile. */
  addedMs: { mean: number; p50: number; p90: number; p99: number };
  /** Same target, two halves: |direct first half − direct second half|, a floor for what differences mean. */
  directHalvesDifferenceMs: { p50: number; p99: number };
  gatewayCpu: {
    /**
     * The headline: gateway CPU over the whole scenario (all four phases, the pauses and a settling
     * tail, so work deferred past the response, such as usage inserts, is counted), less the idle
     * rate over the same time, ÷ requests sent through the gateway.
     */
    msPerRequest: number;
    /** The user-mode part of msPerRequest (the rest is kernel time: syscalls, loopback TCP). */
    userMsPerRequest: number;
    /** Gateway CPU during the gateway phases only, idle included, ÷ their requests. */
    duringGatewayPhasesMsPerRequest: number;
    /** By process, as msPerRequest (services mode has several). */
    byProcessMsPerRequest: Record<string, number>;
    /** Share of one core the gateway used during the gateway phases. */
    coresUsed: number;
  };
  /** Postgres + Redis + NATS servers, as gatewayCpu.msPerRequest (services mode). */
  infraCpuMsPerRequest: number;
  memoryMiB: { gateway: Memory; fake: Memory };
}

function side(records: PhaseRecord[]): SideSummary {
  const merged = mergePhases(records.map((record) => record.result));
  const sum = (pick: (record: PhaseRecord) => number): number => records.reduce((total, record) => total + pick(record), 0);
  const perRequest = (value: number): number => (merged.completed > 0 ? value / merged.completed : Number.NaN);
  return {
    sent: merged.sent,
    ok: merged.ok,
    statuses: merged.statuses,
    errors: merged.errors,
    achievedRps: merged.durationMs > 0 ? merged.ok / (merged.durationMs / 1000) : 0,
    latencyMs: distribution(merged.latenciesMs),
    ttfbMs: distribution(merged.ttfbMs),
    overheadHeaderMs: merged.overheadHeaderMs.length > 0 ? distribution(merged.overheadHeaderMs) : null,
    maxInFlight: merged.maxInFlight,
    sendLagMeanMs: merged.sendLagMeanMs,
    sendLagMaxMs: merged.sendLagMaxMs,
    cpuMsPerRequest: {
      gateway: perRequest(sum((record) => record.cpu.gateway)),
      fake: perRequest(sum((record) => record.cpu.fake)),
      infra: perRequest(sum((record) => record.cpu.infra)),
      loadGenerator: perRequest(sum((record) => record.cpu.loadGenerator)),
    },
    seconds: merged.durationMs / 1000,
    machine: {
      busyCores: sum((record) => record.cpu.machineBusy) / 1000 / Math.max(sum((record) => record.cpu.seconds), 1e-9),
      otherProcessesCores: sum((record) => record.cpu.others) / 1000 / Math.max(sum((record) => record.cpu.seconds), 1e-9),
    },
  };
}

export function summarizeScenario(
  id: string,
  title: string,
  settings: ScenarioSummary['settings'],
  direct: PhaseRecord[],
  gateway: PhaseRecord[],
  /** From the start of the first phase to the end of the settling tail after the last. */
  whole: CpuSpent,
  idle: IdleRates,
  memoryMiB: ScenarioSummary['memoryMiB'],
): ScenarioSummary {
  const directSide = side(direct);
  const gatewaySide = side(gateway);
  const requests = Math.max(
    gateway.reduce((sum, record) => sum + record.result.sent, 0),
    1,
  );
  const duringGateway = gateway.reduce((sum, record) => sum + record.cpu.gateway, 0);
  const gatewayPhaseSeconds = gateway.reduce((sum, record) => sum + record.cpu.seconds, 0);
  // Idle time is spent in user mode too (timers, metrics); take it off both totals alike.
  const idleMs = idle.gatewayMsPerSecond * whole.seconds;
  const byProcess = Object.fromEntries(
    Object.entries(whole.gatewayByProcess).map(([name, ms]) => [
      name,
      (ms - (idle.gatewayByProcessMsPerSecond[name] ?? 0) * whole.seconds) / requests,
    ]),
  );
  const halves = direct.map((record) => distribution(record.result.latenciesMs));
  const [firstHalf, secondHalf] = halves;
  return {
    id,
    title,
    settings,
    direct: directSide,
    gateway: gatewaySide,
    addedMs: {
      mean: gatewaySide.latencyMs.mean - directSide.latencyMs.mean,
      p50: gatewaySide.latencyMs.p50 - directSide.latencyMs.p50,
      p90: gatewaySide.latencyMs.p90 - directSide.latencyMs.p90,
      p99: gatewaySide.latencyMs.p99 - directSide.latencyMs.p99,
    },
    directHalvesDifferenceMs:
      firstHalf && secondHalf
        ? { p50: Math.abs(firstHalf.p50 - secondHalf.p50), p99: Math.abs(firstHalf.p99 - secondHalf.p99) }
        : { p50: Number.NaN, p99: Number.NaN },
    gatewayCpu: {
      msPerRequest: (whole.gateway - idleMs) / requests,
      userMsPerRequest: (whole.gatewayUser - idleMs) / requests,
      duringGatewayPhasesMsPerRequest: duringGateway / requests,
      byProcessMsPerRequest: byProcess,
      coresUsed: duringGateway / 1000 / Math.max(gatewayPhaseSeconds, 1e-9),
    },
    infraCpuMsPerRequest: (whole.infra - idle.infraMsPerSecond * whole.seconds) / requests,
    memoryMiB,
  };
}

const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const signed = (value: number, digits = 2): string => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '–');

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  '))
    .join('\n');
}

function countOf(record: Record<string, number>, keep: (key: string) => boolean): number {
  return Object.entries(record).reduce((sum, [key, count]) => (keep(key) ? sum + count : sum), 0);
}

/** Human-readable block for one scenario. */
export function formatScenario(summary: ScenarioSummary, services: boolean): string {
  const lines: string[] = [`\n== ${summary.title}`];
  const stream = summary.settings.stream === true;
  const header = ['', 'req/s', 'ok', 'non-2xx', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', ...(stream ? ['ttfb p50', 'ttfb p99'] : [])];
  const row = (name: string, item: SideSummary): string[] => [
    name,
    fixed(item.achievedRps, 1),
    String(item.ok),
    String(countOf(item.statuses, (status) => !status.startsWith('2'))),
    String(countOf(item.errors, () => true)),
    fixed(item.latencyMs.p50),
    fixed(item.latencyMs.p90),
    fixed(item.latencyMs.p99),
    fixed(item.latencyMs.max),
    ...(stream ? [fixed(item.ttfbMs.p50), fixed(item.ttfbMs.p99)] : []),
  ];
  lines.push(
    table([
      header,
      row('direct', summary.direct),
      row('gateway', summary.gateway),
      ['added', '', '', '', '', signed(summary.addedMs.p50), signed(summary.addedMs.p90), signed(summary.addedMs.p99), '', ...(stream ? ['', ''] : [])],
    ]),
  );
  const overhead = summary.gateway.overheadHeaderMs;
  if (overhead) {
    lines.push(`x-gateway-overhead-ms: mean ${fixed(overhead.mean)}  p50 ${fixed(overhead.p50)}  p99 ${fixed(overhead.p99)}  max ${fixed(overhead.max)}`);
  }
  lines.push(
    `direct halves differ by ${fixed(summary.directHalvesDifferenceMs.p50)} ms at p50, ${fixed(summary.directHalvesDifferenceMs.p99)} ms at p99 (noise floor)`,
  );
  const cpu = summary.gatewayCpu;
  lines.push(
    `gateway CPU: ${fixed(cpu.msPerRequest, 3)} ms/request net of idle (user ${fixed(cpu.userMsPerRequest, 3)}, kernel ${fixed(cpu.msPerRequest - cpu.userMsPerRequest, 3)}); ${fixed(cpu.duringGatewayPhasesMsPerRequest, 3)} during the gateway phases, ${fixed(cpu.coresUsed * 100, 0)}% of a core`,
  );
  if (Object.keys(cpu.byProcessMsPerRequest).length > 1) {
    for (const [name, ms] of Object.entries(cpu.byProcessMsPerRequest)) lines.push(`  ${name}: ${fixed(ms, 3)} ms/request`);
  }
  if (services) lines.push(`postgres+redis+nats CPU: ${fixed(summary.infraCpuMsPerRequest, 3)} ms/request net of idle`);
  lines.push(
    `fake CPU: ${fixed(summary.direct.cpuMsPerRequest.fake, 3)} ms/request direct, ${fixed(summary.gateway.cpuMsPerRequest.fake, 3)} via gateway; load generator ${fixed(summary.direct.cpuMsPerRequest.loadGenerator, 3)} / ${fixed(summary.gateway.cpuMsPerRequest.loadGenerator, 3)}`,
  );
  lines.push(
    `machine: ${fixed(summary.direct.machine.busyCores, 2)} / ${fixed(summary.gateway.machine.busyCores, 2)} cores busy (direct / gateway phases), of which other processes ${fixed(summary.direct.machine.otherProcessesCores, 2)} / ${fixed(summary.gateway.machine.otherProcessesCores, 2)}`,
  );
  lines.push(
    `memory: gateway RSS ${fixed(summary.memoryMiB.gateway.rssMiB, 0)} MiB (peak ${fixed(summary.memoryMiB.gateway.peakRssMiB, 0)}), fake RSS ${fixed(summary.memoryMiB.fake.rssMiB, 0)} MiB`,
  );
  lines.push(
    `load generator: max in flight ${summary.direct.maxInFlight} / ${summary.gateway.maxInFlight}; send lag mean ${fixed(summary.direct.sendLagMeanMs)} / ${fixed(summary.gateway.sendLagMeanMs)} ms, max ${fixed(summary.direct.sendLagMaxMs)} / ${fixed(summary.gateway.sendLagMaxMs)} ms`,
  );
  const problems = { ...summary.direct.errors, ...summary.gateway.errors };
  if (Object.keys(problems).length > 0) lines.push(`errors: direct ${JSON.stringify(summary.direct.errors)} gateway ${JSON.stringify(summary.gateway.errors)}`);
  const statuses = (item: SideSummary): string => JSON.stringify(item.statuses);
  if (countOf(summary.direct.statuses, (status) => !status.startsWith('2')) + countOf(summary.gateway.statuses, (status) => !status.startsWith('2')) > 0) {
    lines.push(`statuses: direct ${statuses(summary.direct)} gateway ${statuses(summary.gateway)}`);
  }
  return lines.join('\n');
}

/** One line per scenario, and the verdict on the aim (added p50 ≤ 1 ms, p99 ≤ 3 ms at the aim's rate). */
export function formatOverview(summaries: readonly ScenarioSummary[], aim: { rate: number; p50: number; p99: number }): string {
  const rows = [
    ['scenario', 'direct p50', 'gw p50', 'added p50', 'direct p99', 'gw p99', 'added p99', 'gw req/s', 'gw CPU ms/req', 'gw failed', 'others (cores)'],
    ...summaries.map((summary) => [
      summary.id,
      fixed(summary.direct.latencyMs.p50),
      fixed(summary.gateway.latencyMs.p50),
      signed(summary.addedMs.p50),
      fixed(summary.direct.latencyMs.p99),
      fixed(summary.gateway.latencyMs.p99),
      signed(summary.addedMs.p99),
      fixed(summary.gateway.achievedRps, 1),
      fixed(summary.gatewayCpu.msPerRequest, 3),
      String(summary.gateway.sent - summary.gateway.ok),
      fixed(summary.gateway.machine.otherProcessesCores, 2),
    ]),
  ];
  const lines = ['\n== overview (ms)', table(rows)];
  const target = summaries.find((summary) => summary.id === `fixed-rate-${aim.rate}`);
  if (target) {
    const met = target.addedMs.p50 <= aim.p50 && target.addedMs.p99 <= aim.p99 && target.gateway.sent === target.gateway.ok;
    lines.push(
      `aim at ${aim.rate} req/s: added p50 ≤ ${aim.p50} ms and p99 ≤ ${aim.p99} ms → ${met ? 'MET' : 'MISSED'} (added p50 ${signed(target.addedMs.p50)}, p99 ${signed(target.addedMs.p99)})`,
    );
  }
  return lines.join('\n');
}
