import { commandLine, cpuDeltaMs, cpuMs, machineCpuMs, userCpuMs } from './proc.ts';

/** CPU time of the benchmark's processes between two moments, read from /proc (and this process). */

export interface Pids {
  gateway: readonly number[];
  fake: readonly number[];
  /** Postgres, Redis and NATS server processes (services mode). */
  infra: readonly number[];
}

export interface CpuSnapshot {
  atMs: number;
  pids: Pids;
  gateway: Record<number, number>;
  gatewayUser: Record<number, number>;
  fake: Record<number, number>;
  infra: Record<number, number>;
  self: NodeJS.CpuUsage;
  machine: { busy: number; total: number };
}

/** CPU milliseconds (user + system) spent between two snapshots. */
export interface CpuSpent {
  seconds: number;
  /** All gateway processes (embedded: one; services: launcher, api, router, ledger). */
  gateway: number;
  /** Of which in user mode (the rest is kernel time: syscalls, loopback TCP). */
  gatewayUser: number;
  /** Per gateway process, by command line. */
  gatewayByProcess: Record<string, number>;
  fake: number;
  infra: number;
  loadGenerator: number;
  /** Every core of the machine: CPU ms busy, by anyone. */
  machineBusy: number;
  /** Busy CPU ms of processes that are not part of the benchmark (other work on the machine). */
  others: number;
}

export function snapshot(pids: Pids): CpuSnapshot {
  return {
    atMs: performance.now(),
    pids,
    gateway: cpuMs(pids.gateway),
    gatewayUser: userCpuMs(pids.gateway),
    fake: cpuMs(pids.fake),
    infra: cpuMs(pids.infra),
    self: process.cpuUsage(),
    machine: machineCpuMs(),
  };
}

export function spent(before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
  const gatewayByProcess: Record<string, number> = {};
  for (const pid of before.pids.gateway) {
    const start = before.gateway[pid];
    const end = after.gateway[pid];
    if (start === undefined || end === undefined) continue;
    const name = commandLine(pid);
    gatewayByProcess[name] = (gatewayByProcess[name] ?? 0) + end - start;
  }
  const ours = {
    gateway: cpuDeltaMs(before.gateway, after.gateway),
    fake: cpuDeltaMs(before.fake, after.fake),
    infra: cpuDeltaMs(before.infra, after.infra),
    loadGenerator: (after.self.user + after.self.system - before.self.user - before.self.system) / 1000,
  };
  const machineBusy = after.machine.busy - before.machine.busy;
  return {
    seconds: (after.atMs - before.atMs) / 1000,
    ...ours,
    gatewayUser: cpuDeltaMs(before.gatewayUser, after.gatewayUser),
    gatewayByProcess,
    machineBusy,
    others: Math.max(0, machineBusy - ours.gateway - ours.fake - ours.infra - ours.loadGenerator),
  };
}
