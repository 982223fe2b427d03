import type { AdminEnvironment } from './config.ts';
import type { AdminSettings } from './host.ts';

export function adminSettingsFrom(environment: AdminEnvironment, configSource: string): AdminSettings {
  return {
    sessionLifetimeMs: environment.ADMIN_SESSION_HOURS * 3_600_000,
    secureCookies: environment.ADMIN_SECURE_COOKIES,
    configSource,
    trustedProxies: environment.ADMIN_TRUSTED_PROXIES,
    ...(environment.GRAFANA_URL ? { grafanaUrl: environment.GRAFANA_URL } : {}),
    ...(environment.TRACING_URL ? { tracingUrl: environment.TRACING_URL } : {}),
  };
}
