/**
 * Which metric names exist, so that dashboards and alert rules cannot name one nobody exports. The
 * gateway's own names are read from the sources (prom-client registrations: `gateway_…` literals,
 * and `${prefix}…` in packages/telemetry, whose prefix is `gateway_`); the others are those of the
 * exporters the deployment runs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './report.ts';

/**
 * Names announced by services still being written (issue notes): accepted, and listed as pending by
 * the check until a source registers them.
 */
export const announcedMetrics = [
  'gateway_cache_lookups_total',
  'gateway_cache_lookup_seconds',
  'gateway_cache_entries',
  'gateway_cache_bytes',
  'gateway_guardrail_checks_total',
  'gateway_guardrail_check_seconds',
];

/** Kong 3.9's prometheus plugin (kong/plugins/prometheus/exporter.lua), with its `kong_` prefix. */
const kongMetrics = [
  'kong_http_requests_total',
  'kong_kong_latency_ms',
  'kong_upstream_latency_ms',
  'kong_request_latency_ms',
  'kong_bandwidth_bytes',
  'kong_nginx_connections_total',
  'kong_nginx_requests_total',
  'kong_datastore_reachable',
  'kong_upstream_target_health',
  'kong_memory_lua_shared_dict_bytes',
  'kong_memory_workers_lua_vms_bytes',
];

/** prometheus-nats-exporter with -varz -jsz=all (its default `jetstream` system name). */
const natsMetrics = ['jetstream_consumer_num_pending', 'jetstream_consumer_num_ack_pending', 'jetstream_stream_total_messages', 'gnatsd_varz_connections'];

/** prom-client's collectDefaultMetrics (every gateway service calls it) and Prometheus' own `up`. */
const runtimeMetrics = ['up', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes'];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `gateway_…` names the sources of apps/ and packages/ define. */
export function exportedGatewayMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'packages'))]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/['"`](gateway_[a-z0-9_]+)['"`]/g)) names.add(match[1]!);
    for (const match of text.matchAll(/\$\{prefix\}([a-z0-9_]+)/g)) names.add(`gateway_${match[1]}`);
  }
  return names;
}

export function knownMetrics(): Set<string> {
  return new Set([...exportedGatewayMetrics(), ...announcedMetrics, ...kongMetrics, ...natsMetrics, ...runtimeMetrics]);
}

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/** The metric names a PromQL expression reads (histogram series mapped to their metric). */
export function metricNamesIn(expression: string): string[] {
  const stripped = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  // A name starts after neither a word character (`1d` in `offset 1d`) nor `$` (Grafana variables).
  for (const match of stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call || keywords.has(name!.toLowerCase())) continue;
    names.push(name!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}
