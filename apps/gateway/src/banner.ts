/** Human-readable start-up lines for a person at a terminal (the JSON log line carries the same facts). */
export function printBanner(lines: Array<[string, string]>): void {
  const width = Math.max(...lines.map(([label]) => label.length));
  const text = lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
  process.stdout.write(`\nLLM gateway\n${text}\n`);
}

/**
 * Waits for the API's /ready and prints each dependency's state, so a person sees at a glance whether
 * Postgres, Redis and NATS answer (the API keeps running and /ready keeps reporting either way).
 */
export async function printDependencyStates(apiUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: { ready: boolean; dependencies: Record<string, string> } | undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/ready`);
      last = (await response.json()) as typeof last;
      if (last?.ready) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!last) {
    process.stdout.write(`  ready       no answer from ${apiUrl}/ready\n`);
    return;
  }
  const states = Object.entries(last.dependencies).map(([name, state]) => `${name} ${state}`);
  process.stdout.write(`  ready       ${last.ready ? 'yes' : 'NO'}: ${states.join(', ')}\n\n`);
}
