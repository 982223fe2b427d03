import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getModel, getProviderByName, upsertProvider } from '@gateway/db';
import { adminTestSecretBox as secretBox, startAdminApi, testModel as model, type AdminApi, type Mode } from './support/admin-api.ts';

/**
 * Deleting what something else names is refused with 409 in the API's error shape, the message naming
 * what to change first: a provider a model routes to (targets at any depth, fallbacks); a model that is
 * a cache embedder (of the defaults, another model or a key) or in a key's allowed models.
 */
describe.each<Mode>(['embedded', 'servers'])('admin API deletes nothing still named (%s)', (mode) => {
  let harness: AdminApi;
  const admin: AdminApi['admin'] = (...call) => harness.admin(...call);

  beforeAll(async () => {
    harness = await startAdminApi(mode, 'references_admin');
  });
  afterEach(async () => {
    await harness.reset(['gateway_keys', 'models', 'gateway_settings']);
    await harness.database.db.deleteFrom('providers').where('name', '<>', 'openai').execute();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('refuses to delete a provider named only in a model’s fallbacks or a nested group', async () => {
    await upsertProvider(harness.database.db, secretBox, { name: 'backup', type: 'openai', apiKey: 'sk-backup' });
    await upsertProvider(harness.database.db, secretBox, { name: 'deep', type: 'openai', apiKey: 'sk-deep' });
    const long = model('long', { fallbacks: { context_window: [{ provider: 'backup', model: 'gpt-4.1' }] } });
    expect((await admin('POST', '/models', long)).statusCode).toBe(201);
    const nested = model('nested', { targets: [{ strategy: 'fallback', targets: [{ provider: 'openai', model: 'a' }, { provider: 'deep', model: 'b' }] }] });
    expect((await admin('POST', '/models', nested)).statusCode).toBe(201);

    for (const [provider, user] of [
      ['backup', 'long'],
      ['deep', 'nested'],
    ] as const) {
      const refused = await admin('DELETE', `/providers/${provider}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toEqual({
        error: expect.objectContaining({ code: 'conflict', param: 'name', message: `Provider "${provider}" is used by model(s) "${user}" (targets or fallbacks): change them first` }),
      });
      expect(await getProviderByName(harness.database.db, provider)).toBeDefined();
    }
    expect((await admin('DELETE', '/models/long')).statusCode).toBe(200);
    expect((await admin('DELETE', '/providers/backup')).statusCode).toBe(200);
    expect(await getProviderByName(harness.database.db, 'backup')).toBeUndefined();
  });

  it('refuses to delete a model still named as a cache embedder or in a key’s allowed models', async () => {
    expect((await admin('POST', '/models', model('embed'))).statusCode).toBe(201);
    expect((await admin('POST', '/models', model('chat', { cache: { mode: 'semantic', semantic: { embedder: 'embed' } } }))).statusCode).toBe(201);
    const key = await admin('POST', '/keys', { name: 'app', models: ['embed'] });
    expect(key.statusCode).toBe(201);
    const keyId: string = key.json().id;
    expect((await admin('PUT', '/settings/cache', { semantic: { embedder: 'embed' } })).statusCode).toBe(200);

    const refused = await admin('DELETE', '/models/embed');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      error: expect.objectContaining({
        code: 'conflict',
        message: `The model "embed" is still named by the cache defaults (semantic.embedder), model "chat" (cache.semantic.embedder), key "app" (${keyId}: allowed models or cache.semantic.embedder); change them first`,
      }),
    });
    expect(await getModel(harness.database.db, 'embed')).toBeDefined();
    expect(harness.events.filter((event) => event.entity === 'model' && event.action === 'deleted')).toEqual([]);

    expect((await admin('PUT', '/settings/cache', {})).statusCode).toBe(200);
    expect((await admin('PUT', '/models/chat', { targets: model('chat').targets })).statusCode).toBe(200);
    expect((await admin('PATCH', `/keys/${keyId}`, { models: null })).statusCode).toBe(200);
    expect((await admin('DELETE', '/models/embed')).statusCode).toBe(200);
    expect(await getModel(harness.database.db, 'embed')).toBeUndefined();
  });
});
