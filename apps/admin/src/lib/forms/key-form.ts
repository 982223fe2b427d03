import { z } from 'zod';
import type { BudgetPeriod, CreateKeyInput, Limits, ModelLimits } from '@gateway/db';

/** The key form's fields, with the same bounds as the admin API (apps/api routes/admin/schemas.ts). */
const limitCount = z.number().int().positive().max(1_000_000_000);
const budgetSchema = z.strictObject({ max_usd: z.number().nonnegative().max(1_000_000), period: z.enum(['daily', 'weekly', 'monthly']) });
const modelLimitsSchema = z.record(
  z.string().min(1).max(200),
  z.strictObject({ rpm_limit: limitCount.nullable(), tpm_limit: limitCount.nullable(), max_parallel: limitCount.nullable(), budget: budgetSchema.nullable() }).partial(),
);

export type KeyFormResult =
  | { ok: true; input: Required<Pick<CreateKeyInput, 'name' | 'models' | 'metadata' | 'strict' | 'expiresAt' | 'limits' | 'modelLimits' | 'guardrails' | 'logBodies'>> }
  | { ok: false; message: string };

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

function optionalCount(formData: FormData, name: string, label: string): number | null | string {
  const value = field(formData, name);
  if (value === '') return null;
  const parsed = limitCount.safeParse(Number(value));
  return parsed.success ? parsed.data : `${label} must be a whole number from 1 to 1000000000 (or empty for none)`;
}

function json(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${label} is not valid JSON`);
  }
}

/** A key's expiry as the form's `datetime-local` field shows it: UTC, to the second (the form reads it back the same way). */
export function expiryFieldValue(expiresAt: Date | null | undefined): string {
  return expiresAt ? expiresAt.toISOString().slice(0, 19) : '';
}

const sameSecond = (left: Date, right: Date) => Math.floor(left.getTime() / 1000) === Math.floor(right.getTime() / 1000);

/**
 * Reads the key form (create and edit share it: every field is given; an empty field means none).
 * Models are separated by commas or new lines; metadata and per-model limits are JSON objects,
 * per-model limits snake_case as in the admin API and gateway.yaml. When editing, `storedExpiresAt`
 * is the key's expiry: sent back unchanged (to the second, as `expiryFieldValue` shows it) it is kept
 * exactly, even when it has passed, so an expired key's other settings can still be changed; only a
 * new expiry must lie in the future.
 */
export function parseKeyForm(formData: FormData, now: Date = new Date(), storedExpiresAt: Date | null = null): KeyFormResult {
  try {
    const name = field(formData, 'name');
    if (name.length < 1 || name.length > 200) return { ok: false, message: 'The name needs 1 to 200 characters' };
    const list = (name: string) =>
      field(formData, name)
        .split(/[,\n]/)
        .map((entry) => entry.trim())
        .filter(Boolean);
    const modelNames = list('models');
    const guardrails = [...new Set(list('guardrails'))];
    if (guardrails.some((policy) => policy.length > 200)) return { ok: false, message: 'A guardrail policy name has at most 200 characters' };
    if (modelNames.some((model) => model.length > 200)) return { ok: false, message: 'A model name has at most 200 characters' };
    const counts = {
      rpmLimit: optionalCount(formData, 'rpm_limit', 'Requests per minute'),
      tpmLimit: optionalCount(formData, 'tpm_limit', 'Tokens per minute'),
      maxParallel: optionalCount(formData, 'max_parallel', 'Parallel requests'),
    };
    const problem = Object.values(counts).find((value) => typeof value === 'string');
    if (typeof problem === 'string') return { ok: false, message: problem };
    const budgetText = field(formData, 'budget_usd');
    const period = field(formData, 'budget_period') || 'monthly';
    let budget: Limits['budget'] = null;
    if (budgetText !== '') {
      const parsed = budgetSchema.safeParse({ max_usd: Number(budgetText), period });
      if (!parsed.success) return { ok: false, message: 'The budget is USD from 0 to 1000000 per day, week or month' };
      budget = { maxUsd: parsed.data.max_usd, period: parsed.data.period as BudgetPeriod };
    }
    const metadataText = field(formData, 'metadata');
    const metadata = metadataText === '' ? {} : json(metadataText, 'Metadata');
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return { ok: false, message: 'Metadata must be a JSON object' };
    const modelLimitsText = field(formData, 'model_limits');
    let modelLimits: ModelLimits | null = null;
    if (modelLimitsText !== '') {
      const parsed = modelLimitsSchema.safeParse(json(modelLimitsText, 'Per-model limits'));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return { ok: false, message: `Per-model limits: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}` };
      }
      modelLimits = Object.fromEntries(
        Object.entries(parsed.data).map(([model, limits]) => [
          model,
          {
            ...(limits.rpm_limit != null ? { rpmLimit: limits.rpm_limit } : {}),
            ...(limits.tpm_limit != null ? { tpmLimit: limits.tpm_limit } : {}),
            ...(limits.max_parallel != null ? { maxParallel: limits.max_parallel } : {}),
            ...(limits.budget != null ? { budget: { maxUsd: limits.budget.max_usd, period: limits.budget.period } } : {}),
          },
        ]),
      );
    }
    const expiresText = field(formData, 'expires_at');
    let expiresAt: Date | null = null;
    if (expiresText !== '') {
      expiresAt = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(expiresText) ? expiresText : `${expiresText}Z`);
      if (Number.isNaN(expiresAt.getTime())) return { ok: false, message: 'The expiry is not a date and time' };
      if (storedExpiresAt !== null && sameSecond(expiresAt, storedExpiresAt)) expiresAt = storedExpiresAt;
      else if (expiresAt.getTime() <= now.getTime()) return { ok: false, message: 'The expiry is in the past' };
    }
    return {
      ok: true,
      input: {
        name,
        models: modelNames.length === 0 ? null : [...new Set(modelNames)],
        metadata: metadata as Record<string, unknown>,
        strict: formData.get('strict') === 'on',
        expiresAt,
        limits: { rpmLimit: counts.rpmLimit as number | null, tpmLimit: counts.tpmLimit as number | null, maxParallel: counts.maxParallel as number | null, budget },
        modelLimits,
        // In the order given: the policies run in this order.
        guardrails: guardrails.length === 0 ? null : guardrails,
        logBodies: formData.get('log_bodies') === 'on',
      },
    };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : 'The form could not be read' };
  }
}

/** Per-model limits as the form shows them (snake_case JSON), or '' when there are none. */
export function modelLimitsText(modelLimits: ModelLimits | null): string {
  if (modelLimits === null) return '';
  const stored = Object.fromEntries(
    Object.entries(modelLimits).map(([model, limits]) => [
      model,
      {
        ...(limits.rpmLimit != null ? { rpm_limit: limits.rpmLimit } : {}),
        ...(limits.tpmLimit != null ? { tpm_limit: limits.tpmLimit } : {}),
        ...(limits.maxParallel != null ? { max_parallel: limits.maxParallel } : {}),
        ...(limits.budget != null ? { budget: { max_usd: limits.budget.maxUsd, period: limits.budget.period } } : {}),
      },
    ]),
  );
  return JSON.stringify(stored, null, 2);
}
