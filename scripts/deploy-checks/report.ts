import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository's root, whatever the caller's working directory. */
export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Collects problems and prints what was checked; the process fails if any check found one. */
export class Report {
  readonly problems: string[] = [];
  private checks = 0;

  constructor(private readonly name: string) {}

  /** One check: `problems` is what it found (empty when it passed). */
  check(what: string, problems: readonly string[]): void {
    this.checks += 1;
    if (problems.length === 0) {
      console.log(`  ok   ${what}`);
      return;
    }
    console.log(`  FAIL ${what}`);
    for (const problem of problems) console.log(`         - ${problem}`);
    this.problems.push(...problems.map((problem) => `${what}: ${problem}`));
  }

  /** Prints the closing line and sets the exit code. */
  finish(): void {
    const failed = this.problems.length > 0;
    console.log(`${this.name}: ${this.checks} checks, ${failed ? `${this.problems.length} problem(s)` : 'all passed'}`);
    if (failed) process.exitCode = 1;
  }
}

/**
 * Runs a tool and returns what it printed, or the problems: its own error output when it fails, a
 * clear message when it is not installed (CI installs it: .ci/run).
 */
export function runTool(command: string, args: string[], hint: string): { output: string; problems: string[] } {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    return { output: '', problems: [`${command} is not installed (${hint})`] };
  }
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  if (result.status !== 0) return { output, problems: [`${command} ${args.join(' ')} exited with ${result.status}: ${output || 'no output'}`] };
  return { output, problems: [] };
}
