import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseGatewayConfig } from './load-gateway-config.ts';
import { inlineRoutingConfigSchema, modelConfigSchema, modelReplaceSchema } from './gateway-config-schema.ts';
import { cacheEmbedderProblems, cacheSettingsSchema, keyCacheSettingsSchema, resolveCacheSettings } from './cache-config.ts';

function issuesOf(result: z.ZodSafeParseResult<unknown>): Array<{ path: string; message: string }> {
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('cache settings', () => {
  it('takes every field optionally and nothing else', () => {
    expect(cacheSettingsSchema.parse({})).toEqual({});
    const full = { mode: 'semantic', ttl: 600, semantic: { threshold: 0.9, embedder: 'local' } };
    expect(cacheSettingsSchema.parse(full)).toEqual(full);
    expect(cacheSettingsSchema.parse({ ttl: 0.5 })).toEqual({ ttl: 0.5 });
    expect(issuesOf(cacheSettingsSchema.safeParse({ mode: 'fuzzy' }))).toEqual([{ path: 'mode', message: expect.stringContaining('"off"') }]);
    expect(issuesOf(cacheSettingsSchema.safeParse({ ttl: 0 })).map((issue) => issue.path)).toEqual(['ttl']);
    expect(issuesOf(cacheSettingsSchema.safeParse({ ttl: 30 * 24 * 3600 + 1 }))).toEqual([{ path: 'ttl', message: 'at most 2592000 seconds (30 days)' }]);
    expect(cacheSettingsSchema.safeParse({ ttl: 30 * 24 * 3600 }).success).toBe(true);
    expect(issuesOf(cacheSettingsSchema.safeParse({ semantic: { threshold: 1.5 } })).map((issue) => issue.path)).toEqual(['semantic.threshold']);
    expect(issuesOf(cacheSettingsSchema.safeParse({ semantic: { threshold: -0.1 } })).map((issue) => issue.path)).toEqual(['semantic.threshold']);
    expect(issuesOf(cacheSettingsSchema.safeParse({ semantic: { embeder: 'local' } }))).toEqual([{ path: 'semantic', message: 'Unrecognized key: "embeder"' }]);
    // A scope is a key's setting: models and defaults do not take it.
    expect(issuesOf(cacheSettingsSchema.safeParse({ scope: 'team-a' }))).toEqual([{ path: '', message: 'Unrecognized key: "scope"' }]);
  });

  it('gives keys a scope of simple characters, and stays strict', () => {
    expect(keyCacheSettingsSchema.parse({ scope: 'team-a.search_1', ttl: 60 })).toEqual({ scope: 'team-a.search_1', ttl: 60 });
    for (const scope of ['', 'team a', 'team/a', 'team:a', 'a'.repeat(201)]) {
      expect(new Set(issuesOf(keyCacheSettingsSchema.safeParse({ scope })).map((issue) => issue.path))).toEqual(new Set(['scope']));
    }
    expect(keyCacheSettingsSchema.safeParse({ scope: 'a'.repeat(200) }).success).toBe(true);
    expect(issuesOf(keyCacheSettingsSchema.safeParse({ scope: 'a', other: 1 }))).toEqual([{ path: '', message: 'Unrecognized key: "other"' }]);
  });
});

describe('resolveCacheSettings', () => {
  it('falls back to the built-in settings', () => {
    expect(resolveCacheSettings(null, undefined, null)).toEqual({ mode: 'off', ttlSeconds: 3600, threshold: 0.99, embedder: 'local', scope: null });
    // 0.95 when the embedder is a configured model and nobody set a threshold; 0.99 for the local one.
    expect(resolveCacheSettings(null, { semantic: { embedder: 'embed' } }, null)).toMatchObject({ threshold: 0.95 });
  });

  it('takes each field from the key, else the model, else the defaults', () => {
    const defaults = { mode: 'exact', ttl: 3000, semantic: { threshold: 0.9, embedder: 'embed' } } as const;
    const model = { mode: 'semantic', ttl: 600 } as const;
    expect(resolveCacheSettings(defaults, model, null)).toEqual({ mode: 'semantic', ttlSeconds: 600, threshold: 0.9, embedder: 'embed', scope: null });
    // A key giving only ttl keeps the model's mode.
    expect(resolveCacheSettings(defaults, model, { ttl: 60 })).toEqual({ mode: 'semantic', ttlSeconds: 60, threshold: 0.9, embedder: 'embed', scope: null });
    expect(resolveCacheSettings(defaults, model, { mode: 'off', scope: 'team-a', semantic: { threshold: 0.99 } })).toEqual({
      mode: 'off',
      ttlSeconds: 600,
      threshold: 0.99,
      embedder: 'embed',
      scope: 'team-a',
    });
    // Semantic fields are taken one by one too.
    expect(resolveCacheSettings(defaults, { semantic: { embedder: 'local' } }, null)).toMatchObject({ mode: 'exact', threshold: 0.9, embedder: 'local' });
  });
});

describe('cacheEmbedderProblems', () => {
  it('accepts local or a known model, and names the field of anything else', () => {
    const models = new Set(['embed']);
    expect(cacheEmbedderProblems({ semantic: { embedder: 'local' } }, models)).toEqual([]);
    expect(cacheEmbedderProblems({ semantic: { embedder: 'embed' } }, models)).toEqual([]);
    expect(cacheEmbedderProblems({ mode: 'semantic' }, models)).toEqual([]);
    expect(cacheEmbedderProblems(null, models)).toEqual([]);
    expect(cacheEmbedderProblems({ semantic: { embedder: 'missing' } }, models)).toEqual([
      { path: ['semantic', 'embedder'], message: expect.stringContaining('"missing" is neither "local" nor a configured model') },
    ]);
  });
});

const cachedFile = `providers:
  - { name: openai-main, type: openai, api_key: sk-test }
cache:
  mode: exact
  ttl: 3600
  semantic: { threshold: 0.95, embedder: embed }
models:
  - name: fast
    cache: { mode: semantic, ttl: 600 }
    targets:
      - { provider: openai-main, model: gpt-4o-mini }
  - name: embed
    targets:
      - { provider: openai-main, model: text-embedding-3-small }
`;

describe('cache in gateway.yaml', () => {
  it('loads the top-level defaults and a model’s settings (the issue’s shape)', () => {
    const config = parseGatewayConfig(cachedFile, 'gateway.yaml', {});
    expect(config.cache).toEqual({ mode: 'exact', ttl: 3600, semantic: { threshold: 0.95, embedder: 'embed' } });
    expect(config.models[0]).toMatchObject({ name: 'fast', cache: { mode: 'semantic', ttl: 600 } });
    expect(config.models[1]?.cache).toBeUndefined();
    expect(parseGatewayConfig('', 'g.yaml', {}).cache).toBeUndefined();
  });

  it('names the line and field of a bad value, an unknown field and an unknown embedder', () => {
    const text = cachedFile
      .replace('  mode: exact\n', '  mode: fuzzy\n')
      .replace('cache: { mode: semantic, ttl: 600 }', 'cache: { mode: semantic, ttl: 600, scope: team }');
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', {}));
    expect(message).toContain('gateway.yaml:4:9 cache.mode: Invalid option');
    expect(message).toContain('gateway.yaml:9:40 models.0.cache.scope: unknown field "scope"');
    // Checks between fields run once every field is valid, as for unknown providers.
    const embedder = problemsOf(() => parseGatewayConfig(cachedFile.replace('embedder: embed }', 'embedder: nobody }'), 'gateway.yaml', {}));
    expect(embedder).toContain('gateway.yaml:6:42 cache.semantic.embedder: "nobody" is neither "local" nor a configured model');
  });

  it('checks a model’s embedder against every model of the file', () => {
    const text = cachedFile.replace('cache: { mode: semantic, ttl: 600 }', 'cache: { semantic: { embedder: embedder-typo } }');
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', {}));
    expect(message).toContain('gateway.yaml:9:36 models.0.cache.semantic.embedder: "embedder-typo" is neither "local" nor a configured model');
    expect(parseGatewayConfig(text.replace('embedder-typo', 'embed'), 'gateway.yaml', {}).models[0]?.cache).toEqual({ semantic: { embedder: 'embed' } });
  });

  it('reads a whole environment reference as a number for ttl', () => {
    const config = parseGatewayConfig(cachedFile.replace('  ttl: 3600\n', '  ttl: ${CACHE_TTL}\n'), 'gateway.yaml', { CACHE_TTL: '120' });
    expect(config.cache?.ttl).toBe(120);
  });

  it('is a model setting of gateway.yaml and the admin API, never of x-gateway-config', () => {
    const model = { targets: [{ provider: 'a', model: 'm' }], cache: { mode: 'exact' } };
    expect(modelConfigSchema.safeParse({ name: 'm', ...model }).success).toBe(true);
    expect(modelReplaceSchema.safeParse(model).success).toBe(true);
    expect(issuesOf(inlineRoutingConfigSchema.safeParse(model))).toEqual([{ path: '', message: 'Unrecognized key: "cache"' }]);
  });
});
