import { initTracing, createLogger, exitOnSignals } from '@gateway/telemetry';

initTracing({ service: 'gateway' });

const { parseEnvironment, isEmbedded } = await import('@gateway/config');
const { startGatewayInProcess } = await import('./embedded.ts');
const { startServiceProcesses } = await import('./processes.ts');
const { printBanner, printDependencyStates } = await import('./banner.ts');
const { describeUrl } = await import('./describe-url.ts');

/**
 * `npm start`. With NATS_URL and DATABASE_URL set, each service runs as its own process; otherwise the
 * whole gateway runs in this one (embedded: PGlite, in-memory store, in-process bus for whatever is
 * not configured).
 */
const logger = createLogger({ service: 'gateway' });
try {
  const environment = parseEnvironment();
  if (environment.NATS_URL && environment.DATABASE_URL) {
    printBanner([
      ['mode', 'one process per service (api, router, ledger, cache, guardrail, admin)'],
      ['api', `http://127.0.0.1:${environment.PORT}/v1`],
      ['config', environment.GATEWAY_CONFIG ?? './gateway.yaml'],
      ['postgres', describeUrl(environment.DATABASE_URL)],
      ['redis', environment.REDIS_URL ? describeUrl(environment.REDIS_URL) : 'in-memory store (per process)'],
      ['nats', describeUrl(environment.NATS_URL)],
    ]);
    const processes = startServiceProcesses(logger, { admin: environment.ADMIN_ENABLED === 'true' });
    process.once('SIGTERM', () => processes.stop('SIGTERM'));
    process.once('SIGINT', () => processes.stop('SIGINT'));
    await printDependencyStates(`http://127.0.0.1:${environment.PORT}`);
  } else {
    const gateway = await startGatewayInProcess(environment, logger);
    printBanner([
      ['mode', isEmbedded(environment) ? 'embedded (one process, no servers needed)' : 'one process'],
      ['api', `${gateway.url}/v1   (OpenAI base URL)`],
      ['admin', `${gateway.url}/admin/v1   (OpenAPI: ${gateway.url}/admin/v1/openapi.json)`],
      ['health', `${gateway.url}/ready   metrics: ${gateway.url}/metrics`],
      ...gateway.facts,
    ]);
    exitOnSignals({ logger, service: 'gateway', steps: [['gateway', () => gateway.close()]] });
    await printDependencyStates(gateway.url);
  }
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'gateway failed to start');
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
