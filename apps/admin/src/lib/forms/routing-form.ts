import type { ModelInput, ModelRecord } from '@gateway/db';
import { modelEntry, parseModelForm } from './model-form.ts';

/** A model entry's fields that are not its routing: the routing form keeps them as stored. */
const notRouting = ['name', 'price', 'cache', 'guardrails'] as const;

/**
 * A stored model's routing alone, as the JSON the routing form edits: `strategy`, `targets` and the
 * routing settings (`retry`, `timeout_ms`, `hedge`, `fallbacks`, `conditions`, `default`), in
 * gateway.yaml's shape.
 */
export function routingText(record: ModelRecord): string {
  const routing = Object.entries(modelEntry(record)).filter(([field]) => !(notRouting as readonly string[]).includes(field));
  return JSON.stringify(Object.fromEntries(routing), null, 2);
}

/**
 * Reads a model's routing written as JSON and validates it together with the rest of the stored model
 * (its name, price, cache settings and guardrail policies, which the text may not set) through
 * `parseModelForm`: gateway.yaml's schema and checks, and that every target's provider exists. What it
 * gives back is the whole model to save, its non-routing fields as they were.
 */
export function parseRoutingForm(text: string, stored: ModelRecord, providers: ReadonlySet<string>): { ok: true; input: ModelInput } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'The routing is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'routing: expected an object with strategy and targets' };
  const field = notRouting.find((name) => name in value);
  if (field !== undefined) return { ok: false, message: `${field}: not part of the routing; it is kept as stored (change it on the Models page)` };
  const { name, price, cache, guardrails } = modelEntry(stored);
  return parseModelForm(JSON.stringify({ ...value, name, price, cache, guardrails }), providers);
}
