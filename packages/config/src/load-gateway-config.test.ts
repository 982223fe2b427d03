import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseGatewayConfig, parseYamlConfig } from './load-gateway-config.ts';

const issueExample = `providers:
  - name: openai-main
    type: openai
    base_url: https://api.openai.com/v1   # optional for known types
    api_key: \${OPENAI_API_KEY}
models:
  - name: fast                 # the name clients send as "model"
    targets:
      - provider: openai-main
        model: gpt-4o-mini
        weight: 1
`;

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGatewayConfig', () => {
  it('loads the documented shape and substitutes environment references', () => {
    const config = parseGatewayConfig(issueExample, 'gateway.yaml', { OPENAI_API_KEY: 'sk-test-123' });
    expect(config.providers).toEqual([
      { name: 'openai-main', type: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'sk-test-123' },
    ]);
    expect(config.models).toEqual([{ name: 'fast', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 1 }] }]);
  });

  it('names the line and field of a missing environment variable', () => {
    const message = problemsOf(() => parseGatewayConfig(issueExample, 'gateway.yaml', {}));
    expect(message).toContain('gateway.yaml:5:14 providers.0.api_key: environment variable OPENAI_API_KEY is not set');
  });

  it('names sequence indexes all the way down in environment problems', () => {
    const text = `${issueExample}  - name: second\n    targets:\n      - provider: openai-main\n        model: \${SECOND_MODEL}\n`;
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', { OPENAI_API_KEY: 'x' }));
    expect(message).toContain('gateway.yaml:15:16 models.1.targets.0.model: environment variable SECOND_MODEL is not set');
  });

  it('reads a whole reference as a number where a number is wanted', () => {
    const text = issueExample
      .replace('    api_key: ${OPENAI_API_KEY}\n', '    api_key: ${OPENAI_API_KEY}\n    timeout_ms: ${TMO}\n')
      .replace('weight: 1', 'weight: ${WEIGHT:-0.5}');
    const config = parseGatewayConfig(text, 'gateway.yaml', { OPENAI_API_KEY: '12345', TMO: '5000' });
    expect(config.providers[0]).toMatchObject({ timeout_ms: 5000, api_key: '12345' });
    expect(config.models[0]?.targets[0]?.weight).toBe(0.5);
  });

  it('keeps numeric-looking values of string fields as the text they were', () => {
    const text = issueExample.replace('    api_key: ${OPENAI_API_KEY}\n', '    api_key: ${OPENAI_API_KEY}\n    headers:\n      x-tenant: ${TENANT}\n');
    const config = parseGatewayConfig(text, 'g.yaml', { OPENAI_API_KEY: '0012345', TENANT: 'true' });
    expect(config.providers[0]).toMatchObject({ api_key: '0012345', headers: { 'x-tenant': 'true' } });
  });

  it('never turns a reference inside a longer string, a quoted one, or structure into a number', () => {
    const withTimeout = (value: string) =>
      issueExample.replace('    api_key: ${OPENAI_API_KEY}\n', `    api_key: \${OPENAI_API_KEY}\n    timeout_ms: ${value}\n`);
    for (const [value, environment] of [
      ['${TMO}000', { TMO: '5' }],
      ['"${TMO}"', { TMO: '5000' }],
      ['${TMO}', { TMO: '{a: 1}' }],
      ['${TMO}', { TMO: '[5000]' }],
      ['${TMO}', { TMO: 'soon' }],
    ] as const) {
      const message = problemsOf(() => parseGatewayConfig(withTimeout(value), 'gateway.yaml', { OPENAI_API_KEY: 'x', ...environment }));
      expect(message).toMatch(/gateway\.yaml:6:17 providers\.0\.timeout_ms: Invalid input: expected number, received string/);
    }
  });

  it('reads a whole reference as a boolean where a boolean is wanted, and never as structure', () => {
    const schema = z.strictObject({ enabled: z.boolean(), label: z.string(), tags: z.array(z.string()).optional() });
    expect(parseYamlConfig('enabled: ${ON}\nlabel: ${ON}\n', 'flags.yaml', schema, { ON: 'true' })).toEqual({ enabled: true, label: 'true' });
    expect(parseYamlConfig('enabled: ${ON}\nlabel: x\n', 'flags.yaml', schema, { ON: 'false' })).toEqual({ enabled: false, label: 'x' });
    const message = problemsOf(() => parseYamlConfig('enabled: true\nlabel: x\ntags: ${TAGS}\n', 'flags.yaml', schema, { TAGS: '[a, b]' }));
    expect(message).toContain('flags.yaml:3:7 tags: Invalid input: expected array, received string');
  });

  it('uses ${NAME:-default} when the variable is unset', () => {
    const config = parseGatewayConfig(issueExample.replace('${OPENAI_API_KEY}', '${OPENAI_API_KEY:-none}'), 'g.yaml', {});
    expect(config.providers[0]?.api_key).toBe('none');
  });

  it('rejects unknown fields with their line', () => {
    const text = issueExample.replace('        weight: 1\n', '        weight: 1\n        wieght: 2\n');
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', { OPENAI_API_KEY: 'x' }));
    expect(message).toContain('gateway.yaml:12:9');
    expect(message).toContain('unknown field "wieght"');
  });

  it('rejects bad values with their line and path', () => {
    const text = issueExample.replace('type: openai', 'type: openia').replace('weight: 1', 'weight: -2');
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', { OPENAI_API_KEY: 'x' }));
    expect(message).toMatch(/gateway\.yaml:3:11 providers\.0\.type/);
    expect(message).toMatch(/gateway\.yaml:11:17 models\.0\.targets\.0\.weight/);
  });

  it('rejects targets that name an undeclared provider', () => {
    const text = issueExample.replace('- provider: openai-main', '- provider: nobody');
    const message = problemsOf(() => parseGatewayConfig(text, 'gateway.yaml', { OPENAI_API_KEY: 'x' }));
    expect(message).toContain('unknown provider "nobody"');
    expect(message).toContain('gateway.yaml:9:19');
  });

  it('requires base_url for openai-compatible and api_version for azure-openai', () => {
    const text = `providers:\n  - { name: local, type: openai-compatible }\n  - { name: az, type: azure-openai, base_url: "https://x.openai.azure.com" }\n`;
    const message = problemsOf(() => parseGatewayConfig(text, 'g.yaml', {}));
    expect(message).toContain('base_url is required for type openai-compatible');
    expect(message).toContain('api_version is required for type azure-openai');
  });

  it('refuses credentials in base_url and malformed headers, with their lines', () => {
    const text = `providers:\n  - name: local\n    type: openai-compatible\n    base_url: https://admin:\${PASSWORD}@llm.internal/v1\n    headers:\n      "X Team": a\n      x-ok: "a\\r\\nX-Injected: 1"\n`;
    const message = problemsOf(() => parseGatewayConfig(text, 'g.yaml', { PASSWORD: 'hunter2' }));
    expect(message).toContain('g.yaml:4:15 providers.0.base_url: base_url must not contain a username or password: put credentials in api_key or headers');
    expect(message).toContain('g.yaml:6:17 providers.0.headers.X Team: not a valid HTTP header name');
    expect(message).toContain('g.yaml:7:13 providers.0.headers.x-ok: a header value must not contain CR, LF or NUL');
    expect(message).not.toContain('hunter2');
  });

  it('reports YAML syntax errors', () => {
    expect(problemsOf(() => parseGatewayConfig('providers: [', 'g.yaml', {}))).toContain('Cannot parse g.yaml');
  });

  it('accepts an empty file as an empty gateway', () => {
    expect(parseGatewayConfig('', 'g.yaml', {})).toEqual({ providers: [], models: [] });
  });
});

describe('gateway.example.yaml', () => {
  it('loads as shipped', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('../../../gateway.example.yaml', import.meta.url), 'utf8');
    const config = parseGatewayConfig(text, 'gateway.example.yaml', { OPENAI_API_KEY: 'sk-example' });
    expect(config.providers.map((provider) => provider.name)).toEqual(['openai-main']);
    expect(config.models.map((model) => model.name)).toEqual(['fast', 'embed']);
  });
});
