/**
 * `npx tsx bench/profile-summary.ts bench/results/<run>-cpuprof.json`: summarises again the CPU
 * profiles of a `--cpu-prof` run (while their files, named in the results, still exist), prints the
 * summary and writes it back into the results file. For changing the buckets in lib/profile.ts without
 * profiling again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProfileReports, formatProfileReports, type PhaseWindow, type ProfileReport } from './lib/profile.ts';
import { rounded } from './lib/stats.ts';

interface Results {
  settings: { rate: number };
  gatewayProcesses: Record<string, string>;
  scenarios: Array<{ id: string; gateway: { sent: number } }>;
  phaseWindows: PhaseWindow[];
  profileWindows: Array<[number, number]>;
  profiles: ProfileReport[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts bench/results/<run>-cpuprof.json\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
const first = results.profiles[0];
if (!first) throw new Error(`${file} has no profiles`);
const root = fileURLToPath(new URL('..', import.meta.url));
const profiles = buildProfileReports({
  directory: dirname(first.file),
  root,
  processes: Object.fromEntries(Object.entries(results.gatewayProcesses).map(([pid, command]) => [Number(pid), command])),
  mainWindows: results.profileWindows,
  phaseWindows: results.phaseWindows,
  requests: Object.fromEntries(results.scenarios.map((scenario) => [scenario.id, scenario.gateway.sent])),
});
process.stdout.write(formatProfileReports(profiles, `fixed-rate-${results.settings.rate}`));
writeFileSync(file, `${JSON.stringify(rounded({ ...results, profiles }), null, 2)}\n`);
