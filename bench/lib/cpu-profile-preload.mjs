// @ts-check
/**
 * Preloaded into the gateway's processes by `npm run bench -- --cpu-prof` through
 * NODE_OPTIONS="--import <this file>" (Node 20 refuses --cpu-prof in NODE_OPTIONS, and the launcher
 * starts the services itself, so a command-line flag would not reach them). Starts the V8 sampling
 * profiler at once and writes `<pid>.cpuprofile` into BENCH_CPU_PROFILE_DIR when the process exits.
 * Plain JavaScript (type-checked by bench/tsconfig.json) because it loads before the TypeScript loader.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.env.BENCH_CPU_PROFILE_DIR;
if (directory) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  // The main-thread session answers synchronously, so this completes inside the exit handler.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      writeFileSync(join(directory, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
