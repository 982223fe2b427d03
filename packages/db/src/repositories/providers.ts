import { sql, type Kysely } from 'kysely';
import { newId } from '../ids.ts';
import type { SecretBox } from '../secret-box.ts';
import type { ProviderRow, ProviderSettingsColumn, Schema, Source } from '../schema.ts';
import { fileManagedError } from './read-only.ts';

/**
 * What to store for a provider. The secrets (`apiKey`, `headers`) are write-only: left `undefined` on
 * an update they keep their stored value, so an operator editing the base URL need not re-enter them;
 * `null` clears them.
 */
export interface ProviderInput {
  name: string;
  type: string;
  baseUrl?: string | null;
  apiKey?: string | null;
  apiVersion?: string | null;
  /** Extra headers sent upstream; treated as secrets. */
  headers?: Record<string, string> | null;
  timeoutMs?: number | null;
  /** AWS region (bedrock). */
  region?: string | null;
  /** AWS credentials (bedrock); secrets, write-only like `apiKey`. */
  aws?: AwsCredentialsInput | null;
  /** Who manages it: `api` (default) for the admin API and dashboard, `file` for gateway.yaml. */
  source?: Source;
}

export interface AwsCredentialsInput {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A provider without its secrets: what admin screens and logs may see. */
export interface ProviderRecord {
  id: string;
  name: string;
  type: string;
  baseUrl: string | null;
  apiVersion: string | null;
  timeoutMs: number | null;
  region: string | null;
  hasApiKey: boolean;
  hasAwsCredentials: boolean;
  /** Names of the extra headers; their values are secrets. */
  headerNames: string[];
  source: Source;
  createdAt: Date;
  updatedAt: Date;
}

/** A provider with its secrets decrypted, for the process that calls the provider. */
export interface ProviderWithSecrets extends ProviderRecord {
  apiKey: string | null;
  headers: Record<string, string>;
  aws: AwsCredentialsInput | null;
}

function toProviderRecord(row: ProviderRow): ProviderRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    baseUrl: row.base_url,
    apiVersion: row.settings.api_version ?? null,
    timeoutMs: row.settings.timeout_ms ?? null,
    region: row.settings.region ?? null,
    hasApiKey: row.api_key_ciphertext !== null,
    hasAwsCredentials: row.settings.aws_ciphertext !== undefined,
    headerNames: row.settings.header_names ?? [],
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function withSecrets(row: ProviderRow, box: SecretBox): ProviderWithSecrets {
  const sealedHeaders = row.settings.headers_ciphertext;
  return {
    ...toProviderRecord(row),
    apiKey: row.api_key_ciphertext === null ? null : box.decrypt(row.api_key_ciphertext),
    headers: sealedHeaders === undefined ? {} : (JSON.parse(box.decrypt(sealedHeaders)) as Record<string, string>),
    aws: row.settings.aws_ciphertext === undefined ? null : (JSON.parse(box.decrypt(row.settings.aws_ciphertext)) as AwsCredentialsInput),
  };
}

function settingsColumn(input: ProviderInput, box: SecretBox): ProviderSettingsColumn {
  const settings: ProviderSettingsColumn = {};
  if (input.apiVersion != null) settings.api_version = input.apiVersion;
  if (input.timeoutMs != null) settings.timeout_ms = input.timeoutMs;
  if (input.region != null) settings.region = input.region;
  if (input.aws != null) settings.aws_ciphertext = box.encrypt(JSON.stringify(input.aws));
  if (input.headers != null && Object.keys(input.headers).length > 0) {
    settings.header_names = Object.keys(input.headers).sort();
    settings.headers_ciphertext = box.encrypt(JSON.stringify(input.headers));
  }
  return settings;
}

/**
 * Creates or replaces the provider with this name. An `api` write over a `file` row is refused with a
 * `conflict` error; a `file` write takes over any row (see `reconcileFileConfig`).
 */
export async function upsertProvider(db: Kysely<Schema>, box: SecretBox, input: ProviderInput): Promise<ProviderRecord> {
  const source = input.source ?? 'api';
  const now = new Date();
  const row = await db
    .insertInto('providers')
    .values({
      id: newId('prov'),
      name: input.name,
      type: input.type,
      base_url: input.baseUrl ?? null,
      api_key_ciphertext: input.apiKey == null ? null : box.encrypt(input.apiKey),
      settings: JSON.stringify(settingsColumn(input, box)),
      source,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => {
      const update = conflict.column('name').doUpdateSet((eb) => ({
        type: eb.ref('excluded.type'),
        base_url: eb.ref('excluded.base_url'),
        source: eb.ref('excluded.source'),
        updated_at: eb.ref('excluded.updated_at'),
        ...(input.apiKey !== undefined && { api_key_ciphertext: eb.ref('excluded.api_key_ciphertext') }),
        // Secrets left undefined keep their stored values (write-only fields).
        settings: sql<string>`excluded.settings || jsonb_strip_nulls(jsonb_build_object(
          'header_names', ${input.headers === undefined ? sql`providers.settings -> 'header_names'` : sql`null::jsonb`},
          'headers_ciphertext', ${input.headers === undefined ? sql`providers.settings -> 'headers_ciphertext'` : sql`null::jsonb`},
          'aws_ciphertext', ${input.aws === undefined ? sql`providers.settings -> 'aws_ciphertext'` : sql`null::jsonb`}))`,
      }));
      return source === 'file' ? update : update.where('providers.source', '=', 'api');
    })
    .returningAll()
    .executeTakeFirst();
  if (!row) throw fileManagedError('provider', input.name);
  return toProviderRecord(row);
}

/** Every provider by name, without secrets. */
export async function listProviders(db: Kysely<Schema>): Promise<ProviderRecord[]> {
  const rows = await db.selectFrom('providers').selectAll().orderBy('name').execute();
  return rows.map(toProviderRecord);
}

/** Every provider with decrypted secrets: only for the process that calls providers, never for display. */
export async function listProvidersWithSecrets(db: Kysely<Schema>, box: SecretBox): Promise<ProviderWithSecrets[]> {
  const rows = await db.selectFrom('providers').selectAll().orderBy('name').execute();
  return rows.map((row) => withSecrets(row, box));
}

export async function getProviderByName(db: Kysely<Schema>, name: string): Promise<ProviderRecord | undefined> {
  const row = await db.selectFrom('providers').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toProviderRecord(row);
}

export async function getProviderWithSecrets(
  db: Kysely<Schema>,
  box: SecretBox,
  name: string,
): Promise<ProviderWithSecrets | undefined> {
  const row = await db.selectFrom('providers').selectAll().where('name', '=', name).executeTakeFirst();
  return row && withSecrets(row, box);
}

/**
 * Deletes an `api` provider; returns false when there is none by that name, and refuses a `file` one
 * with a `conflict` error. Models whose targets name it are left as they are (targets are not
 * foreign keys).
 */
export async function deleteProvider(db: Kysely<Schema>, name: string): Promise<boolean> {
  const deleted = await db.deleteFrom('providers').where('name', '=', name).where('source', '=', 'api').returning('id').executeTakeFirst();
  if (deleted) return true;
  const remaining = await db.selectFrom('providers').select('source').where('name', '=', name).executeTakeFirst();
  if (remaining) throw fileManagedError('provider', name);
  return false;
}
