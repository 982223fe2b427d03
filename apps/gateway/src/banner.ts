/** Human-readable start-up lines for a person at a terminal (the JSON log line carries the same facts). */
export function printBanner(lines: Array<[string, string]>): void {
  const width = Math.max(...lines.map(([label]) => label.length));
  const text = lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
  process.stdout.write(`\nLLM gateway\n${text}\n\n`);
}
