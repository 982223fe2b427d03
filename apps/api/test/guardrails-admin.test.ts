import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '@gateway/bus';
import type { ConfigChanged, GuardrailVerdict } from '@gateway/contracts';
import { findKeyByPlaintext, getModel, insertUsageRecords, upsertGuardrailPolicy, type Database } from '@gateway/db';
import { uniqueName } from '@gateway/testkit';
import type { Api } from '../src/index.ts';
import { loadProviderCatalog } from '../src/config-cache/provider-catalog.ts';
import { adminTestSecretBox as secretBox, startAdminApi, testModel as model, type AdminApi, type Mode } from './support/admin-api.ts';

/** As gateway.yaml writes it: defaults (phase, reversible, on_error) left out. */
const piiSafe = {
  name: 'pii-safe',
  checks: [
    { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'redact', phase: 'input', reversible: true },
    { type: 'prompt_injection', threshold: 0.8, action: 'deny' },
  ],
};
/** The same with the defaults the API fills in. */
const piiSafeStored = {
  name: 'pii-safe',
  checks: [
    { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'redact', phase: 'input', reversible: true },
    { type: 'prompt_injection', threshold: 0.8, action: 'deny', phase: 'input' },
  ],
  on_error: 'fail_closed',
};
const noInternal = { name: 'no-internal', checks: [{ type: 'regex', pattern: '(?i)internal only', action: 'deny', phase: 'output' }], on_error: 'fail_open' };

