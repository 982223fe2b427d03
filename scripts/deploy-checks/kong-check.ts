/**
 * `npm run kong:check`: the Kong declarative config (kong/kong.yaml) checked offline.
 * 1. decK 1.4 (`deck validate`): the file's structure and entities, as decK reads it.
 * 2. Every plugin's config against Kong 3.9's plugin schemas (kong-plugin-schemas.ts), Lua of the
 *    serverless functions included (syntax and the sandbox's globals).
 * 3. What the gateway relies on (docs/edge.md): streams unbuffered, no retries of POSTs, request ids,
 *    the operators-only routes restricted, rate limits shared through Redis by key hash, and the
 *    serverless functions run against a mock of Kong's PDK (kong-functions.ts).
 * 4. kong/error-template.json gives valid JSON once Kong fills it in.
 * Usage: tsx scripts/deploy-checks/kong-check.ts [path of the config]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { serverlessBehaviourProblems } from './kong-functions.ts';
import { pluginConfigSchemas, pluginEntitySchema } from './kong-plugin-schemas.ts';
import { Report, root, runTool } from './report.ts';

const configPath = resolve(process.argv[2] ?? resolve(root, 'kong/kong.yaml'));
const templatePath = resolve(root, 'kong/error-template.json');
const keyHashHeader = 'X-Gateway-Key-Hash';
const report = new Report('kong:check');
console.log(`kong:check ${configPath}`);

report.check('deck validate (decK 1.4)', runTool('deck', ['validate', '--no-color', '-s', configPath], 'Debian package deck').problems);

interface Plugin {
  name: string;
  config?: Record<string, unknown>;
}
interface Route {
  name?: string;
  paths?: string[];
  tags?: string[];
  response_buffering?: boolean;
  plugins?: Plugin[];
}
interface Service {
  name?: string;
  retries?: number;
  routes?: Route[];
  plugins?: Plugin[];
}
interface KongConfig {
  services?: Service[];
  plugins?: Plugin[];
}

const document = parseDocument(readFileSync(configPath, 'utf8'));
report.check('YAML', document.errors.map((error) => error.message));
const config = (document.toJS() ?? {}) as KongConfig;
const services = config.services ?? [];
const globalPlugins = config.plugins ?? [];

const located: { where: string; plugin: Plugin }[] = [
  ...globalPlugins.map((plugin) => ({ where: 'global', plugin })),
  ...services.flatMap((service) => [
    ...(service.plugins ?? []).map((plugin) => ({ where: `service ${service.name}`, plugin })),
    ...(service.routes ?? []).flatMap((route) => (route.plugins ?? []).map((plugin) => ({ where: `route ${route.name}`, plugin }))),
  ]),
];

const issues = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
for (const { where, plugin } of located) {
  const problems: string[] = [];
  const entity = pluginEntitySchema.safeParse(plugin);
  if (!entity.success) problems.push(...issues(entity.error));
  const schema = pluginConfigSchemas[plugin.name];
  if (!schema) problems.push(`no schema for plugin '${plugin.name}' in kong-plugin-schemas.ts: write it from Kong's schema.lua before using the plugin`);
  else {
    const result = schema.safeParse(plugin.config ?? {});
    if (!result.success) problems.push(...issues(result.error));
  }
  report.check(`plugin ${plugin.name} (${where}) against Kong 3.9's schema`, problems);
}

// Kong allows one instance of a plugin per scope; a second one is an error when Kong loads the file.
const duplicates = (plugins: Plugin[], scope: string) =>
  plugins
    .map((plugin) => plugin.name)
    .filter((name, index, names) => names.indexOf(name) !== index)
    .map((name) => `${scope}: plugin ${name} configured twice`);
report.check('one instance of each plugin per scope', [
  ...duplicates(globalPlugins, 'global'),
  ...services.flatMap((service) => [
    ...duplicates(service.plugins ?? [], `service ${service.name}`),
    ...(service.routes ?? []).flatMap((route) => duplicates(route.plugins ?? [], `route ${route.name}`)),
  ]),
]);

const routes = services.flatMap((service) => (service.routes ?? []).map((route) => ({ service, route })));
const streaming = routes.filter(({ route }) => (route.paths ?? []).some((path) => path.startsWith('/v1') || path.startsWith('/passthrough')));
report.check('routes of /v1 and /passthrough stream (response_buffering: false)', [
  ...(streaming.length === 0 ? ['no route for /v1 or /passthrough'] : []),
  ...streaming.filter(({ route }) => route.response_buffering !== false).map(({ route }) => `route ${route.name} buffers responses`),
]);
report.check('services never retry a request on another replica (retries: 0)', services.filter((service) => service.retries !== 0).map((service) => `service ${service.name} has retries ${service.retries ?? 'default (5)'}`));

const findGlobal = (name: string) => globalPlugins.find((plugin) => plugin.name === name)?.config ?? {};
const correlation = findGlobal('correlation-id');
report.check('X-Request-ID set and echoed on every request (global correlation-id)', [
  ...(correlation.header_name?.toString().toLowerCase() === 'x-request-id' ? [] : ['global correlation-id with header_name X-Request-ID is missing']),
  ...(correlation.echo_downstream === true ? [] : ['correlation-id does not echo the id to the client']),
]);

const restricted = routes.filter(({ route }) => route.tags?.includes('operators-only'));
report.check('operators-only routes (admin API, dashboard) behind ip-restriction', [
  ...(restricted.some(({ route }) => (route.paths ?? []).some((path) => path.startsWith('/admin/v1'))) ? [] : ['/admin/v1 is not tagged operators-only']),
  ...restricted
    .filter(({ service, route }) => ![...(route.plugins ?? []), ...(service.plugins ?? [])].some((plugin) => plugin.name === 'ip-restriction'))
    .map(({ route }) => `route ${route.name} has no ip-restriction`),
]);

const rateLimits = located.filter(({ plugin }) => plugin.name === 'rate-limiting');
const preFunction = JSON.stringify(findGlobal('pre-function'));
const postFunction = JSON.stringify(findGlobal('post-function'));
report.check('rate limits shared by every Kong replica (redis), per key hash or per IP', [
  ...(rateLimits.length === 0 ? ['no rate-limiting plugin'] : []),
  ...rateLimits.filter(({ plugin }) => plugin.config?.policy !== 'redis').map(({ where }) => `${where}: policy is not redis`),
  ...rateLimits
    .filter(({ plugin }) => plugin.config?.limit_by === 'header' && plugin.config.header_name !== keyHashHeader)
    .map(({ where }) => `${where}: limits by a header other than ${keyHashHeader}`),
  ...(rateLimits.some(({ plugin }) => plugin.config?.limit_by === 'header') && !preFunction.includes(keyHashHeader) ? [`the global pre-function does not set ${keyHashHeader}`] : []),
  ...(preFunction.includes('sha1_bin') ? [] : ['the pre-function does not hash the key (raw keys would reach Redis)']),
]);
report.check('no credential: 401 at the edge, hygiene headers stripped', [
  ...(postFunction.includes('kong.response.exit(401') ? [] : ['the global post-function does not answer 401']),
  ...(preFunction.includes('x-middleware-subrequest') ? [] : ['x-middleware-subrequest is not stripped']),
  ...(routes.some(({ route }) => route.tags?.includes('credential-required')) ? [] : ['no route is tagged credential-required']),
]);
const phase = (plugin: string, name: string) => ((findGlobal(plugin)[name] ?? []) as string[]).join('\n');
report.check(
  'the serverless functions behave: key hash for the rate limits, stripped headers, 401 per surface, Retry-After, Kong’s errors in Anthropic’s shape on /v1/messages (run in a Lua VM against a mock of the PDK)',
  serverlessBehaviourProblems({ preAccess: phase('pre-function', 'access'), postAccess: phase('post-function', 'access'), postHeaderFilter: phase('post-function', 'header_filter'), postBodyFilter: phase('post-function', 'body_filter') }),
);
const propagation = (findGlobal('opentelemetry').propagation ?? {}) as { inject?: string[] };
report.check('W3C trace context propagated to the API (global opentelemetry)', propagation.inject?.includes('w3c') ? [] : ['opentelemetry does not inject w3c']);

const template = readFileSync(templatePath, 'utf8');
const templateProblems: string[] = [];
if ((template.match(/%s/g) ?? []).length !== 2) templateProblems.push('needs exactly two %s (message, request id)');
try {
  const filled = JSON.parse(template.replace('%s', 'Request size limit exceeded').replace('%s', 'a1b2c3')) as { error?: { message?: string } };
  if (filled.error?.message !== 'Request size limit exceeded') templateProblems.push('the message is not error.message (OpenAI shape)');
} catch (error) {
  templateProblems.push(`not JSON once filled in: ${error instanceof Error ? error.message : String(error)}`);
}
report.check('kong/error-template.json (OpenAI error shape)', templateProblems);

report.finish();
