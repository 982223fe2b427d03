/**
 * `npm run compose:check`: docker-compose.yml, the Dockerfiles and the observability stack (infra/)
 * checked offline.
 * - `docker-compose config` (Debian's docker-compose 1.29) with placeholder secrets, and refusing
 *   to run without them.
 * - The stack's shape: a container per app, health checks behind every `service_healthy`, only the
 *   edge and the UIs published, read-only gateway containers, bind mounts that exist.
 * - Each Dockerfile: multi-stage, `turbo prune` of its own workspace, non-root, entry point present.
 * - Prometheus (`promtool check config`, `check rules`, `test rules`), its scrape targets against the
 *   compose services, the collector's pipelines, and the Grafana dashboards: valid JSON, PromQL that
 *   parses, and only metric names the services (or the exporters) really export.
 * Usage: tsx scripts/deploy-checks/compose-check.ts [path of the compose file]
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { announcedMetrics, exportedGatewayMetrics, knownMetrics, metricNamesIn } from './metric-names.ts';
import { Report, root, runTool } from './report.ts';

const composePath = resolve(process.argv[2] ?? join(root, 'docker-compose.yml'));
const report = new Report('compose:check');
const scratch = mkdtempSync(join(tmpdir(), 'compose-check-'));
console.log(`compose:check ${composePath}`);

// docker-compose reads ./.env by default: an empty env file makes the result independent of it.
const emptyEnvFile = join(scratch, 'empty.env');
writeFileSync(emptyEnvFile, '');
const secrets = ['POSTGRES_PASSWORD', 'GATEWAY_MASTER_KEY', 'GATEWAY_ENCRYPTION_KEY', 'GRAFANA_ADMIN_PASSWORD'];
const withSecrets = Object.fromEntries(secrets.map((name) => [name, `placeholder-${name.toLowerCase()}-0123456789`]));
const compose = (environment: Record<string, string>) =>
  runTool('env', [...Object.entries(environment).map(([name, value]) => `${name}=${value}`), 'docker-compose', '--env-file', emptyEnvFile, '-f', composePath, 'config'], 'Debian package docker-compose');

const resolved = compose(withSecrets);
report.check('docker-compose config (docker-compose 1.29)', resolved.problems.map((problem) => problem.slice(0, 2000)));
const missing = secrets.map((name) => ({ name, result: compose(Object.fromEntries(Object.entries(withSecrets).filter(([other]) => other !== name))) }));
report.check(
  'refuses to start without each secret (POSTGRES_PASSWORD, GATEWAY_MASTER_KEY, GATEWAY_ENCRYPTION_KEY, GRAFANA_ADMIN_PASSWORD)',
  missing.filter(({ name, result }) => result.problems.length === 0 || !result.problems.join('').includes(`set ${name}`)).map(({ name }) => `runs without ${name}`),
);

interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string };
  ports?: unknown[];
  read_only?: boolean;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string })[];
  environment?: Record<string, string | null>;
}
const config = (resolved.problems.length === 0 ? parse(resolved.output) : { services: {} }) as { services: Record<string, ComposeService> };
const services = config.services ?? {};

const apps = readdirSync(join(root, 'apps'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'apps', entry.name, 'package.json')))
  .map((entry) => entry.name)
  // apps/gateway is the all-in-one launcher behind `npm start`, not a service of its own.
  .filter((name) => name !== 'gateway');
const appServices = apps.map((app) => ({ app, service: Object.entries(services).find(([, service]) => service.build?.dockerfile === `apps/${app}/Dockerfile`) }));
report.check(
  `a container per app (${apps.join(', ')})`,
  appServices.filter(({ service }) => !service).map(({ app }) => `no service builds apps/${app}/Dockerfile`),
);

report.check(
  'every service_healthy dependency has a health check',
  Object.entries(services).flatMap(([name, service]) =>
    Object.entries(service.depends_on ?? {})
      .filter(([dependency, { condition }]) => condition === 'service_healthy' && !services[dependency]?.healthcheck)
      .map(([dependency]) => `${name} waits for ${dependency} to be healthy, which has no healthcheck`),
  ),
);

const published = new Set(['kong', 'grafana', 'jaeger', 'prometheus']);
report.check(
  'only Kong and the operators\' UIs are published (clients reach the API through Kong)',
  Object.entries(services)
    .filter(([name, service]) => (service.ports ?? []).length > 0 && !published.has(name))
    .map(([name]) => `${name} publishes ports`),
);

const appPorts: Record<string, string> = {};
report.check(
  'gateway containers: read-only root filesystem, health check on /ready (the dashboard: /healthz)',
  appServices.flatMap(({ app, service }) => {
    if (!service) return [];
    const [name, definition] = service;
    const problems: string[] = [];
    if (definition.read_only !== true) problems.push(`${name} is not read_only`);
    const test = [definition.healthcheck?.test ?? []].flat().join(' ');
    const port = /127\.0\.0\.1:(\d+)\//.exec(test)?.[1];
    if (!port) problems.push(`${name} has no HTTP health check`);
    else appPorts[name] = port;
    const path = app === 'admin' ? '/healthz' : '/ready';
    if (!test.includes(path)) problems.push(`${name}'s health check does not ask ${path}`);
    return problems;
  }),
);

report.check(
  'bind-mounted files exist',
  Object.entries(services).flatMap(([name, service]) =>
    (service.volumes ?? [])
      .map((volume) => (typeof volume === 'string' ? volume.split(':')[0]! : volume.type === 'bind' ? (volume.source ?? '') : ''))
      .filter((source) => source.startsWith('/') && !existsSync(source))
      .map((source) => `${name}: ${source} does not exist`),
  ),
);

// Dockerfiles.
for (const app of apps) {
  const path = join(root, 'apps', app, 'Dockerfile');
  if (!existsSync(path)) {
    report.check(`apps/${app}/Dockerfile`, ['missing']);
    continue;
  }
  const text = readFileSync(path, 'utf8');
  const packageName = (JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')) as { name: string }).name;
  const stages = text.split(/^FROM /m).slice(1);
  const last = stages.at(-1) ?? '';
  const user = /^USER\s+(\S+)/m.exec(last)?.[1];
  const entry = /"(apps\/[^"]+\.ts)"\]\s*$/m.exec(last)?.[1];
  const problems: string[] = [];
  if (stages.length < 2) problems.push('not multi-stage');
  if (!text.includes(` prune ${packageName} --docker`)) problems.push(`does not \`turbo prune ${packageName} --docker\``);
  if (!user || user === 'root' || user === '0') problems.push('the final stage does not switch to a non-root USER');
  if (!entry) problems.push('no entry point (apps/<app>/src/main.ts) in the final CMD');
  else if (!existsSync(join(root, entry))) console.log(`  note apps/${app}/Dockerfile starts ${entry}, which is not in the tree yet`);
  report.check(`apps/${app}/Dockerfile: multi-stage, turbo prune, non-root`, problems);
}

// Prometheus.
const promtool = (args: string[]) => runTool('promtool', args, "Debian package prometheus (promtool)");
report.check('promtool check config infra/prometheus/prometheus.yml', promtool(['check', 'config', 'infra/prometheus/prometheus.yml']).problems);
const prometheus = parse(readFileSync(join(root, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
  rule_files?: string[];
  scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
};
// What Prometheus will load: its rule_files patterns, in the folder compose mounts at /etc/prometheus/rules.
const mountedRules = '/etc/prometheus/rules/';
const ruleFiles = (prometheus.rule_files ?? []).flatMap((pattern) => {
  if (!pattern.startsWith(mountedRules)) return [];
  const matcher = new RegExp(`^${pattern.slice(mountedRules.length).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
  return readdirSync(join(root, 'infra/prometheus/rules')).filter((name) => matcher.test(name)).map((name) => `infra/prometheus/rules/${name}`);
});
report.check(
  `promtool check rules on every file Prometheus loads (${ruleFiles.join(', ') || 'none'})`,
  ruleFiles.length === 0 ? ['rule_files matches no file of infra/prometheus/rules'] : promtool(['check', 'rules', ...ruleFiles]).problems,
);
report.check('promtool test rules (alert unit tests)', promtool(['test', 'rules', 'infra/prometheus/tests/gateway.rules.test.yml']).problems);

const targets = prometheus.scrape_configs.flatMap((job) => (job.static_configs ?? []).flatMap((group) => group.targets.map((target) => ({ job: job.job_name, target }))));
report.check(
  'every scrape target is a compose service (gateway services on their health-checked port)',
  [
    ...targets.flatMap(({ job, target }) => {
      const [host = '', port = ''] = target.split(':');
      if (!services[host]) return [`${job}: ${host} is not a compose service`];
      if (appPorts[host] && appPorts[host] !== port) return [`${job}: scrapes ${host}:${port}, but ${host} serves on ${appPorts[host]}`];
      return [];
    }),
    ...Object.keys(appPorts)
      .filter((name) => name !== 'admin' && !targets.some(({ target }) => target.startsWith(`${name}:`)))
      .map((name) => `${name} is not scraped`),
  ],
);

// OpenTelemetry collector.
interface Collector {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service?: { extensions?: string[]; pipelines?: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }> };
}
const collector = parse(readFileSync(join(root, 'infra/otel-collector/config.yaml'), 'utf8')) as Collector;
report.check('OpenTelemetry collector: pipelines use only defined components, OTLP/HTTP on 4318 as the services and Kong send it', [
  ...Object.entries(collector.service?.pipelines ?? {}).flatMap(([pipeline, definition]) =>
    (['receivers', 'processors', 'exporters'] as const).flatMap((kind) =>
      (definition[kind] ?? []).filter((name) => !collector[kind]?.[name]).map((name) => `pipeline ${pipeline}: ${kind.slice(0, -1)} ${name} is not defined`),
    ),
  ),
  ...(collector.service?.extensions ?? []).filter((name) => !collector.extensions?.[name]).map((name) => `extension ${name} is not defined`),
  ...(JSON.stringify(collector.receivers ?? {}).includes('0.0.0.0:4318') ? [] : ['no OTLP/HTTP receiver on 0.0.0.0:4318']),
  ...Object.entries(services)
    .filter(([, service]) => service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT)
    .filter(([, service]) => service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT !== 'http://otel-collector:4318')
    .map(([name]) => `${name} exports traces elsewhere than http://otel-collector:4318`),
]);

// Grafana dashboards and the alert rules: PromQL that parses and metric names that exist.
const known = knownMetrics();
const dashboardsDirectory = join(root, 'infra/grafana/dashboards');
const datasources = parse(readFileSync(join(root, 'infra/grafana/provisioning/datasources/datasources.yaml'), 'utf8')) as { datasources: { uid: string }[] };
const datasourceUids = new Set(datasources.datasources.map((datasource) => datasource.uid));
const uids = new Map<string, string>();
const expressions: { where: string; expr: string }[] = [];
for (const file of readdirSync(dashboardsDirectory).filter((name) => name.endsWith('.json'))) {
  const problems: string[] = [];
  let dashboard: { uid?: string; title?: string; panels?: { title?: string; datasource?: { uid?: string }; targets?: { expr?: string; datasource?: { uid?: string } }[] }[] } = {};
  try {
    dashboard = JSON.parse(readFileSync(join(dashboardsDirectory, file), 'utf8')) as typeof dashboard;
  } catch (error) {
    problems.push(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!dashboard.uid || !dashboard.title) problems.push('uid and title are required');
  else if (uids.has(dashboard.uid)) problems.push(`uid ${dashboard.uid} is also ${uids.get(dashboard.uid)}'s`);
  else uids.set(dashboard.uid, file);
  for (const panel of dashboard.panels ?? []) {
    for (const target of panel.targets ?? []) {
      const uid = target.datasource?.uid ?? panel.datasource?.uid;
      if (!uid || !datasourceUids.has(uid)) problems.push(`panel "${panel.title}": datasource ${uid} is not provisioned`);
      if (target.expr) expressions.push({ where: `${file}: panel "${panel.title}"`, expr: target.expr });
    }
  }
  report.check(`dashboard ${file}`, problems);
}
const rules = parse(readFileSync(join(root, 'infra/prometheus/rules/gateway.rules.yml'), 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };
const ruleExpressions = rules.groups.flatMap((group) => group.rules.map((rule) => ({ where: `rule ${rule.alert}`, expr: rule.expr })));

// promtool parses a dashboard's PromQL when it is a recording rule; Grafana variables become regexes.
const asRules = {
  groups: [{ name: 'dashboards', rules: expressions.map(({ expr }, index) => ({ record: `dashboard:expression:${index}`, expr: expr.replace(/\$\{?\w+\}?/g, '.+') })) }],
};
const dashboardRules = join(scratch, 'dashboard-expressions.yml');
writeFileSync(dashboardRules, stringify(asRules));
report.check(`dashboards' PromQL parses (${expressions.length} expressions, promtool)`, promtool(['check', 'rules', dashboardRules]).problems);
report.check(
  'dashboards and alert rules read only metrics that are exported',
  [...expressions, ...ruleExpressions].flatMap(({ where, expr }) => metricNamesIn(expr).filter((name) => !known.has(name)).map((name) => `${where}: ${name} is exported by nothing`)),
);
const exported = exportedGatewayMetrics();
const pending = announcedMetrics.filter((name) => !exported.has(name));
if (pending.length > 0) console.log(`  note announced metrics no source registers yet: ${pending.join(', ')}`);

report.finish();
