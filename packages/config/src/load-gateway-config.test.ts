import { describe, expect, it } from 'vitest';
import { ConfigError, parseGatewayConfig } from './load-gateway-config.ts';

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
    expect(message).toContain('gateway.yaml:5:14');
    expect(message).toContain('providers.api_key');
    expect(message).toContain('OPENAI_API_KEY is not set');
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
