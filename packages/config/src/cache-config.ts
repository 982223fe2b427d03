import { z } from 'zod';

/** `off` turns caching off; `exact` replays identical requests; `semantic` also replays similar prompts. */
export const cacheSettingModes = ['off', 'exact', 'semantic'] as const;
export type CacheSettingMode = (typeof cacheSettingModes)[number];

/** The built-in embedder: no network, no model to configure (see docs/caching.md). */
export const localEmbedder = 'local';

/** A cached answer lives at most 30 days: longer would serve answers of models long since changed. */
export const maxCacheTtlSeconds = 30 * 24 * 60 * 60;

/** What applies when neither gateway.yaml, the model nor the key says otherwise. */
export const builtInCacheSettings = { mode: 'off', ttlSeconds: 3600, threshold: 0.95, embedder: localEmbedder } as const;

/**
 * The threshold when none is set and the embedder is the local one: it is a near-duplicate matcher, not
 * a paraphrase matcher, and at 0.95 it answers 6 % of PAWS's non-paraphrases from the cache (see
 * docs/caching.md). 0.95 stays the default for a configured embeddings model.
 */
export const localEmbedderDefaultThreshold = 0.99;

export const semanticCacheSettingsSchema = z.strictObject({
  /** The similarity (0..1) a stored prompt needs to be replayed. */
  threshold: z.number().min(0).max(1).optional(),
  /** `local`, or the name of a configured embeddings model. */
  embedder: z.string().min(1).max(200).optional(),
});

/**
 * Cache settings as gateway.yaml (`cache:` and `models[].cache`) and the admin API take them. Every
 * field is optional: what is left out comes from the next level (see `resolveCacheSettings`).
 */
export const cacheSettingsSchema = z.strictObject({
  mode: z.enum(cacheSettingModes).optional(),
  /** Seconds an answer stays cached. */
  ttl: z.number().positive().max(maxCacheTtlSeconds, `at most ${maxCacheTtlSeconds} seconds (30 days)`).optional(),
  semantic: semanticCacheSettingsSchema.optional(),
});
export type CacheSettings = z.infer<typeof cacheSettingsSchema>;

/** A scope name: keys with the same scope share one cache. */
export const cacheScopeNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only');

/** A key's cache settings: those of a model, plus `scope` (default: the key has a cache of its own). */
export const keyCacheSettingsSchema = cacheSettingsSchema.extend({ scope: cacheScopeNameSchema.optional() });
export type KeyCacheSettings = z.infer<typeof keyCacheSettingsSchema>;

/** The settings one request runs with, every field decided. */
export interface ResolvedCacheSettings {
  mode: CacheSettingMode;
  ttlSeconds: number;
  threshold: number;
  embedder: string;
  /** The key's shared scope name; null when the key has a cache of its own. */
  scope: string | null;
}

/**
 * The settings for one request: each field from the key, else the model, else the gateway defaults
 * (`cache:` of gateway.yaml or the admin API), else the built-in ones. Fields are taken one by one, so
 * a key that only sets `ttl` keeps the model's mode.
 */
export function resolveCacheSettings(
  defaults: CacheSettings | null | undefined,
  model: CacheSettings | null | undefined,
  key: KeyCacheSettings | null | undefined,
): ResolvedCacheSettings {
  const embedder = key?.semantic?.embedder ?? model?.semantic?.embedder ?? defaults?.semantic?.embedder ?? builtInCacheSettings.embedder;
  return {
    mode: key?.mode ?? model?.mode ?? defaults?.mode ?? builtInCacheSettings.mode,
    ttlSeconds: key?.ttl ?? model?.ttl ?? defaults?.ttl ?? builtInCacheSettings.ttlSeconds,
    threshold: key?.semantic?.threshold ?? model?.semantic?.threshold ?? defaults?.semantic?.threshold ?? (embedder === localEmbedder ? localEmbedderDefaultThreshold : builtInCacheSettings.threshold),
    embedder,
    scope: key?.scope ?? null,
  };
}

export interface CacheSettingsProblem {
  /** Relative to the settings object. */
  path: string[];
  message: string;
}

/** An embedder naming neither `local` nor one of `modelNames` (the models it could use). */
export function cacheEmbedderProblems(settings: CacheSettings | null | undefined, modelNames: ReadonlySet<string>): CacheSettingsProblem[] {
  const embedder = settings?.semantic?.embedder;
  if (embedder === undefined || embedder === localEmbedder || modelNames.has(embedder)) return [];
  return [
    {
      path: ['semantic', 'embedder'],
      message: `"${embedder}" is neither "${localEmbedder}" nor a configured model (name an embeddings model declared under models)`,
    },
  ];
}
