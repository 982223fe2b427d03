import { z } from 'zod';
import { defaultTrustedProxies } from './lib/auth/client-address.ts';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The dashboard's own environment variables (the shared ones come from @gateway/config). */
export const adminEnvironmentSchema = z.object({
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ADMIN_HOST: z.string().default('0.0.0.0'),
  /** The first admin, created when there is no dashboard user yet. */
  GATEWAY_ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  GATEWAY_ADMIN_PASSWORD: optionalString,
  ADMIN_SESSION_HOURS: z.coerce.number().positive().max(720).default(12),
  /** `auto`: Secure cookies when the request came over https (behind Kong or an ingress: x-forwarded-proto). */
  ADMIN_SECURE_COOKIES: z.enum(['auto', 'always', 'never']).default('auto'),
  /**
   * Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR ranges): the client's
   * address, which failed sign-ins are counted by, comes from them. Default: loopback and private networks.
   */
  ADMIN_TRUSTED_PROXIES: optionalString.transform((value) => (value === undefined ? defaultTrustedProxies : value.split(',').map((range) => range.trim()).filter((range) => range !== ''))),
  GRAFANA_URL: optionalString.pipe(z.url().optional()),
  TRACING_URL: optionalString.pipe(z.url().optional()),
});

export type AdminEnvironment = Readonly<z.infer<typeof adminEnvironmentSchema>>;

export function parseAdminEnvironment(source: Readonly<Record<string, string | undefined>> = process.env): AdminEnvironment {
  const result = adminEnvironmentSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid environment:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
}
