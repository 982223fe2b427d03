import { describe, expect, it } from 'vitest';
import { describePurgeTarget, parseCacheSettingsForm, parsePurgeForm } from './cache-form.ts';

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe('parseCacheSettingsForm', () => {
  it('reads every field; empty fields are left out (the built-in values apply)', () => {
    expect(parseCacheSettingsForm(form({ mode: 'semantic', ttl: ' 600 ', threshold: '0.97', embedder: 'embed-small' }))).toEqual({
      ok: true,
      settings: { mode: 'semantic', ttl: 600, semantic: { threshold: 0.97, embedder: 'embed-small' } },
    });
    expect(parseCacheSettingsForm(form({ mode: '', ttl: '', threshold: '', embedder: '' }))).toEqual({ ok: true, settings: {} });
    expect(parseCacheSettingsForm(form({ mode: 'exact' }))).toEqual({ ok: true, settings: { mode: 'exact' } });
  });

  it('refuses what gateway.yaml refuses, naming the field', () => {
    const message = (fields: Record<string, string>) => {
      const result = parseCacheSettingsForm(form(fields));
      return result.ok ? undefined : result.message;
    };
    expect(message({ mode: 'sometimes' })).toMatch(/^Mode: /);
    expect(message({ ttl: '0' })).toMatch(/^TTL: /);
    expect(message({ ttl: 'soon' })).toMatch(/^TTL: /);
    expect(message({ ttl: String(31 * 24 * 3600) })).toBe('TTL: at most 2592000 seconds (30 days)');
    expect(message({ threshold: '1.5' })).toMatch(/^Semantic threshold: /);
    expect(message({ embedder: 'x'.repeat(201) })).toMatch(/^Embedder: /);
  });
});

describe('parsePurgeForm', () => {
  it('purges one model, one key, one shared scope or everything', () => {
    expect(parsePurgeForm(form({ target: 'model', model: ' fast ' }))).toEqual({ ok: true, target: { model: 'fast' } });
    expect(parsePurgeForm(form({ target: 'key', key: 'key_01', model: 'ignored' }))).toEqual({ ok: true, target: { keyId: 'key_01' } });
    expect(parsePurgeForm(form({ target: 'scope', scope: 'search-team' }))).toEqual({ ok: true, target: { scope: 'search-team' } });
    expect(parsePurgeForm(form({ target: 'all', model: 'ignored' }))).toEqual({ ok: true, target: { all: true } });
  });

  it('refuses a purge without a target, or without the name the target needs', () => {
    expect(parsePurgeForm(form({}))).toMatchObject({ ok: false, message: expect.stringMatching(/Choose a model, a key, a shared scope or everything/) });
    expect(parsePurgeForm(form({ target: 'model', model: '' }))).toMatchObject({ ok: false, message: expect.stringMatching(/Name the model/) });
    expect(parsePurgeForm(form({ target: 'key', key: '' }))).toMatchObject({ ok: false, message: expect.stringMatching(/Choose the key/) });
    expect(parsePurgeForm(form({ target: 'scope', scope: 'not a scope!' }))).toMatchObject({ ok: false, message: expect.stringMatching(/^Shared scope: /) });
  });
});

describe('describePurgeTarget', () => {
  it('names each kind of target for the audit log', () => {
    expect([{ model: 'fast' }, { keyId: 'key_1' }, { scope: 'team' }, { all: true as const }].map(describePurgeTarget)).toEqual(['model:fast', 'key:key_1', 'scope:team', 'all']);
  });
});