describe.each<Mode>(['embedded', 'servers'])('guardrail policies in the admin API (%s)', (mode) => {
  let harness: AdminApi;
  let database: Database;
  let bus: Bus;
  let api: Api;
  let events: ConfigChanged[];
  const admin: AdminApi['admin'] = (...call) => harness.admin(...call);

  beforeAll(async () => {
    harness = await startAdminApi(mode, 'guardrail_admin');
    ({ database, bus, api, events } = harness);
  });
  afterEach(async () => {
    await harness.reset(['gateway_keys', 'models', 'guardrail_policies', 'usage_records']);
  });
  afterAll(async () => {
    await harness?.close();
  });

  describe('/guardrails', () => {
    it('creates, reads, lists, replaces and deletes a policy, announcing each change', async () => {
      const created = await admin('POST', '/guardrails', piiSafe);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ ...piiSafeStored, source: 'api', created_at: expect.any(String), updated_at: expect.any(String) });
      expect((await admin('GET', '/guardrails/pii-safe')).json()).toEqual(created.json());
      await admin('POST', '/guardrails', noInternal);
      expect((await admin('GET', '/guardrails')).json().data.map((policy: { name: string }) => policy.name)).toEqual(['no-internal', 'pii-safe']);

      const replaced = await admin('PUT', '/guardrails/pii-safe', { checks: noInternal.checks, on_error: 'fail_open' });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toMatchObject({ name: 'pii-safe', checks: noInternal.checks, on_error: 'fail_open', source: 'api', created_at: created.json().created_at });

      const deleted = await admin('DELETE', '/guardrails/pii-safe');
      expect(deleted.statusCode).toBe(200);
      expect(deleted.json()).toEqual({ deleted: true, name: 'pii-safe' });
      expect((await admin('GET', '/guardrails/pii-safe')).statusCode).toBe(404);
      await expect.poll(() => events).toEqual([
        { entity: 'guardrail', id: 'pii-safe', action: 'created' },
        { entity: 'guardrail', id: 'no-internal', action: 'created' },
        { entity: 'guardrail', id: 'pii-safe', action: 'updated' },
        { entity: 'guardrail', id: 'pii-safe', action: 'deleted' },
      ]);
    });

    it('validates a policy as gateway.yaml does', async () => {
      const cases: Array<[unknown, string]> = [
        [{ name: 'bad', checks: [{ type: 'regex', pattern: '(unclosed', action: 'deny' }] }, 'not a valid regular expression'],
        [{ name: 'bad', checks: [{ type: 'pii', action: 'flag', reversible: true }] }, 'reversible goes with action: redact'],
        [{ name: 'bad', checks: [{ type: 'prompt_injection', action: 'redact' }] }, ''],
        [{ name: 'bad', checks: [{ type: 'sentiment', action: 'deny' }] }, ''],
        [{ name: 'bad', checks: [] }, ''],
        [{ name: 'has space', checks: noInternal.checks }, 'use letters, digits'],
        [{ name: 'bad', checks: noInternal.checks, on_error: 'retry' }, ''],
        [{ name: 'bad', checks: noInternal.checks, extra: true }, ''],
      ];
      for (const [body, message] of cases) {
        const response = await admin('POST', '/guardrails', body);
        expect(response.statusCode, JSON.stringify(body)).toBe(400);
        expect(response.json().error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(message) });
      }
      await admin('POST', '/guardrails', noInternal);
      const badReplace = await admin('PUT', '/guardrails/no-internal', { checks: [{ type: 'regex', pattern: '[', action: 'deny' }] });
      expect(badReplace.statusCode).toBe(400);
      expect(badReplace.json().error.message).toContain('not a valid regular expression');
      // The name is the path's: a body naming it again is refused rather than silently ignored.
      expect((await admin('PUT', '/guardrails/no-internal', noInternal)).statusCode).toBe(400);
      expect((await admin('GET', '/guardrails')).json().data).toHaveLength(1);
    });

    it('answers 409 for a second POST of a name and 404 for a policy that is not there', async () => {
      await admin('POST', '/guardrails', piiSafe);
      const again = await admin('POST', '/guardrails', piiSafe);
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toMatchObject({ code: 'conflict', param: 'name', message: expect.stringContaining('PUT /admin/v1/guardrails/pii-safe') });
      for (const [method, payload] of [['GET'], ['PUT', { checks: noInternal.checks }], ['DELETE']] as const) {
        const response = await admin(method, '/guardrails/missing', payload);
        expect(response.statusCode).toBe(404);
        expect(response.json().error).toMatchObject({ code: 'not_found', message: 'No guardrail policy named "missing"' });
      }
    });

    it('keeps a policy of gateway.yaml read-only (409), as it keeps the file’s models', async () => {
      await upsertGuardrailPolicy(database.db, { name: 'pii-safe', checks: piiSafeStored.checks as never, onError: 'fail_closed', source: 'file' });
      expect((await admin('GET', '/guardrails/pii-safe')).json()).toMatchObject({ source: 'file' });
      for (const [method, url, payload] of [
        ['PUT', '/guardrails/pii-safe', { checks: noInternal.checks }],
        ['DELETE', '/guardrails/pii-safe', undefined],
        ['POST', '/guardrails', piiSafe],
      ] as const) {
        const response = await admin(method, url, payload);
        expect(response.statusCode).toBe(409);
        expect(response.json().error.code).toBe('conflict');
      }
      expect((await admin('PUT', '/guardrails/pii-safe', { checks: noInternal.checks })).json().error.message).toContain('gateway.yaml');
      expect((await admin('GET', '/guardrails/pii-safe')).json()).toMatchObject({ checks: piiSafeStored.checks, source: 'file' });
      expect(events).toEqual([]);
    });

    it('refuses to delete a policy a model or key still names, naming them', async () => {
      await admin('POST', '/guardrails', piiSafe);
      await admin('POST', '/models', model('fast', { guardrails: ['pii-safe'] }));
      const key = (await admin('POST', '/keys', { name: 'support bot', guardrails: ['pii-safe'] })).json();
      const refused = await admin('DELETE', '/guardrails/pii-safe');
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({
        code: 'conflict',
        message: `The guardrail policy "pii-safe" is still named by models "fast" and keys "support bot" (${key.id}); remove it from them first`,
      });
      await admin('PATCH', `/keys/${key.id}`, { guardrails: null });
      await admin('PUT', '/models/fast', { targets: [{ provider: 'openai', model: 'gpt-4o' }] });
      expect((await admin('DELETE', '/guardrails/pii-safe')).statusCode).toBe(200);
    });
  });

  describe('keys', () => {
    it('take policy names, keep them on PATCH unless given, and clear them with null', async () => {
      await admin('POST', '/guardrails', piiSafe);
      await admin('POST', '/guardrails', noInternal);
      const created = await admin('POST', '/keys', { name: 'support bot', guardrails: ['pii-safe', 'no-internal'] });
      expect(created.statusCode).toBe(201);
      expect(created.json().guardrails).toEqual(['pii-safe', 'no-internal']);
      const id = created.json().id as string;
      // What the key cache holds for the request path carries them too.
      expect((await findKeyByPlaintext(database.db, created.json().key))?.guardrails).toEqual(['pii-safe', 'no-internal']);

      expect((await admin('PATCH', `/keys/${id}`, { name: 'renamed' })).json()).toMatchObject({ name: 'renamed', guardrails: ['pii-safe', 'no-internal'] });
      expect((await admin('PATCH', `/keys/${id}`, { guardrails: ['no-internal'] })).json().guardrails).toEqual(['no-internal']);
      expect((await admin('PATCH', `/keys/${id}`, { guardrails: null })).json().guardrails).toBeNull();
      expect((await admin('GET', `/keys/${id}`)).json().guardrails).toBeNull();
      expect((await admin('POST', '/keys', { name: 'plain' })).json().guardrails).toBeNull();
    });

    it('refuse a name no policy has (400 naming it), a name twice and a malformed name', async () => {
      await admin('POST', '/guardrails', piiSafe);
      const unknown = await admin('POST', '/keys', { name: 'k', guardrails: ['pii-safe', 'nobody'] });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({ code: 'invalid_request', param: 'guardrails.1', message: expect.stringContaining('unknown guardrail policy "nobody"') });
      const id = (await admin('POST', '/keys', { name: 'k' })).json().id as string;
      const patched = await admin('PATCH', `/keys/${id}`, { guardrails: ['gone'] });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().error.param).toBe('guardrails.0');
      expect((await admin('GET', `/keys/${id}`)).json().guardrails).toBeNull();
      expect((await admin('POST', '/keys', { name: 'k', guardrails: ['pii-safe', 'pii-safe'] })).statusCode).toBe(400);
      expect((await admin('POST', '/keys', { name: 'k', guardrails: ['pii safe'] })).statusCode).toBe(400);
    });
  });

  describe('models', () => {
    it('take policy names on create and replace, stored beside (not in) the routing settings', async () => {
      await admin('POST', '/guardrails', piiSafe);
      await admin('POST', '/guardrails', noInternal);
      const created = await admin('POST', '/models', model('fast', { guardrails: ['pii-safe'], timeout_ms: 30_000 }));
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'fast', guardrails: ['pii-safe'], timeout_ms: 30_000 });
      const stored = await getModel(database.db, 'fast');
      expect(stored).toMatchObject({ guardrails: ['pii-safe'], routing: { timeout_ms: 30_000 } });
      expect(stored?.routing).not.toHaveProperty('guardrails');

      const replaced = await admin('PUT', '/models/fast', { targets: [{ provider: 'openai', model: 'gpt-4o' }], guardrails: ['no-internal', 'pii-safe'] });
      expect(replaced.json().guardrails).toEqual(['no-internal', 'pii-safe']);
      // A replacement without guardrails has none, like the rest of the model.
      expect((await admin('PUT', '/models/fast', { targets: [{ provider: 'openai', model: 'gpt-4o' }] })).json().guardrails).toBeNull();
      expect((await admin('POST', '/models', model('plain'))).json().guardrails).toBeNull();
    });

    it('refuse a name no policy has', async () => {
      const refused = await admin('POST', '/models', model('fast', { guardrails: ['nobody'] }));
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ param: 'guardrails.0', message: expect.stringContaining('"nobody"') });
      expect(await getModel(database.db, 'fast')).toBeUndefined();
    });
  });

  it('loads the policies and each model’s policy names into the provider catalog', async () => {
    await admin('POST', '/guardrails', piiSafe);
    await admin('POST', '/guardrails', noInternal);
    await admin('POST', '/models', model('fast', { guardrails: ['no-internal', 'pii-safe'] }));
    await admin('POST', '/models', model('plain'));
    const catalog = await loadProviderCatalog(database, secretBox, {});
    expect([...catalog.guardrailPolicies]).toEqual([
      ['no-internal', noInternal],
      ['pii-safe', piiSafeStored],
    ]);
    expect([...catalog.modelGuardrails]).toEqual([['fast', ['no-internal', 'pii-safe']]]);
  });

  it('shows the guardrail verdicts on usage records', async () => {
    const verdicts: GuardrailVerdict[] = [
      { policy: 'pii-safe', check: 'pii', index: 0, action: 'redact', verdict: 'redact', entities: { EMAIL_ADDRESS: 1 } },
      { policy: 'pii-safe', check: 'prompt_injection', index: 1, action: 'deny', verdict: 'pass', score: 0.02 },
    ];
    const base = {
      clientRequestId: null,
      keyId: 'key_usage',
      model: 'fast',
      provider: 'openai',
      providerModel: 'gpt-4o-mini',
      endpoint: 'chat' as const,
      stream: false,
      inputTokens: 10,
      outputTokens: 20,
      costUsd: 0.001,
      latencyMs: 2,
      overheadMs: 1,
      status: 200,
      errorCode: null,
      attempts: 1,
    };
    await insertUsageRecords(database.db, [
      { ...base, requestId: uniqueName('guarded'), createdAt: '2030-01-01T00:00:01.000Z', guardrails: verdicts },
      { ...base, requestId: uniqueName('plain'), createdAt: '2030-01-01T00:00:00.000Z' },
    ]);
    const usage = await admin('GET', '/usage?key_id=key_usage');
    expect(usage.statusCode).toBe(200);
    expect(usage.json().data.map((record: { guardrails: unknown }) => record.guardrails)).toEqual([verdicts, null]);
  });

  it('documents the guardrail routes and fields in the OpenAPI document', async () => {
    const document = (await api.app.inject({ method: 'GET', url: '/admin/v1/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>>;
    };
    expect(Object.keys(document.paths['/admin/v1/guardrails']!)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(document.paths['/admin/v1/guardrails/{name}']!)).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(document.paths['/admin/v1/guardrails']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('checks');
    expect(document.paths['/admin/v1/keys']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('guardrails');
    expect(document.paths['/admin/v1/models']!.post!.requestBody!.content['application/json']!.schema.properties).toHaveProperty('guardrails');
  });
});
