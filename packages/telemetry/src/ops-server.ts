import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';

export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface DependencyState {
  status: 'up' | 'down';
  error?: string;
}

/** Runs every check with a time limit; a check that throws or times out is `down`. */
export async function checkReadiness(
  checks: ReadinessChecks,
  timeoutMs = 2000,
): Promise<{ ready: boolean; dependencies: Record<string, DependencyState> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, DependencyState]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { status: 'up' }];
      } catch (error) {
        return [name, { status: 'down', error: error instanceof Error ? error.message : 'unreachable' }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const dependencies = Object.fromEntries(entries);
  return { ready: entries.every(([, state]) => state.status === 'up'), dependencies };
}

/**
 * What /ready shows the world: each dependency up or down. The reasons (hosts, users, driver messages)
 * go to the log only.
 */
export function publicReadiness(result: { ready: boolean; dependencies: Record<string, DependencyState> }): {
  ready: boolean;
  dependencies: Record<string, 'up' | 'down'>;
} {
  return {
    ready: result.ready,
    dependencies: Object.fromEntries(Object.entries(result.dependencies).map(([name, state]) => [name, state.status])),
  };
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The operational endpoints every NATS service exposes: /health (process alive), /ready (its
 * dependencies answer) and /metrics (Prometheus). The API serves the same three from Fastify.
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  checks: ReadinessChecks;
  logger?: Logger;
}): Promise<OpsServer> {
  const send = (response: ServerResponse, status: number, contentType: string, body: string) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(response, 405, 'application/json', '{"error":"method not allowed"}');
    if (path === '/health') return send(response, 200, 'application/json', '{"status":"ok"}');
    if (path === '/ready') {
      const result = await checkReadiness(options.checks);
      if (!result.ready) options.logger?.warn({ dependencies: result.dependencies }, 'not ready');
      return send(response, result.ready ? 200 : 503, 'application/json', JSON.stringify(publicReadiness(result)));
    }
    if (path === '/metrics') {
      return send(response, 200, options.registry.contentType, await options.registry.metrics());
    }
    return send(response, 404, 'application/json', '{"error":"not found"}');
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'ops endpoint failed');
      if (!response.headersSent) send(response, 500, 'application/json', '{"error":"internal error"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
