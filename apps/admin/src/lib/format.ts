/** Display helpers: every date in UTC, so what two operators see matches whatever their zone. */
export function formatTime(value: Date | string | null | undefined): string {
  if (value == null) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat('en-US').format(value);
}

export function formatUsd(value: number | null | undefined): string {
  if (value == null) return '—';
  return `$${value < 1 && value > 0 ? value.toFixed(6) : value.toFixed(2)}`;
}

export function formatMs(value: number | null | undefined): string {
  if (value == null) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`;
}

export function formatPercent(value: number | null | undefined): string {
  if (value == null) return '—';
  return `${(value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1)}%`;
}
