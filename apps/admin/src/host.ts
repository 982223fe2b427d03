import type { Bus } from '@gateway/bus';
import type { Database, SecretBox } from '@gateway/db';
import type { Logger } from '@gateway/telemetry';
import type { ProbeResult } from './provider-probe.ts';

/** What the dashboard's server code needs from its process: handed over by src/server.ts. */
export interface AdminHost {
  database: Database;
  /** Where config-changed events go, so running services drop what they cached. */
  bus: Bus;
  /** Encrypts provider credentials written from the dashboard (never decrypts for display). */
  secretBox: SecretBox;
  settings: AdminSettings;
  /** The server process's logger: errors a form only shows as a generic sentence are written here. */
  logger: Logger;
  /**
   * Tests a provider's connection (src/provider-probe.ts), run by the server process so the Next.js
   * bundle does not compile the provider adapters.
   */
  probeProvider: (name: string) => Promise<ProbeResult>;
}

export interface AdminSettings {
  /** How long a sign-in lasts. */
  sessionLifetimeMs: number;
  /** `auto`: Secure cookies when the request came over https (x-forwarded-proto or TLS). */
  secureCookies: 'auto' | 'always' | 'never';
  /** Where gateway.yaml came from, shown beside entities it defines. */
  configSource: string;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For says who the client is. */
  trustedProxies: readonly string[];
  grafanaUrl?: string;
  tracingUrl?: string;
}

/*
 * The server (a tsx-run module) and the Next.js bundle (compiled separately) each hold their own copy
 * of this module; a registered global symbol is the one place both see.
 */
const slot = Symbol.for('@gateway/app-admin.host');

export function installAdminHost(host: AdminHost | undefined): void {
  (globalThis as Record<symbol, AdminHost | undefined>)[slot] = host;
}

export function adminHost(): AdminHost {
  const host = (globalThis as Record<symbol, AdminHost | undefined>)[slot];
  if (!host) throw new Error('The dashboard runs under its own server (apps/admin/src/server.ts), which provides the database');
  return host;
}
