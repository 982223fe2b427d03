import type { AdminEnvironment } from './config.ts';
import type { AdminSettings } from './host.ts';

export function adminSettingsFrom(environment: AdminEnvironment, configSource: string): AdminSettings {
  return {
    sessionLifetimeMs: environment.ADMIN_SESSION_HOURS * 3_600_000,
    secureCookies: environment.ADMIN_SECURE_COOKIES,
    configSource,
    ...(environment.GRAFANA_URL ? { grafanaUrl: environment.GRAFANA_URL } : {}),
    ...(environment.TRACING_URL ? { tracingUrl: environment.TRACING_URL } : {}),
  };
}

/** The first admin from GATEWAY_ADMIN_EMAIL / GATEWAY_ADMIN_PASSWORD, when both are set. */
export function firstAdminFrom(environment: AdminEnvironment): { email: string; password: string } | undefined {
  if (!environment.GATEWAY_ADMIN_EMAIL || !environment.GATEWAY_ADMIN_PASSWORD) return undefined;
  return { email: environment.GATEWAY_ADMIN_EMAIL, password: environment.GATEWAY_ADMIN_PASSWORD };
}
