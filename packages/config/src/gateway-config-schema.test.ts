import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseGatewayConfig } from './load-gateway-config.ts';
import {
  gatewayConfigSchema,
  inlineRoutingConfigSchema,
  modelConfigSchema,
  modelsUsingProvider,
  providerInUseMessage,
  targetPricePerMillion,
  providerConfigProblems,
  providerFieldsSchema,
  withProviderConfigChecks,
} from './gateway-config-schema.ts';

function issuesOf(result: z.ZodSafeParseResult<unknown>): Array<{ path: string; message: string }> {
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('provider fields', () => {
  it('refuses a base_url with a username or password, without echoing it', () => {
    for (const base_url of ['https://admin:hunter2@llm.internal/v1', 'https://token@llm.internal/v1', 'http://:pw@llm.internal']) {
      const issues = issuesOf(providerFieldsSchema.safeParse({ name: 'p', type: 'openai-compatible', base_url }));
      expect(issues).toEqual([
        { path: 'base_url', message: 'base_url must not contain a username or password: put credentials in api_key or headers' },
      ]);
      expect(JSON.stringify(issues)).not.toContain('hunter2');
    }
    expect(providerFieldsSchema.safeParse({ name: 'p', type: 'openai-compatible', base_url: 'https://llm.internal:8443/v1?x=a@b' }).success).toBe(true);
  });

  it('accepts only HTTP token header names and values without CR, LF or NUL', () => {
    const withHeaders = (headers: Record<string, string>) => issuesOf(providerFieldsSchema.safeParse({ name: 'p', type: 'openai', headers }));
    expect(withHeaders({ 'X-Team': 'search', "x-odd!#$%&'*+.^_`|~": 'v', 'OpenAI-Organization': 'org 1; a=b' })).toEqual([]);
    for (const name of ['X Team', 'x-team:', 'x-tëam', '', 'a\r\nb', '(x)']) {
      expect(withHeaders({ [name]: 'v' })).toEqual([
        { path: `headers.${name}`, message: "not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only; no spaces or colons)" },
      ]);
    }
    for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b']) {
      expect(withHeaders({ 'x-team': value })).toEqual([{ path: 'headers.x-team', message: 'a header value must not contain CR, LF or NUL' }]);
    }
  });

  it('stays a plain object schema, so .omit works and keeps the field checks', () => {
    const withoutName = providerFieldsSchema.omit({ name: true });
    expect(withoutName.safeParse({ type: 'openai', api_key: 'k' }).success).toBe(true);
    expect(issuesOf(withoutName.safeParse({ type: 'openai', headers: { 'bad name': 'v' } }))).toHaveLength(1);
  });
});

describe('checks between provider fields', () => {
  it('lists what a provider type needs', () => {
    expect(providerConfigProblems({ type: 'openai' })).toEqual([]);
    expect(providerConfigProblems({ type: 'openai-compatible' })).toEqual([{ path: ['base_url'], message: 'base_url is required for type openai-compatible' }]);
    expect(providerConfigProblems({ type: 'azure-openai' })).toEqual([
      { path: ['base_url'], message: 'base_url is required for type azure-openai' },
      { path: ['api_version'], message: 'api_version is required for type azure-openai' },
    ]);
    expect(providerConfigProblems({ type: 'azure-openai', base_url: 'https://x.openai.azure.com', api_version: '2024-10-21' })).toEqual([]);
  });

  it('adds them to a provider schema, with or without its name', () => {
    const create = withProviderConfigChecks(providerFieldsSchema);
    const replace = withProviderConfigChecks(providerFieldsSchema.omit({ name: true }));
    expect(issuesOf(create.safeParse({ name: 'local', type: 'openai-compatible' }))).toEqual([
      { path: 'base_url', message: 'base_url is required for type openai-compatible' },
    ]);
    expect(issuesOf(replace.safeParse({ type: 'azure-openai', base_url: 'https://x.openai.azure.com' }))).toEqual([
      { path: 'api_version', message: 'api_version is required for type azure-openai' },
    ]);
    expect(replace.parse({ type: 'openai-compatible', base_url: 'http://vllm:8000/v1' })).toEqual({ type: 'openai-compatible', base_url: 'http://vllm:8000/v1' });
    // The admin API documents its bodies as JSON Schema; the refinement must not get in the way.
    expect(z.toJSONSchema(replace, { io: 'input' })).toMatchObject({ type: 'object', properties: { type: {}, base_url: {} } });
  });

  it('are the ones gateway.yaml gets, at the provider path', () => {
    const issues = issuesOf(gatewayConfigSchema.safeParse({ providers: [{ name: 'ok', type: 'openai' }, { name: 'az', type: 'azure-openai' }] }));
    expect(issues).toEqual([
      { path: 'providers.1.base_url', message: 'base_url is required for type azure-openai' },
      { path: 'providers.1.api_version', message: 'api_version is required for type azure-openai' },
    ]);
  });
});

