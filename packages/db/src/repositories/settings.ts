import type { Kysely } from 'kysely';
import type { CacheSettingsColumn, Schema, Source } from '../schema.ts';
import { fileManagedError } from './read-only.ts';

/** Cache settings as the gateway passes them around: the stored shape (see `CacheSettingsColumn`). */
export type StoredCacheSettings = Omit<CacheSettingsColumn, 'scope'>;
export type StoredKeyCacheSettings = CacheSettingsColumn;

/** The gateway-wide cache defaults (`cache:` of gateway.yaml, or set through the admin API). */
export interface CacheSettingsRecord {
  value: StoredCacheSettings;
  source: Source;
  updatedAt: Date;
}

const cacheSettingName = 'cache';

/** The cache defaults, or undefined when neither gateway.yaml nor the admin API set any. */
export async function getCacheSettings(db: Kysely<Schema>): Promise<CacheSettingsRecord | undefined> {
  const row = await db.selectFrom('gateway_settings').selectAll().where('name', '=', cacheSettingName).executeTakeFirst();
  return row && { value: row.value as StoredCacheSettings, source: row.source, updatedAt: row.updated_at };
}

/**
 * Sets the cache defaults. An `api` write over a row from gateway.yaml is refused with a `conflict`
 * error (the file is the truth for it); a `file` write takes over any row, as for models.
 */
export async function putCacheSettings(db: Kysely<Schema>, value: StoredCacheSettings, source: Source = 'api'): Promise<CacheSettingsRecord> {
  const now = new Date();
  const row = await db
    .insertInto('gateway_settings')
    .values({ name: cacheSettingName, value: JSON.stringify(value), source, updated_at: now })
    .onConflict((conflict) => {
      const update = conflict.column('name').doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        source: eb.ref('excluded.source'),
        updated_at: eb.ref('excluded.updated_at'),
      }));
      return source === 'file' ? update : update.where('gateway_settings.source', '=', 'api');
    })
    .returningAll()
    .executeTakeFirst();
  if (!row) throw fileManagedError('setting', cacheSettingName);
  return { value: row.value as StoredCacheSettings, source: row.source, updatedAt: row.updated_at };
}

/** Removes cache defaults that came from gateway.yaml (the file no longer has a `cache:` section); returns whether it did. */
export async function deleteFileCacheSettings(db: Kysely<Schema>): Promise<boolean> {
  const deleted = await db
    .deleteFrom('gateway_settings')
    .where('name', '=', cacheSettingName)
    .where('source', '=', 'file')
    .returning('name')
    .executeTakeFirst();
  return deleted !== undefined;
}
