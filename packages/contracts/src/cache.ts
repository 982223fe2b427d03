import { z } from 'zod';
import { defineEndpoint } from './endpoint.ts';

const cacheService = { service: 'cache', version: '1.0.0', group: 'cache.v1' } as const;

export const cacheModes = ['exact', 'semantic'] as const;
export const cacheModeSchema = z.enum(cacheModes);
export type CacheMode = z.infer<typeof cacheModeSchema>;

/** One stored answer, as the API replays it (JSON or SSE, whichever the later caller asks). */
export const cacheEntrySchema = z.object({
  /** The stored answer: the JSON body of a non-streaming answer, or the list of SSE chunks of a streamed one. */
  response: z.unknown(),
  /** Whether `response` is a list of stream chunks (true) or one JSON body (false). */
  stream: z.boolean(),
  /** Tokens the original provider call used; a hit records them as saved. */
  usage: z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() }),
  /** What the original call cost in USD (the cost a hit saves); null when the price is unknown. */
  costUsd: z.number().nonnegative().nullable(),
  /** The upstream model that answered. */
  model: z.string(),
  /** The provider (config name) that answered. */
  provider: z.string(),
  /** When the answer was stored, ISO 8601. */
  createdAt: z.string(),
});
export type CacheEntry = z.infer<typeof cacheEntrySchema>;

export const cacheLookupRequestSchema = z.object({
  requestId: z.string(),
  /** Whose cache: a key id, or a team id when the keys of a team share one. Entries never cross scopes. */
  scope: z.string().min(1),
  /** The model name the client asked for (the configured name); purge by model uses it. */
  model: z.string().min(1),
  /** `exact` looks up `key` only; `semantic` also searches similar prompts when the exact key misses. */
  mode: cacheModeSchema,
  /** The exact key, computed by the API with `exactCacheKey(scope, surface, request)` (packages/cache-client). */
  key: z.string().min(1),
  /**
   * For `mode: semantic`: the partition `semanticLookup` gave, the embedding of the prompt's last user
   * turn (base64 of its Float32 bytes, see `encodeVector`), and the similarity a hit needs (0..1).
   */
  semantic: z.object({ partition: z.string().min(1), vector: z.string().min(1), threshold: z.number().min(0).max(1) }).optional(),
});
export type CacheLookupRequest = z.infer<typeof cacheLookupRequestSchema>;

export const cacheLookupResponseSchema = z.object({
  /** `hit`: the exact key matched; `semantic_hit`: a similar prompt matched; `miss`: nothing to replay. */
  status: z.enum(['hit', 'semantic_hit', 'miss']),
  /** On a semantic hit, the similarity of the prompt that matched (0..1). */
  similarity: z.number().optional(),
  /** The stored answer, on a hit. */
  entry: cacheEntrySchema.optional(),
});
export type CacheLookupResponse = z.infer<typeof cacheLookupResponseSchema>;

export const cacheStoreRequestSchema = z.object({
  requestId: z.string(),
  scope: z.string().min(1),
  model: z.string().min(1),
  /** The exact key, as for a lookup. */
  key: z.string().min(1),
  /** How long the entry lives, in seconds (fractions allowed). */
  ttlSeconds: z.number().positive(),
  entry: cacheEntrySchema,
  /** Also index the prompt for semantic lookups: its partition and the embedding of its last user turn. */
  semantic: z.object({ partition: z.string().min(1), vector: z.string().min(1) }).optional(),
});
export type CacheStoreRequest = z.infer<typeof cacheStoreRequestSchema>;

export const cacheStoreResponseSchema = z.object({
  stored: z.boolean(),
  /** Why it was not stored: `too_large` when the entry exceeds the service's maximum size. */
  reason: z.string().optional(),
});
export type CacheStoreResponse = z.infer<typeof cacheStoreResponseSchema>;

/** Exactly one selector: every entry of a key scope, of a model, or everything. */
export const cachePurgeRequestSchema = z
  .object({ scope: z.string().min(1).optional(), model: z.string().min(1).optional(), all: z.literal(true).optional() })
  .refine((request) => [request.scope, request.model, request.all].filter((value) => value !== undefined).length === 1, {
    message: 'give exactly one of scope, model or all',
  });
export type CachePurgeRequest = z.infer<typeof cachePurgeRequestSchema>;

export const cachePurgeResponseSchema = z.object({
  /**
   * How many cache generations were retired (1 per purge). Purged entries are made unreachable at once
   * and expire by their TTL, so the number of entries is not known.
   */
  removed: z.number().int().nonnegative(),
});
export type CachePurgeResponse = z.infer<typeof cachePurgeResponseSchema>;

export const cacheLookup = defineEndpoint({ ...cacheService, name: 'lookup', request: cacheLookupRequestSchema, response: cacheLookupResponseSchema });
export const cacheStore = defineEndpoint({ ...cacheService, name: 'store', request: cacheStoreRequestSchema, response: cacheStoreResponseSchema });
export const cachePurge = defineEndpoint({ ...cacheService, name: 'purge', request: cachePurgeRequestSchema, response: cachePurgeResponseSchema });
