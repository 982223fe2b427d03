import { describe, expect, it } from 'vitest';
import type { ModelRecord } from '@gateway/db';
import { modelReferenceProblem, modelText, parseModelForm } from './model-form.ts';

const providers = new Set(['openai-main']);
const model = {
  name: 'fast',
  strategy: 'fallback',
  targets: [{ provider: 'openai-main', model: 'gpt-4o-mini' }],
  retry: { attempts: 2 },
  price: { input_per_million: 0.15, output_per_million: 0.6 },
  cache: { mode: 'semantic', ttl: 600, semantic: { threshold: 0.97, embedder: 'local' } },
  guardrails: ['pii-strict', 'injection'],
};

/** What the repository would give back after saving `input` (the fields the form shows). */
function stored(input: Extract<ReturnType<typeof parseModelForm>, { ok: true }>['input']): ModelRecord {
  return {
    id: 'model_1',
    name: input.name,
    strategy: input.strategy,
    targets: input.targets,
    price: input.price ?? null,
    routing: input.routing ?? {},
    cache: input.cache ?? null,
    guardrails: input.guardrails ?? null,
    source: 'api',
    createdAt: new Date(0),
    updatedAt: new Date(0),
  } as ModelRecord;
}

describe('parseModelForm', () => {
  it('keeps cache settings and guardrail policies as the model’s own fields, not routing settings', () => {
    const result = parseModelForm(JSON.stringify(model), providers);
    if (!result.ok) throw new Error(result.message);
    expect(result.input.cache).toEqual(model.cache);
    expect(result.input.guardrails).toEqual(model.guardrails);
    expect(result.input.routing).not.toHaveProperty('cache');
    expect(result.input.routing).not.toHaveProperty('guardrails');
    expect(result.input.routing).toMatchObject({ retry: { attempts: 2 } });
  });

  it('a round trip through the edit text keeps both', () => {
    const first = parseModelForm(JSON.stringify(model), providers);
    if (!first.ok) throw new Error(first.message);
    const text = modelText(stored(first.input));
    expect(JSON.parse(text)).toMatchObject({ cache: model.cache, guardrails: model.guardrails });
    const second = parseModelForm(text, providers);
    expect(second).toEqual(first);
  });

  it('a model without them saves null for both (the gateway defaults, no policies)', () => {
    const result = parseModelForm(JSON.stringify({ name: 'plain', targets: [{ provider: 'openai-main', model: 'gpt-4o' }] }), providers);
    expect(result).toMatchObject({ ok: true, input: { cache: null, guardrails: null } });
    if (result.ok) expect(JSON.parse(modelText(stored(result.input)))).not.toHaveProperty('cache');
  });

  it('validates cache settings and policy names as gateway.yaml does', () => {
    const message = (overrides: Record<string, unknown>) => {
      const result = parseModelForm(JSON.stringify({ ...model, ...overrides }), providers);
      return result.ok ? undefined : result.message;
    };
    expect(message({ cache: { mode: 'sometimes' } })).toMatch(/^cache\.mode/);
    expect(message({ cache: { ttl: 31 * 24 * 3600 } })).toMatch(/30 days/);
    expect(message({ cache: { semantic: { threshold: 2 } } })).toMatch(/^cache\.semantic\.threshold/);
    expect(message({ cache: { colour: 'red' } })).toMatch(/^cache/);
    expect(message({ guardrails: ['pii', 'pii'] })).toMatch(/named twice/);
    expect(message({ guardrails: ['no spaces'] })).toMatch(/^guardrails\.0/);
  });
});

describe('modelReferenceProblem', () => {
  const parsed = (overrides: Record<string, unknown> = {}) => {
    const result = parseModelForm(JSON.stringify({ ...model, ...overrides }), providers);
    if (!result.ok) throw new Error(result.message);
    return result.input;
  };

  it('refuses an unknown policy, naming it and its place', () => {
    expect(modelReferenceProblem(parsed(), ['injection'], new Set())).toBe('guardrails.1: there is no guardrail policy "injection" (see Guardrails)');
    expect(modelReferenceProblem(parsed(), [], new Set())).toBeUndefined();
  });

  it('refuses an embedder that is neither local nor a model; the model itself counts', () => {
    const input = parsed({ cache: { mode: 'semantic', semantic: { embedder: 'embed' } } });
    expect(modelReferenceProblem(input, [], new Set(['other']))).toMatch(/^cache\.semantic\.embedder: "embed" is neither "local" nor a configured model/);
    expect(modelReferenceProblem(input, [], new Set(['embed']))).toBeUndefined();
    expect(modelReferenceProblem(parsed({ name: 'embed', cache: { semantic: { embedder: 'embed' } } }), [], new Set())).toBeUndefined();
  });
});
