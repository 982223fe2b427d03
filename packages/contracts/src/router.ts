import { z } from 'zod';
import { defineEndpoint } from './endpoint.ts';

export const routingStrategies = ['single', 'fallback', 'loadbalance', 'least-busy', 'latency', 'cost', 'usage', 'conditional'] as const;
export const routingStrategySchema = z.enum(routingStrategies);
export type RoutingStrategy = z.infer<typeof routingStrategySchema>;

/** How the executor retries one target before it falls back to the next (gateway.yaml `retry`). */
export const retryPolicySchema = z.object({
  /** Retries after the first attempt (default 2): `attempts: 2` means up to 3 calls to this target. */
  attempts: z.number().int().min(0).max(10),
  /** Upstream statuses worth retrying and falling back on; connection errors and timeouts always are. */
  onStatusCodes: z.array(z.number().int().min(100).max(599)),
  /** Full-jitter exponential backoff: a random wait in [0, min(maxBackoffMs, initialBackoffMs · 2^retry)). */
  initialBackoffMs: z.number().int().nonnegative(),
  maxBackoffMs: z.number().int().nonnegative(),
  /** A provider's Retry-After is honoured up to this; beyond it the target is left for the next one. */
  maxRetryAfterMs: z.number().int().nonnegative(),
});
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/**
 * The retry policy where config gives none (gateway.yaml `retry` defaults, docs/routing.md): 2 retries
 * on 408, 409, 429 and 5xx answers (and on connection errors and timeouts), full-jitter backoff from
 * 250 ms up to 8 s, a provider's Retry-After honoured up to 30 s.
 */
export const defaultRetryPolicy: RetryPolicy = {
  attempts: 2,
  onStatusCodes: [408, 409, 429, 500, 502, 503, 504],
  initialBackoffMs: 250,
  maxBackoffMs: 8_000,
  maxRetryAfterMs: 30_000,
};

export const planTargetSchema = z.object({
  /** Name of the provider in config (e.g. `openai-main`). */
  provider: z.string(),
  /** The model name the upstream provider expects. */
  model: z.string(),
  weight: z.number().nonnegative().optional(),
  /** USD per million tokens for this deployment; overrides the catalog (and the model's price). */
  price: z.object({ inputPerMillion: z.number().nonnegative(), outputPerMillion: z.number().nonnegative() }).optional(),
  retry: retryPolicySchema.optional(),
  /** Per-attempt timeouts in ms: the whole call, the first token of a stream, the gap between chunks. */
  timeouts: z
    .object({ requestMs: z.number().int().positive().optional(), ttftMs: z.number().int().positive().optional(), idleMs: z.number().int().positive().optional() })
    .optional(),
  /** Where in the model's routing tree the target sits (`0`, `1.2`…), for logs and the usage record. */
  path: z.string().optional(),
});
export type PlanTarget = z.infer<typeof planTargetSchema>;

export const planRequestSchema = z.object({
  requestId: z.string(),
  /** The `model` the client sent: a configured model name or `<provider>/<upstream model>`. */
  model: z.string(),
  /** What the request needs from a target. */
  operation: z.enum(['chat', 'embeddings']),
  key: z.object({
    id: z.string(),
    /** Model names this key may use; absent means any. */
    models: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  /** `x-gateway-metadata`: the caller's metadata, for conditional routing (and analytics). */
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The request body's scalar parameters (temperature, max_tokens, stream, …), for conditional routing. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /** `x-gateway-config`, parsed JSON: an inline routing config, checked by the router against the key. */
  inlineConfig: z.unknown().optional(),
});
export type PlanRequest = z.infer<typeof planRequestSchema>;

export const planSchema = z.object({
  /** The model name resolved (the configured name, or the `<provider>/<model>` string). */
  model: z.string(),
  strategy: routingStrategySchema,
  /** Targets in the order the executor should try them (nested groups already flattened). */
  targets: z.array(planTargetSchema).min(1),
  /** Why this order, in a few words (`weighted pick`, `least busy: 2 in flight`, `rule 1 matched`…). */
  reason: z.string().optional(),
  /** Tried instead of the rest of `targets` when a target says the context window is exceeded, or refuses on content policy. */
  fallbacks: z
    .object({ contextWindow: z.array(planTargetSchema).optional(), contentPolicy: z.array(planTargetSchema).optional() })
    .optional(),
  /** Hedging: after this long without an answer, one duplicate goes to the next target; the first success wins. */
  hedge: z.object({ afterMs: z.number().int().positive() }).optional(),
  /** The model's default deadline for the whole request (the client's `x-gateway-timeout-ms` may shorten it). */
  deadlineMs: z.number().int().positive().optional(),
});
export type Plan = z.infer<typeof planSchema>;

export const routerPlan = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'plan',
  request: planRequestSchema,
  response: planSchema,
});

/** Liveness of the router as the API sees it (its /ready checks that some router answers). */
export const routerPing = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'ping',
  request: z.object({}),
  response: z.object({ ok: z.literal(true) }),
});

/** One deployment's live state as the router reads it from the shared deployment state. */
export const deploymentHealthSchema = z.object({
  provider: z.string(),
  model: z.string(),
  /** Attempts started and not yet finished, across API replicas. */
  inFlight: z.number(),
  /** Moving averages of successful attempts; null until the first one. */
  latencyEwmaMs: z.number().nullable(),
  ttftEwmaMs: z.number().nullable(),
  requestsThisMinute: z.number(),
  tokensThisMinute: z.number(),
  /** Epoch ms until which the deployment is left out of plans; null when it is not ejected. */
  ejectedUntil: z.number().nullable(),
  ejectionReason: z.enum(['failures', 'error-rate', 'credential']).nullable(),
});
export type DeploymentHealth = z.infer<typeof deploymentHealthSchema>;

export const routerHealthSchema = z.object({
  /** False when the router runs without the shared deployment state: it then plans as if every deployment were idle and healthy. */
  tracked: z.boolean(),
  /** Epoch ms at which the state was read, to compare `ejectedUntil` with. */
  at: z.number(),
  /** Every deployment of the router's configured models (targets at any depth and fallbacks), once each. */
  deployments: z.array(deploymentHealthSchema),
});
export type RouterHealth = z.infer<typeof routerHealthSchema>;

/** A snapshot of the deployments' live state as the router plans with it (for the dashboard's Routing page). */
export const routerHealth = defineEndpoint({
  service: 'router',
  version: '1.0.0',
  group: 'router.v1',
  name: 'health',
  request: z.object({}),
  response: routerHealthSchema,
});
