import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  gatewayConfigSchema,
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
