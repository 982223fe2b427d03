import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { GuardrailCheck, GuardrailVerdict } from '@gateway/contracts';
import {
  createKey,
  createSecretBox,
  deleteGuardrailPolicy,
  getGuardrailPolicy,
  getKey,
  getModel,
  guardrailPolicyUsers,
  insertUsageRecords,
  listGuardrailPolicies,
  listKeys,
  listModels,
  listUsage,
  migrateToLatest,
  reconcileFileConfig,
  toGuardrailPolicy,
  unknownGuardrailPolicyNames,
  updateKey,
  upsertGuardrailPolicy,
  upsertModel,
  type FileConfig,
} from '../src/index.ts';
import { migrations } from '../src/migrations/index.ts';
import { backends, openMigratedDatabase, useMigratedDatabase, usageRecord } from './harness.ts';

const box = createSecretBox(randomBytes(32).toString('base64'));

const piiChecks: GuardrailCheck[] = [
  { type: 'pii', entities: ['EMAIL_ADDRESS', 'CREDIT_CARD'], action: 'redact', phase: 'input', reversible: true },
  { type: 'prompt_injection', threshold: 0.8, action: 'deny', phase: 'input' },
];
const regexChecks: GuardrailCheck[] = [{ type: 'regex', pattern: '(?i)internal only', action: 'deny', phase: 'output' }];

const fileConfig: FileConfig = {
  providers: [{ name: 'openai', type: 'openai', apiKey: 'sk-file' }],
  models: [
    { name: 'fast', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }], guardrails: ['pii-safe'] },
    { name: 'plain', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o' }] },
  ],
  guardrails: [
    { name: 'pii-safe', checks: piiChecks, onError: 'fail_closed' },
    { name: 'no-internal', checks: regexChecks, onError: 'fail_open' },
  ],
};