const routingExample = `providers:
  - { name: openai-main, type: openai, api_key: sk-1 }
  - { name: anthropic-main, type: anthropic, api_key: sk-2 }
  - { name: groq-main, type: groq, api_key: sk-3 }
  - { name: together, type: together, api_key: sk-4 }
models:
  - name: resilient
    strategy: fallback
    retry: { attempts: 2, on_status_codes: [429, 500, 502, 503, 504], initial_backoff_ms: 250, max_backoff_ms: 8000, max_retry_after_ms: 30000 }
    timeout_ms: 120000
    hedge: { after_ms: 3000 }
    fallbacks:
      context_window: [ { provider: anthropic-main, model: claude-sonnet-4-5 } ]
      content_policy: [ { provider: anthropic-main, model: claude-sonnet-4-5 } ]
    targets:
      - name: premium
        provider: openai-main
        model: gpt-4o
        weight: 2
        price: { input_per_mtok: 2.5, output_per_mtok: 10 }
        rpm: 500
        tpm: 200000
        timeout_ms: 60000
        ttft_timeout_ms: 10000
        idle_timeout_ms: 20000
        retry: { attempts: 1 }
      - name: cheap
        strategy: loadbalance
        targets: [ { provider: groq-main, model: llama-3.3-70b-versatile }, { provider: together, model: meta-llama/Llama-3.3-70B-Instruct-Turbo } ]
  - name: by-plan
    strategy: conditional
    conditions: [ { when: { "metadata.plan": { "$eq": "free" } }, then: cheap } ]
    default: premium
    targets:
      - { name: premium, provider: openai-main, model: gpt-4o }
      - { name: cheap, provider: groq-main, model: llama-3.3-70b-versatile }
  - name: legacy
    strategy: loadbalance
    price: { input_per_million: 0.15, output_per_million: 0.6 }
    targets: [ { provider: openai-main, model: gpt-4o-mini, weight: 3 } ]
`;

describe('routing settings in gateway.yaml', () => {
  it('loads the normative example, nested groups and the old shape alike', () => {
    const config = parseGatewayConfig(routingExample, 'gateway.yaml', {});
    const resilient = config.models[0]!;
    expect(resilient).toMatchObject({
      strategy: 'fallback',
      retry: { attempts: 2, on_status_codes: [429, 500, 502, 503, 504] },
      timeout_ms: 120000,
      hedge: { after_ms: 3000 },
      fallbacks: { context_window: [{ provider: 'anthropic-main', model: 'claude-sonnet-4-5' }] },
    });
    expect(resilient.targets[0]).toMatchObject({ name: 'premium', price: { input_per_mtok: 2.5 }, rpm: 500, ttft_timeout_ms: 10000, retry: { attempts: 1 } });
    expect(resilient.targets[1]?.targets?.map((target) => target.provider)).toEqual(['groq-main', 'together']);
    expect(config.models[1]).toMatchObject({ strategy: 'conditional', default: 'premium', conditions: [{ then: 'cheap' }] });
    expect(config.models[2]).toEqual({
      name: 'legacy',
      strategy: 'loadbalance',
      price: { input_per_million: 0.15, output_per_million: 0.6 },
      targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }],
    });
  });

  const broken = (from: string, to: string) => {
    const text = routingExample.replace(from, to);
    expect(text, `replacing ${from}`).not.toBe(routingExample);
    try {
      parseGatewayConfig(text, 'gateway.yaml', {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the line and path of an unknown provider in a nested target', () => {
    expect(broken('{ provider: together,', '{ provider: nobody,')).toContain(
      'gateway.yaml:29:89 models.0.targets.1.targets.1.provider: unknown provider "nobody" (declare it under providers)',
    );
    expect(broken('content_policy: [ { provider: anthropic-main', 'content_policy: [ { provider: nope')).toContain(
      'models.0.fallbacks.content_policy.0.provider: unknown provider "nope"',
    );
  });

  it('refuses conditions naming an unknown target, a conditional without conditions, and bad queries', () => {
    expect(broken('then: cheap', 'then: cheapest')).toMatch(/gateway\.yaml:32:\d+ models\.1\.conditions\.0\.then: "cheapest" names no target of this group/);
    expect(broken('default: premium', 'default: gold')).toContain('models.1.default: "gold" names no target of this group');
    expect(broken('    conditions: [ { when: { "metadata.plan": { "$eq": "free" } }, then: cheap } ]\n', '')).toContain(
      'gateway.yaml:31:15 models.1.strategy: strategy conditional needs conditions: [{ when, then }]',
    );
    expect(broken('"$eq": "free"', '"$exists": true')).toContain('models.1.conditions.0.when.metadata.plan.$exists: unknown operator "$exists"');
    expect(broken('"$eq": "free"', '"$regex": "(a+)+"')).toContain('$regex refused');
    expect(broken('strategy: conditional', 'strategy: fallback')).toContain('models.1.conditions: conditions are only for strategy conditional');
  });

  it('keeps deployment fields off groups and group fields off deployments', () => {
    expect(broken('strategy: loadbalance\n        targets:', 'strategy: loadbalance\n        rpm: 5\n        targets:')).toContain(
      'models.0.targets.1.rpm: rpm is for a deployment, not a group',
    );
    expect(broken('        retry: { attempts: 1 }\n', '        retry: { attempts: 1 }\n        default: x\n')).toContain('models.0.targets.0.default: default is for a group of targets');
    expect(broken('      - name: premium\n        provider: openai-main\n', '      - name: premium\n')).toContain(
      'models.0.targets.0.provider: a target needs provider and model (or targets, for a group)',
    );
    expect(broken('price: { input_per_mtok: 2.5, output_per_mtok: 10 }', 'price: { input_per_mtok: 2.5 }')).toContain(
      'models.0.targets.0.price: a price needs input_per_mtok and output_per_mtok',
    );
    expect(broken('retry: { attempts: 1 }', 'retry: { attempts: 1, tries: 3 }')).toContain('models.0.targets.0.retry.tries: unknown field "tries"');
    expect(broken('{ name: cheap, provider: groq-main', '{ name: premium, provider: groq-main')).toContain('models.1.targets.1.name: duplicate target name "premium"');
  });
});

