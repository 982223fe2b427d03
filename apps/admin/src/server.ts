import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { clientAddressHeader, resolveClientAddress, trustedProxyList } from './lib/auth/client-address.ts';
import type { AddressInfo } from 'node:net';
import next from 'next';
import type { Logger } from '@gateway/telemetry';
import { createFirstAdminUser, deleteExpiredAdminSessions, recordAudit, type Database } from '@gateway/db';
import { adminDirectory, ensureAdminBuild } from './build.ts';
import { installAdminHost, type AdminHost } from './host.ts';
import { probeProvider } from './provider-probe.ts';
import { hashPassword, passwordProblem } from './lib/auth/password.ts';

export interface AdminServerOptions extends Omit<AdminHost, 'probeProvider'> {
  port: number;
  host: string;
  logger: Logger;
  /** Created when the database has no dashboard user yet (GATEWAY_ADMIN_EMAIL / GATEWAY_ADMIN_PASSWORD). */
  firstAdmin?: { email: string; password: string } | undefined;
  /** Run `next build` first when the sources changed (default true). */
  build?: boolean;
  /**
   * Return as soon as the port listens, building and preparing in the background (answering 503 until
   * then), so a gateway's API need not wait for a first build; `ready` settles when the dashboard serves.
   */
  background?: boolean;
}

export interface RunningAdmin {
  url: string;
  /** Settles when the dashboard serves pages (at once unless started in the background). */
  ready: Promise<void>;
  /** What happened about the first admin, for the start-up banner. */
  firstAdmin: 'created' | 'users exist' | 'none: set GATEWAY_ADMIN_EMAIL and GATEWAY_ADMIN_PASSWORD';
  close(): Promise<void>;
}

/** Creates the first admin from the environment when there is no user at all; never touches existing users. */
export async function ensureFirstAdmin(database: Database, firstAdmin: AdminServerOptions['firstAdmin']): Promise<RunningAdmin['firstAdmin']> {
  const existing = await database.db.selectFrom('admin_users').select('id').limit(1).executeTakeFirst();
  if (existing) return 'users exist';
  if (!firstAdmin) return 'none: set GATEWAY_ADMIN_EMAIL and GATEWAY_ADMIN_PASSWORD';
  const problem = passwordProblem(firstAdmin.password);
  if (problem) throw new Error(`GATEWAY_ADMIN_PASSWORD: ${problem}`);
  const user = await createFirstAdminUser(database.db, { email: firstAdmin.email, passwordHash: await hashPassword(firstAdmin.password), role: 'admin' });
  if (!user) return 'users exist';
  await recordAudit(database.db, { actorId: null, actorEmail: 'environment', action: 'user.create', targetType: 'user', targetId: user.id, details: { email: user.email, role: user.role } });
  return 'created';
}

/**
 * Serves the dashboard: a Next.js production server on its own port, in this process, reading and
 * writing through the database handle it is given (in embedded mode, the gateway's own PGlite).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<RunningAdmin> {
  const { database, bus, secretBox, settings, logger } = options;
  const firstAdmin = await ensureFirstAdmin(database, options.firstAdmin);
  installAdminHost({ database, bus, secretBox, settings, logger, probeProvider: (name) => probeProvider(database, secretBox, name) });
  // Listen first, so Next.js is told the port really in use (with port 0, the one the system chose).
  let handle: ((request: IncomingMessage, response: ServerResponse) => Promise<void>) | undefined;
  const trusted = trustedProxyList(settings.trustedProxies);
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    // Who the client is, decided here once: pages and actions read this header, never one a client sent.
    const forwardedFor = request.headers['x-forwarded-for'];
    request.headers[clientAddressHeader] = resolveClientAddress(request.socket.remoteAddress, Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor, trusted);
    if (!handle) {
      response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('The dashboard is starting (the first start builds it, about a minute)');
      return;
    }
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'admin request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const stopping = new AbortController();
  let app: ReturnType<typeof next> | undefined;
  const ready = (async () => {
    if (options.build !== false) await ensureAdminBuild((message) => logger.info(message), stopping.signal);
    stopping.signal.throwIfAborted();
    app = next({ dev: false, dir: adminDirectory, customServer: true, hostname: options.host, port });
    await app.prepare();
    handle = app.getRequestHandler();
  })();
  if (!options.background) {
    try {
      await ready;
    } catch (error) {
      server.close();
      throw error;
    }
  } else {
    ready.catch((error: unknown) => {
      if (!stopping.signal.aborted) logger.error({ err: error }, 'the admin dashboard could not start');
    });
  }
  const address = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const sweep = setInterval(() => {
    deleteExpiredAdminSessions(database.db).catch((error: unknown) => logger.warn({ err: error }, 'removing expired admin sessions failed'));
  }, 3_600_000);
  sweep.unref();
  void ready.then(() => logger.info({ url, firstAdmin }, 'admin dashboard ready'), () => {});
  let closing: Promise<void> | undefined;
  return {
    url,
    ready,
    firstAdmin,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        // A build still running is killed; a start still preparing is waited for, then closed.
        stopping.abort();
        await ready.catch(() => {});
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await app?.close();
        installAdminHost(undefined);
      })();
      return closing;
    },
  };
}