describe.each(backends)('guardrails on %s', (backend) => {
  const test = useMigratedDatabase(backend);

  describe('policies', () => {
    it('are created, read, listed by name and replaced through the API', async () => {
      const db = test.database.db;
      expect(await getGuardrailPolicy(db, 'strict')).toBeUndefined();
      const created = await upsertGuardrailPolicy(db, { name: 'strict', checks: regexChecks, onError: 'fail_closed' });
      expect(created).toMatchObject({ name: 'strict', checks: regexChecks, onError: 'fail_closed', source: 'api' });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await getGuardrailPolicy(db, 'strict')).toEqual(created);

      await upsertGuardrailPolicy(db, { name: 'another', checks: piiChecks, onError: 'fail_open' });
      const replaced = await upsertGuardrailPolicy(db, { name: 'strict', checks: piiChecks, onError: 'fail_open' });
      expect(replaced).toMatchObject({ checks: piiChecks, onError: 'fail_open', source: 'api' });
      expect(replaced.createdAt).toEqual(created.createdAt);
      expect((await listGuardrailPolicies(db)).map((policy) => policy.name)).toEqual(['another', 'strict']);
      expect(toGuardrailPolicy(replaced)).toEqual({ name: 'strict', checks: piiChecks, on_error: 'fail_open' });
    });

    it('refuse an on_error outside the two modes', async () => {
      const db = test.database.db;
      await expect(upsertGuardrailPolicy(db, { name: 'odd', checks: regexChecks, onError: 'fail_sometimes' as never })).rejects.toThrow(/on_error/);
    });

    it('come from gateway.yaml, read-only for the API, taking over an API policy of the same name', async () => {
      const db = test.database.db;
      await upsertGuardrailPolicy(db, { name: 'pii-safe', checks: regexChecks, onError: 'fail_open' });
      await upsertGuardrailPolicy(db, { name: 'dashboard-only', checks: regexChecks, onError: 'fail_open' });
      const outcome = await reconcileFileConfig(db, box, fileConfig);
      expect(outcome.guardrails).toEqual({ upserted: ['pii-safe', 'no-internal'], removed: [] });
      expect((await listGuardrailPolicies(db)).map((policy) => [policy.name, policy.source, policy.onError])).toEqual([
        ['dashboard-only', 'api', 'fail_open'],
        ['no-internal', 'file', 'fail_open'],
        ['pii-safe', 'file', 'fail_closed'],
      ]);
      expect((await getGuardrailPolicy(db, 'pii-safe'))?.checks).toEqual(piiChecks);

      const conflict = expect.objectContaining({ code: 'conflict', message: expect.stringContaining('gateway.yaml') });
      await expect(upsertGuardrailPolicy(db, { name: 'pii-safe', checks: regexChecks, onError: 'fail_open' })).rejects.toEqual(conflict);
      await expect(deleteGuardrailPolicy(db, 'no-internal')).rejects.toEqual(conflict);
      expect((await getGuardrailPolicy(db, 'pii-safe'))?.checks).toEqual(piiChecks);
    });

    it('leave with the file: file rows no longer in it are deleted, API rows stay, reconciling again changes nothing', async () => {
      const db = test.database.db;
      await upsertGuardrailPolicy(db, { name: 'dashboard-only', checks: regexChecks, onError: 'fail_open' });
      await reconcileFileConfig(db, box, fileConfig);
      expect((await reconcileFileConfig(db, box, fileConfig)).guardrails).toEqual({ upserted: ['pii-safe', 'no-internal'], removed: [] });

      const smaller: FileConfig = { ...fileConfig, guardrails: fileConfig.guardrails!.slice(0, 1) };
      expect((await reconcileFileConfig(db, box, smaller)).guardrails).toEqual({ upserted: ['pii-safe'], removed: ['no-internal'] });
      const { guardrails: _guardrails, ...withoutSection } = fileConfig;
      expect((await reconcileFileConfig(db, box, { ...withoutSection, models: [] })).guardrails).toEqual({ upserted: [], removed: ['pii-safe'] });
      expect((await listGuardrailPolicies(db)).map((policy) => [policy.name, policy.source])).toEqual([['dashboard-only', 'api']]);
    });

    it('roll back with the rest of a failed reconcile', async () => {
      const db = test.database.db;
      const broken = { ...fileConfig, models: [{ name: 'bad', strategy: null, targets: [] }] } as unknown as FileConfig;
      await expect(reconcileFileConfig(db, box, broken)).rejects.toThrow();
      expect(await listGuardrailPolicies(db)).toEqual([]);
    });

    it('are not deleted while a model or key names them; the refusal names what does', async () => {
      const db = test.database.db;
      await upsertGuardrailPolicy(db, { name: 'strict', checks: regexChecks, onError: 'fail_closed' });
      await upsertGuardrailPolicy(db, { name: 'loose', checks: regexChecks, onError: 'fail_open' });
      await upsertModel(db, { name: 'gpt', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o' }], guardrails: ['loose', 'strict'] });
      const { record: key } = await createKey(db, { name: 'team key', guardrails: ['strict'] });

      expect(await guardrailPolicyUsers(db, 'strict')).toEqual({ models: ['gpt'], keys: [{ id: key.id, name: 'team key' }] });
      expect(await guardrailPolicyUsers(db, 'nobody')).toEqual({ models: [], keys: [] });
      await expect(deleteGuardrailPolicy(db, 'strict')).rejects.toEqual(
        expect.objectContaining({ code: 'conflict', message: `The guardrail policy "strict" is still named by models "gpt" and keys "team key" (${key.id}); remove it from them first` }),
      );

      await updateKey(db, key.id, { guardrails: null });
      await upsertModel(db, { name: 'gpt', strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o' }], guardrails: ['loose'] });
      expect(await deleteGuardrailPolicy(db, 'strict')).toBe(true);
      expect(await deleteGuardrailPolicy(db, 'strict')).toBe(false);
      expect(await getGuardrailPolicy(db, 'strict')).toBeUndefined();
      await expect(deleteGuardrailPolicy(db, 'loose')).rejects.toEqual(expect.objectContaining({ code: 'conflict', message: expect.stringContaining('models "gpt"') }));
    });

    it('tell which names of a list no policy has', async () => {
      const db = test.database.db;
      await upsertGuardrailPolicy(db, { name: 'strict', checks: regexChecks, onError: 'fail_closed' });
      expect(await unknownGuardrailPolicyNames(db, ['missing', 'strict', 'gone'])).toEqual(['missing', 'gone']);
      expect(await unknownGuardrailPolicyNames(db, ['strict'])).toEqual([]);
      expect(await unknownGuardrailPolicyNames(db, [])).toEqual([]);
    });
  });

  describe('models and keys', () => {
    it('carry the names of their policies from the file and the API, null when they have none', async () => {
      const db = test.database.db;
      await reconcileFileConfig(db, box, fileConfig);
      expect((await listModels(db)).map((model) => [model.name, model.guardrails])).toEqual([
        ['fast', ['pii-safe']],
        ['plain', null],
      ]);
      const created = await upsertModel(db, { name: 'api-model', strategy: 'single', targets: [{ provider: 'openai', model: 'm' }], guardrails: ['no-internal', 'pii-safe'] });
      expect(created.guardrails).toEqual(['no-internal', 'pii-safe']);
      expect((await getModel(db, 'api-model'))?.guardrails).toEqual(['no-internal', 'pii-safe']);
      // A replacement without guardrails clears them, like the rest of the model.
      expect((await upsertModel(db, { name: 'api-model', strategy: 'single', targets: [{ provider: 'openai', model: 'm' }] })).guardrails).toBeNull();
    });

    it('keep a key’s policies on PATCH unless given; null clears', async () => {
      const db = test.database.db;
      const { record } = await createKey(db, { name: 'guarded', guardrails: ['pii-safe', 'no-internal'] });
      expect(record.guardrails).toEqual(['pii-safe', 'no-internal']);
      expect((await getKey(db, record.id))?.guardrails).toEqual(['pii-safe', 'no-internal']);
      expect((await createKey(db, { name: 'plain' })).record.guardrails).toBeNull();

      expect((await updateKey(db, record.id, { name: 'renamed' }))?.guardrails).toEqual(['pii-safe', 'no-internal']);
      expect((await updateKey(db, record.id, { guardrails: ['no-internal'] }))?.guardrails).toEqual(['no-internal']);
      expect((await updateKey(db, record.id, { guardrails: null }))?.guardrails).toBeNull();
      expect((await listKeys(db)).map((key) => key.guardrails)).toEqual([null, null]);
    });
  });

  describe('usage records', () => {
    it('carry the verdicts, null when no policy applied or the list is empty', async () => {
      const db = test.database.db;
      const verdicts: GuardrailVerdict[] = [
        { policy: 'pii-safe', check: 'pii', index: 0, action: 'redact', verdict: 'redact', entities: { EMAIL_ADDRESS: 2, CREDIT_CARD: 1 } },
        { policy: 'pii-safe', check: 'prompt_injection', index: 1, action: 'deny', verdict: 'pass', score: 0.12 },
      ];
      await insertUsageRecords(db, [
        usageRecord('guarded', { createdAt: '2030-01-01T00:00:02.000Z', guardrails: verdicts }),
        usageRecord('empty', { createdAt: '2030-01-01T00:00:01.000Z', guardrails: [] }),
        // An older producer leaves the field out.
        (({ guardrails: _guardrails, ...record }) => ({ ...record, createdAt: '2030-01-01T00:00:00.000Z' }))(usageRecord('old')),
      ]);
      const { records } = await listUsage(db, { limit: 10 });
      expect(records.map((record) => [record.requestId, record.guardrails])).toEqual([
        ['guarded', verdicts],
        ['empty', null],
        ['old', null],
      ]);
    });
  });

  it('has the guardrail_policies table and the guardrails columns the migration adds', async () => {
    const db = test.database.db;
    const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      select table_name, column_name, data_type, is_nullable from information_schema.columns
      where table_name = 'guardrail_policies' or column_name = 'guardrails'
      order by table_name, column_name`.execute(db);
    expect(columns.rows.map((row) => `${row.table_name}.${row.column_name} ${row.data_type} ${row.is_nullable}`)).toEqual([
      'gateway_keys.guardrails jsonb YES',
      'guardrail_policies.checks jsonb NO',
      'guardrail_policies.created_at timestamp with time zone NO',
      'guardrail_policies.name text NO',
      'guardrail_policies.on_error text NO',
      'guardrail_policies.source text NO',
      'guardrail_policies.updated_at timestamp with time zone NO',
      'models.guardrails jsonb YES',
      'usage_records.guardrails jsonb YES',
    ]);
  });
});

describe('migration 0006-guardrails', () => {
  it('runs on a database that already ran a later migration, and its down undoes it', async () => {
    const test = await openMigratedDatabase('postgres');
    try {
      const db = test.database.db;
      await migrations['0006-guardrails']!.down!(db);
      await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0006-guardrails' as never).execute();
      const tables = (await db.introspection.getTables()).map((table) => table.name);
      expect(tables).not.toContain('guardrail_policies');
      expect(await migrateToLatest(db)).toEqual({ executed: ['0006-guardrails'] });
      expect(await listGuardrailPolicies(db)).toEqual([]);
    } finally {
      await test.dispose();
    }
  });
});
