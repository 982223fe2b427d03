import { cacheEmbedderProblems, modelConfigSchema, unknownProviderProblems, type ModelConfig } from '@gateway/config';
import type { ModelInput, ModelRecord } from '@gateway/db';

/**
 * Reads a model written as JSON in gateway.yaml's shape (name, strategy, targets, price, retry,
 * fallbacks, cache, guardrails…) and validates it as gateway.yaml and the admin API do, including that
 * every target's provider exists. `cache` and `guardrails` are the model's own fields, not routing
 * settings; whether the named policies and embedder exist is `modelReferenceProblem`'s job.
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
  const { name, strategy, targets, price, cache, guardrails, ...routing }: ModelConfig = parsed.data;
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
      cache: cache ?? null,
      guardrails: guardrails ?? null,
      source: 'api',
    },
  };
}

/**
 * Why a parsed model cannot be saved although its JSON is valid, as the admin API checks it: a
 * guardrail policy it names does not exist (`unknownPolicies`, from `unknownGuardrailPolicyNames`), or
 * its cache embedder is neither `local` nor a configured model (the model itself counts).
 */
export function modelReferenceProblem(input: ModelInput, unknownPolicies: readonly string[], modelNames: ReadonlySet<string>): string | undefined {
  const [policy] = unknownPolicies;
  if (policy !== undefined) return `guardrails.${(input.guardrails ?? []).indexOf(policy)}: there is no guardrail policy "${policy}" (see Guardrails)`;
  const [embedder] = cacheEmbedderProblems(input.cache, new Set([...modelNames, input.name]));
  if (embedder) return `cache.${embedder.path.join('.')}: ${embedder.message}`;
  return undefined;
}

/** A stored model as a gateway.yaml model entry (name, strategy, targets, routing settings, price, cache, guardrails). */
export function modelEntry(record: ModelRecord): Record<string, unknown> {
  return {
    name: record.name,
    strategy: record.strategy,
    targets: record.targets,
    ...record.routing,
    ...(record.price ? { price: { input_per_million: record.price.inputPerMillion, output_per_million: record.price.outputPerMillion } } : {}),
    ...(record.cache ? { cache: record.cache } : {}),
    ...(record.guardrails ? { guardrails: record.guardrails } : {}),
  };
}

/** A stored model as the JSON the form edits (gateway.yaml's shape), with its cache settings and guardrail policies. */
export function modelText(record: ModelRecord): string {
  return JSON.stringify(modelEntry(record), null, 2);
}