describe('inline routing config', () => {
  it('takes a model entry without name, with tighter regex limits', () => {
    const inline = { strategy: 'fallback', targets: [{ provider: 'a', model: 'm' }], retry: { attempts: 0 } };
    expect(inlineRoutingConfigSchema.safeParse(inline).success).toBe(true);
    expect(issuesOf(inlineRoutingConfigSchema.safeParse({ ...inline, name: 'x' }))).toEqual([{ path: '', message: 'Unrecognized key: "name"' }]);
    const conditional = (pattern: string) => ({
      strategy: 'conditional',
      conditions: [{ when: { model: { $regex: pattern } }, then: 'a' }],
      targets: [{ name: 'a', provider: 'a', model: 'm' }],
    });
    expect(inlineRoutingConfigSchema.safeParse(conditional('a'.repeat(64))).success).toBe(true);
    expect(issuesOf(inlineRoutingConfigSchema.safeParse(conditional('a'.repeat(65))))).toEqual([
      { path: 'conditions.0.when.model.$regex', message: '$regex patterns are at most 64 characters here' },
    ]);
    expect(modelConfigSchema.safeParse({ name: 'm', ...conditional('a'.repeat(65)) }).success).toBe(true);
  });

  it('converts either price spelling to per-million figures', () => {
    expect(targetPricePerMillion({ input_per_mtok: 1, output_per_mtok: 2 })).toEqual({ inputPerMillion: 1, outputPerMillion: 2 });
    expect(targetPricePerMillion({ input_per_million: 3, output_per_million: 4 })).toEqual({ inputPerMillion: 3, outputPerMillion: 4 });
    expect(targetPricePerMillion({ input_per_mtok: 1 })).toBeUndefined();
  });
});

describe('models using a provider', () => {
  const deployment = (provider: string) => ({ provider, model: 'm' });
  const models = [
    { name: 'direct', targets: [deployment('openai')], routing: {} },
    { name: 'nested', targets: [{ strategy: 'fallback', targets: [deployment('other'), { targets: [deployment('openai')] }] }], routing: {} },
    { name: 'long-context', targets: [deployment('other')], routing: { fallbacks: { context_window: [deployment('openai')] } } },
    { name: 'policy', targets: [deployment('other')], routing: { retry: { attempts: 1 }, fallbacks: { content_policy: [{ targets: [deployment('openai')] }] } } },
    { name: 'unrelated', targets: [deployment('other')], routing: { fallbacks: { context_window: [deployment('openai-2')] } } },
  ];

  it('finds a provider in targets at any depth and in every kind of fallback', () => {
    expect(modelsUsingProvider(models, 'openai')).toEqual(['direct', 'nested', 'long-context', 'policy']);
    expect(modelsUsingProvider(models, 'openai-2')).toEqual(['unrelated']);
    expect(modelsUsingProvider(models, 'nobody')).toEqual([]);
  });

  it('says which models to change first', () => {
    expect(providerInUseMessage('openai', ['a', 'b'])).toBe('Provider "openai" is used by model(s) "a", "b" (targets or fallbacks): change them first');
  });
});
