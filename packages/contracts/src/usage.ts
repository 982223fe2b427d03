import { z } from 'zod';
import { errorCodes } from './errors.ts';
import { defineStream } from './endpoint.ts';
import { guardrailVerdictSchema } from './guardrail.ts';

/**
 * What the response cache did for a request (the `x-gateway-cache` header, lower-cased): `hit` and
 * `semantic_hit` were answered from the cache, `miss` went to the provider (and may have been stored),
 * `refresh` went to the provider on the client's demand and replaced the entry, `bypass` skipped the
 * cache (`no-cache`/`no-store`, an uncacheable request, or the cache unavailable).
 */
export const cacheStatuses = ['hit', 'semantic_hit', 'miss', 'refresh', 'bypass'] as const;
export const cacheStatusSchema = z.enum(cacheStatuses);
export type CacheStatus = z.infer<typeof cacheStatusSchema>;

/** The longest logged prompt or completion, in characters (UTF-16 code units); a longer one is cut and marked truncated. */
export const loggedBodyMaxChars = 32 * 1024;

/**
 * The prompt and completion of a request whose key logs bodies, as text: the prompt as it went to the
 * provider (after guardrail redaction), the completion as it was answered (assembled from a stream,
 * or the cached answer). Secrets are already replaced with `<SECRET_n>`. Null where there is none (a
 * request that failed before its answer has no completion).
 */
export const usageBodiesSchema = z.object({
  prompt: z.string().max(loggedBodyMaxChars).nullable(),
  completion: z.string().max(loggedBodyMaxChars).nullable(),
  /** Whether the text was cut at `loggedBodyMaxChars`. */
  promptTruncated: z.boolean(),
  completionTruncated: z.boolean(),
});
export type UsageBodies = z.infer<typeof usageBodiesSchema>;

/** At most this many attempts go on a usage record (the first ones: a run rarely makes more). */
export const maxLoggedAttempts = 20;

/** One provider attempt of a request, as the executor reports it (no request or response content). */
export const attemptLogEntrySchema = z.object({
  provider: z.string(),
  model: z.string(),
  /** 200 for success; the upstream status when it answered; else the status of the error code. */
  status: z.number().int(),
  latencyMs: z.number().nonnegative(),
  /** Milliseconds after the request arrived that the attempt started. */
  startMs: z.number().nonnegative(),
  errorCode: z.enum(errorCodes).optional(),
  /** Which retry of its target the attempt was (1 = the first retry). */
  retry: z.number().int().positive().optional(),
  /** The duplicate sent by hedging. */
  hedge: z.literal(true).optional(),
  /** The target came from the plan's fallbacks for this kind of refusal (`context_window`, `content_policy`). */
  fallback: z.string().optional(),
});
export type AttemptLogEntry = z.infer<typeof attemptLogEntrySchema>;

/** One record per request, keyed by request id; the ledger writes it exactly once. */
export const usageRecordSchema = z.object({
  /** The gateway's own id for this request: unique, the JetStream message id and the ledger's key. */
  requestId: z.string().min(1),
  /**
   * The `x-request-id` the client (or Kong) sent, when there was one. Clients choose it, so it is kept
   * for correlation only and never used to de-duplicate.
   */
  clientRequestId: z.string().nullable().optional(),
  /** ISO 8601 time the request arrived. */
  createdAt: z.string(),
  keyId: z.string().nullable(),
  /** The `model` the client asked for. */
  model: z.string().nullable(),
  /** The provider name and upstream model that served it (null if none did). */
  provider: z.string().nullable(),
  providerModel: z.string().nullable(),
  endpoint: z.enum(['chat', 'embeddings', 'models', 'messages', 'count_tokens', 'passthrough']),
  stream: z.boolean(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Of inputTokens, read from the provider's prompt cache (optional: older producers do not send it). */
  cachedInputTokens: z.number().int().nonnegative().optional(),
  /** Of outputTokens, spent on reasoning. */
  reasoningTokens: z.number().int().nonnegative().optional(),
  /** The router's strategy and its reason for the order (optional: older producers do not send them). */
  strategy: z.string().nullable().optional(),
  routingReason: z.string().nullable().optional(),
  /** What happened beyond a plain call: `retried`, `hedged`, `continued`, `idempotent_replay`. */
  flags: z.array(z.string()).optional(),
  /** Cost in USD, from the price catalog; null when the model has no price. */
  costUsd: z.number().nonnegative().nullable(),
  /** What the response cache did; null or absent when caching was off for the request (optional: older producers). */
  cacheStatus: cacheStatusSchema.nullable().optional(),
  /** On a cache hit, what the original provider call cost (USD); null when unknown or not a hit. */
  costSavedUsd: z.number().nonnegative().nullable().optional(),
  /**
   * What each guardrail check decided (check, verdict, entity types and counts, never a value found);
   * null or absent when no policy applied (optional: older producers).
   */
  guardrails: z.array(guardrailVerdictSchema).nullable().optional(),
  latencyMs: z.number().nonnegative(),
  /** Time spent in the gateway rather than waiting on the provider. */
  overheadMs: z.number().nonnegative(),
  status: z.number().int(),
  errorCode: z.enum(errorCodes).nullable(),
  attempts: z.number().int().nonnegative(),
  /**
   * Each provider attempt in the order they ended (target, status, latency, when it started after the
   * request arrived, why it was made), for the request's timeline; at most `maxLoggedAttempts`
   * (optional: older producers).
   */
  attemptLog: z.array(attemptLogEntrySchema).max(maxLoggedAttempts).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Absent unless the key logs bodies (optional: older producers). Stored apart from the usage row. */
  bodies: usageBodiesSchema.optional(),
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

export const usageStream = defineStream({
  stream: 'USAGE',
  subject: 'usage.v1.record',
  payload: usageRecordSchema,
  duplicateWindowMs: 24 * 60 * 60 * 1000,
  // A week of ledger outage is survivable; past that, the stream must not grow without bound.
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
});
