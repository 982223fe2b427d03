import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/**
 * Every environment variable the gateway reads, in one schema. Parsed once per process and frozen;
 * apps take the part they need.
 */
export const environmentSchema = z.object({
  NODE_ENV: optionalString,
  HOST: z.string().default('0.0.0.0'),
  PORT: port(8080),
  ROUTER_PORT: port(8081),
  LEDGER_PORT: port(8083),
  CACHE_PORT: port(8084),
  /** `false`: `npm start` does not serve the admin dashboard (tests; a deployment running it apart). */
  ADMIN_ENABLED: z.enum(['true', 'false']).default('true'),
  /** How long the API waits for a cache lookup before it goes to the provider without the cache. */
  GATEWAY_CACHE_LOOKUP_TIMEOUT_MS: z.coerce.number().int().positive().max(10_000).default(250),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEWAY_CONFIG: optionalString,
  GATEWAY_MASTER_KEY: optionalString,
  GATEWAY_ENCRYPTION_KEY: optionalString,
  GATEWAY_DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  REDIS_URL: optionalString,
  /** Prefix of every Redis key, so several gateways can share one Redis; every process of one gateway must use the same. */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and : _ . - (at most 64)').default('gw:'),
  NATS_URL: optionalString,
  /** Prefix for every NATS subject and stream, so several gateways can share one NATS server. */
  NATS_NAMESPACE: optionalString,
  /**
   * How many JetStream servers keep each message of the gateway's streams (USAGE): 1 on a single
   * server, 3 on a three-server cluster so that losing one server loses no usage. Applied by the
   * process that creates the streams (the ledger), also to a stream that exists.
   */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Days logged prompts and completions (keys with log_bodies) are kept; 0 keeps them until deleted. */
  GATEWAY_BODY_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  /**
   * Days usage records are kept; 0 (the default) keeps them. Budgets are reconciled from the records of
   * their period (a month at most), so a shorter retention than 35 days is refused.
   */
  GATEWAY_USAGE_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(36_500)
    .refine((days) => days === 0 || days >= 35, 'at least 35 days (budgets are reconciled from the usage records of their month), or 0 to keep them')
    .default(0),
  /** Largest request body accepted, in bytes. */
  GATEWAY_BODY_LIMIT: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** How often key budgets are reconciled from the usage records (also once at start); 0 turns it off. */
  GATEWAY_LIMITS_RECONCILE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** One in-flight epoch: a max_parallel slot never released (a replica died) is forgotten 1 to 2 epochs later. */
  GATEWAY_LIMITS_INFLIGHT_EPOCH_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
});

export type Environment = Readonly<z.infer<typeof environmentSchema>>;

export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

export function parseEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const result = environmentSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new EnvironmentError(`Invalid environment:\n${problems.join('\n')}`);
  }
  return Object.freeze(result.data);
}

/** Embedded mode: no external Postgres, Redis or NATS configured, everything runs in one process. */
export function isEmbedded(environment: Environment): boolean {
  return !environment.DATABASE_URL && !environment.REDIS_URL && !environment.NATS_URL;
}
