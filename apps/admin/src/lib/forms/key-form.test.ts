import { describe, expect, it } from 'vitest';
import { expiryFieldValue, modelLimitsText, parseKeyForm } from './key-form.ts';

const now = new Date('2030-01-01T00:00:00Z');
const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('parseKeyForm', () => {
  it('reads every field; empty fields mean none', () => {
    const result = parseKeyForm(
      form({
        name: ' search app ',
        models: 'fast, smart\nfast',
        rpm_limit: '60',
        tpm_limit: '',
        max_parallel: '4',
        budget_usd: '12.5',
        budget_period: 'weekly',
        metadata: '{"team": "search"}',
        model_limits: '{"smart": {"rpm_limit": 5, "budget": {"max_usd": 1, "period": "daily"}}}',
        strict: 'on',
        expires_at: '2030-02-01T00:00',
        guardrails: 'pii-strict, injection\npii-strict',
        log_bodies: 'on',
      }),
      now,
    );
    expect(result).toEqual({
      ok: true,
      input: {
        name: 'search app',
        models: ['fast', 'smart'],
        metadata: { team: 'search' },
        strict: true,
        expiresAt: new Date('2030-02-01T00:00:00Z'),
        limits: { rpmLimit: 60, tpmLimit: null, maxParallel: 4, budget: { maxUsd: 12.5, period: 'weekly' } },
        modelLimits: { smart: { rpmLimit: 5, budget: { maxUsd: 1, period: 'daily' } } },
        guardrails: ['pii-strict', 'injection'],
        logBodies: true,
      },
    });
    expect(parseKeyForm(form({ name: 'plain' }), now)).toEqual({
      ok: true,
      input: { name: 'plain', models: null, metadata: {}, strict: false, expiresAt: null, limits: { rpmLimit: null, tpmLimit: null, maxParallel: null, budget: null }, modelLimits: null, guardrails: null, logBodies: false },
    });
  });

  it('refuses what the admin API refuses, saying what is wrong', () => {
    const message = (fields: Record<string, string>) => {
      const result = parseKeyForm(form({ name: 'k', ...fields }), now);
      return result.ok ? undefined : result.message;
    };
    expect(message({ name: '' })).toMatch(/name/);
    expect(message({ rpm_limit: '0' })).toMatch(/Requests per minute/);
    expect(message({ tpm_limit: '1.5' })).toMatch(/Tokens per minute/);
    expect(message({ budget_usd: '-1' })).toMatch(/budget/);
    expect(message({ metadata: '[1]' })).toMatch(/JSON object/);
    expect(message({ metadata: '{' })).toMatch(/not valid JSON/);
    expect(message({ model_limits: '{"m": {"rpm": 1}}' })).toMatch(/Per-model limits/);
    expect(message({ expires_at: '2029-12-31T00:00' })).toMatch(/past/);
  });

  it('keeps an expired key’s stored expiry when it comes back unchanged, and refuses only a new past one', () => {
    const stored = new Date('2029-06-01T08:30:45.123Z');
    const shown = expiryFieldValue(stored);
    // The field shows seconds, so saving does not move the expiry to the minute.
    expect(shown).toBe('2029-06-01T08:30:45');
    const edited = parseKeyForm(form({ name: 'renamed', expires_at: shown }), now, stored);
    expect(edited.ok && edited.input).toMatchObject({ name: 'renamed', expiresAt: stored });
    expect(edited.ok && edited.input.expiresAt?.getTime()).toBe(stored.getTime());
    const moved = parseKeyForm(form({ name: 'k', expires_at: '2029-06-01T08:31:45' }), now, stored);
    expect(moved).toEqual({ ok: false, message: 'The expiry is in the past' });
    // A new expiry in the future replaces it; a cleared one means never.
    expect(parseKeyForm(form({ name: 'k', expires_at: '2030-03-01T00:00:30' }), now, stored)).toMatchObject({ ok: true, input: { expiresAt: new Date('2030-03-01T00:00:30Z') } });
    expect(parseKeyForm(form({ name: 'k', expires_at: '' }), now, stored)).toMatchObject({ ok: true, input: { expiresAt: null } });
    // A future stored expiry round-trips to the second too.
    const future = new Date('2030-05-05T05:05:05.000Z');
    expect(parseKeyForm(form({ name: 'k', expires_at: expiryFieldValue(future) }), now, future)).toMatchObject({ ok: true, input: { expiresAt: future } });
    expect(expiryFieldValue(null)).toBe('');
  });

  it('shows per-model limits back in the shape it reads', () => {
    const text = modelLimitsText({ smart: { rpmLimit: 5, budget: { maxUsd: 1, period: 'daily' } } });
    const result = parseKeyForm(form({ name: 'k', model_limits: text }), now);
    expect(result.ok && result.input.modelLimits).toEqual({ smart: { rpmLimit: 5, budget: { maxUsd: 1, period: 'daily' } } });
    expect(modelLimitsText(null)).toBe('');
  });
});
