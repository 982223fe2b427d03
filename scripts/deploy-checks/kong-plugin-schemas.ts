/**
 * The configs of the Kong plugins the gateway uses, as Kong 3.9 validates them: written from the
 * plugins' `schema.lua` (and Kong's typedefs) so that a typo, a field of another Kong version or a
 * value Kong refuses fails here rather than when Kong loads the file. Records are strict, as in Kong
 * (an unknown field is an error). Fields Kong 3.x deprecates for 4.0 are refused: they would break the
 * next upgrade. A plugin without a schema here is refused too: write its schema before using it.
 */
import { isIP } from 'node:net';
import luaparse from 'luaparse';
import { z } from 'zod';

// Kong's typedefs.
const headerName = z.string().regex(/^[a-zA-Z0-9-_]+$/, 'not a valid header name');
const timeout = z.int().min(0).max(2 ** 31 - 2);
const port = z.int().min(0).max(65535);
const hostname = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const host = z.string().refine((value) => isIP(value) !== 0 || hostname.test(value), 'not a valid host');
const url = z.url({ protocol: /^https?$/ });
const ipOrCidr = z.string().refine((value) => {
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}, 'not an IP address or CIDR range');
const protocols = z.array(z.enum(['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'tls_passthrough', 'ws', 'wss']));
const httpMethods = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

const correlationId = z.strictObject({
  header_name: z.string().optional(),
  generator: z.enum(['uuid', 'uuid#counter', 'tracker']).optional(),
  echo_downstream: z.boolean().optional(),
});

const requestSizeLimiting = z.strictObject({
  allowed_payload_size: z.int().optional(),
  size_unit: z.enum(['megabytes', 'kilobytes', 'bytes']).optional(),
  require_content_length: z.boolean().optional(),
});

const ipRestriction = z
  .strictObject({
    allow: z.array(ipOrCidr).optional(),
    deny: z.array(ipOrCidr).optional(),
    status: z.number().optional(),
    message: z.string().optional(),
  })
  .refine((config) => config.allow !== undefined || config.deny !== undefined, 'at least one of allow, deny is required');

const cors = z.strictObject({
  origins: z
    .array(
      z.string().refine((value) => {
        if (value === '*') return true;
        try {
          new RegExp(value);
          return true;
        } catch {
          return false;
        }
      }, 'neither "*" nor a valid regex'),
    )
    .optional(),
  headers: z.array(z.string()).optional(),
  exposed_headers: z.array(z.string()).optional(),
  methods: z.array(z.enum(httpMethods)).optional(),
  max_age: z.number().optional(),
  credentials: z.boolean().optional(),
  private_network: z.boolean().optional(),
  preflight_continue: z.boolean().optional(),
});

const periods = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
const rateLimiting = z
  .strictObject({
    second: z.number().gt(0).optional(),
    minute: z.number().gt(0).optional(),
    hour: z.number().gt(0).optional(),
    day: z.number().gt(0).optional(),
    month: z.number().gt(0).optional(),
    year: z.number().gt(0).optional(),
    limit_by: z.enum(['consumer', 'credential', 'ip', 'service', 'header', 'path']).optional(),
    header_name: headerName.optional(),
    path: z.string().startsWith('/').optional(),
    // DB-less Kong has no `cluster` policy.
    policy: z.enum(['local', 'redis']).optional(),
    fault_tolerant: z.boolean().optional(),
    redis: z
      .strictObject({
        host: host.optional(),
        port: port.optional(),
        timeout: timeout.optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        database: z.int().optional(),
        ssl: z.boolean().optional(),
        ssl_verify: z.boolean().optional(),
        server_name: host.optional(),
      })
      .optional(),
    hide_client_headers: z.boolean().optional(),
    error_code: z.number().gt(0).optional(),
    error_message: z.string().optional(),
    sync_rate: z.number().optional(),
  })
  .superRefine((config, context) => {
    const problem = (message: string) => context.addIssue({ code: 'custom', message });
    if (!periods.some((period) => config[period] !== undefined)) problem(`at least one of ${periods.join(', ')} is required`);
    periods.forEach((lower, index) => {
      const lowerLimit = config[lower];
      if (lowerLimit === undefined) return;
      for (const upper of periods.slice(index + 1)) {
        const upperLimit = config[upper];
        if (upperLimit !== undefined && upperLimit < lowerLimit) problem(`the limit for ${upper} (${upperLimit}) cannot be lower than the limit for ${lower} (${lowerLimit})`);
      }
    });
    const syncRate = config.sync_rate ?? -1;
    if (config.policy !== 'redis' && syncRate !== -1) problem('sync_rate can only be used with the redis policy');
    if (config.policy === 'redis' && syncRate !== -1 && syncRate < 0.02) problem('sync_rate must be greater than 0.02, or -1 to disable');
    if (config.policy === 'redis' && !config.redis?.host) problem('redis.host is required with the redis policy');
    if ((config.limit_by ?? 'consumer') === 'header' && !config.header_name) problem('header_name is required with limit_by: header');
    if (config.limit_by === 'path' && !config.path) problem('path is required with limit_by: path');
  });

const traceFormats = ['w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'] as const;
const opentelemetry = z
  .strictObject({
    traces_endpoint: url.optional(),
    logs_endpoint: url.optional(),
    headers: z.record(headerName, z.string()).optional(),
    resource_attributes: z.record(z.string(), z.string().min(1, 'required field missing')).optional(),
    queue: z
      .strictObject({
        max_batch_size: z.int().min(1).max(1_000_000).optional(),
        max_coalescing_delay: z.number().min(0).max(3600).optional(),
        max_entries: z.int().min(1).max(1_000_000).optional(),
        max_bytes: z.int().optional(),
        max_retry_time: z.number().optional(),
        initial_retry_delay: z.number().min(0.001).max(1_000_000).optional(),
        max_retry_delay: z.number().min(0.001).max(1_000_000).optional(),
        concurrency_limit: z.union([z.literal(-1), z.literal(1)]).optional(),
      })
      .optional(),
    connect_timeout: timeout.optional(),
    send_timeout: timeout.optional(),
    read_timeout: timeout.optional(),
    http_response_header_for_traceid: z.string().optional(),
    sampling_rate: z.number().min(0).max(1).optional(),
    propagation: z
      .strictObject({
        extract: z.array(z.enum(traceFormats.filter((format) => format !== 'b3-single') as ['w3c', ...string[]])).optional(),
        clear: z.array(headerName).optional(),
        inject: z.array(z.enum(['preserve', ...traceFormats])).optional(),
        default_format: z.enum(traceFormats).optional(),
      })
      .optional(),
  })
  .refine((config) => config.traces_endpoint !== undefined || config.logs_endpoint !== undefined, 'at least one of traces_endpoint, logs_endpoint is required');

const prometheus = z.strictObject({
  per_consumer: z.boolean().optional(),
  status_code_metrics: z.boolean().optional(),
  ai_metrics: z.boolean().optional(),
  latency_metrics: z.boolean().optional(),
  bandwidth_metrics: z.boolean().optional(),
  upstream_health_metrics: z.boolean().optional(),
});

/**
 * What Kong's sandbox (`untrusted_lua = sandbox`, the default) gives serverless functions: the safe
 * base library of kong/tools/kong-lua-sandbox.lua, plus `kong` and `ngx` (pre-function's handler).
 * `require` refuses every module unless `untrusted_lua_sandbox_requires` lists it, so it is refused here.
 */
const sandboxGlobals = new Set(['_VERSION', 'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'select', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall', 'kong', 'ngx']);
const sandboxLibraries: Record<string, Set<string>> = {
  coroutine: new Set(['create', 'resume', 'running', 'status', 'wrap', 'yield']),
  math: new Set(['abs', 'acos', 'asin', 'atan', 'atan2', 'ceil', 'cos', 'cosh', 'deg', 'exp', 'fmod', 'floor', 'frexp', 'huge', 'ldexp', 'log', 'log10', 'max', 'min', 'modf', 'pi', 'pow', 'rad', 'random', 'sin', 'sinh', 'sqrt', 'tan', 'tanh']),
  os: new Set(['clock', 'date', 'difftime', 'time']),
  string: new Set(['byte', 'char', 'find', 'format', 'gmatch', 'gsub', 'len', 'lower', 'match', 'rep', 'reverse', 'sub', 'upper']),
  table: new Set(['concat', 'insert', 'maxn', 'remove', 'sort']),
};

/** Problems of one serverless function: Lua syntax (as Kong's loadstring sees it) and globals the sandbox does not have. */
export function luaFunctionProblems(code: string): string[] {
  // With `scope: true`, luaparse marks each identifier that names a local (the types omit it).
  type ScopedIdentifier = luaparse.Identifier & { isLocal?: boolean };
  const identifiers: ScopedIdentifier[] = [];
  const fieldNames = new Set<luaparse.Node>();
  const libraryUses: luaparse.MemberExpression[] = [];
  try {
    luaparse.parse(code, {
      luaVersion: 'LuaJIT',
      scope: true,
      locations: true,
      onCreateNode(node) {
        if (node.type === 'Identifier') identifiers.push(node);
        if (node.type === 'MemberExpression') {
          // `kong.request`, `value:match`: the name after `.` or `:` is a field, not a variable.
          fieldNames.add(node.identifier);
          if (node.base.type === 'Identifier') libraryUses.push(node);
        }
        if (node.type === 'TableKeyString') fieldNames.add(node.key);
      },
    });
  } catch (error) {
    return [`Lua syntax: ${error instanceof Error ? error.message : String(error)}`];
  }
  const problems: string[] = [];
  for (const identifier of identifiers) {
    if (identifier.isLocal || fieldNames.has(identifier)) continue;
    if (sandboxGlobals.has(identifier.name) || identifier.name in sandboxLibraries) continue;
    problems.push(`line ${identifier.loc?.start.line}: global '${identifier.name}' is not available in Kong's sandbox`);
  }
  for (const use of libraryUses) {
    const base = use.base as ScopedIdentifier;
    const library = base.isLocal ? undefined : sandboxLibraries[base.name];
    if (library && !library.has(use.identifier.name)) problems.push(`line ${use.loc?.start.line}: ${base.name}.${use.identifier.name} is not available in Kong's sandbox`);
  }
  return problems;
}

const phaseFunctions = z.array(z.string().superRefine((code, context) => {
  for (const message of luaFunctionProblems(code)) context.addIssue({ code: 'custom', message });
}));
const serverless = z
  .strictObject({
    certificate: phaseFunctions.optional(),
    rewrite: phaseFunctions.optional(),
    access: phaseFunctions.optional(),
    header_filter: phaseFunctions.optional(),
    body_filter: phaseFunctions.optional(),
    log: phaseFunctions.optional(),
  })
  .refine((config) => Object.values(config).some((functions) => functions !== undefined), 'at least one phase is required');

/** Config schema of each plugin the gateway may use. */
export const pluginConfigSchemas: Record<string, z.ZodType> = {
  'correlation-id': correlationId,
  'request-size-limiting': requestSizeLimiting,
  'ip-restriction': ipRestriction,
  cors,
  'rate-limiting': rateLimiting,
  opentelemetry,
  prometheus,
  'pre-function': serverless,
  'post-function': serverless,
};

/** The plugin entity around its config (what decK 1.4 also accepts). */
export const pluginEntitySchema = z.strictObject({
  name: z.string(),
  config: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
  protocols: protocols.optional(),
  tags: z.array(z.string()).optional(),
});
