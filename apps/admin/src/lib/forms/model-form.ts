import { modelConfigSchema, unknownProviderProblems, type ModelConfig } from '@gateway/config';
import type { ModelInput, ModelRecord } from '@gateway/db';

/**
 * Reads a model written as JSON in gateway.yaml's shape (name, strategy, targets, price, retry,
 * fallbacks…) and validates it as gateway.yaml and the admin API do, including that every target's
 * provider exists.
 */
export function parseModelForm(text: string, providers: ReadonlySet<string>): { ok: true; input: ModelInput } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The model is not valid JSON' };
  }
  const parsed = modelConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'model'}: ${issue?.message ?? 'invalid'}` };
  }
  const { name, strategy, targets, price, ...routing }: ModelConfig = parsed.data;
  const [unknown] = unknownProviderProblems({ targets, ...routing }, providers);
  if (unknown) return { ok: false, message: `${unknown.path.join('.')}: ${unknown.message}` };
  return {
    ok: true,
    input: {
      name,
      strategy: strategy ?? 'loadbalance',
      targets,
      price: price ? { inputPerMillion: price.input_per_million, outputPerMillion: price.output_per_million } : null,
      routing,
      source: 'api',
    },
  };
}

/** A stored model as the JSON the form edits (gateway.yaml's shape). */
export function modelText(record: ModelRecord): string {
  return JSON.stringify(
    {
      name: record.name,
      strategy: record.strategy,
      targets: record.targets,
      ...record.routing,
      ...(record.price ? { price: { input_per_million: record.price.inputPerMillion, output_per_million: record.price.outputPerMillion } } : {}),
    },
    null,
    2,
  );
}
