import type { ColumnType, Selectable } from 'kysely';
import type { AttemptLogEntry, CacheStatus, GuardrailCheck, GuardrailOnError, GuardrailVerdict } from '@gateway/contracts';

/**
 * The database as Kysely sees it: snake_case columns, exactly as the migrations create them.
 * Repositories map rows to camelCase records; nothing outside this package touches rows directly.
 */

/** A timestamptz: read as a Date, written as a Date or ISO string, defaulted by the database. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** jsonb is written as a JSON string (node-postgres would turn JS arrays into Postgres arrays). */
type Json<T> = ColumnType<T, string, string>;
type DefaultedJson<T> = ColumnType<T, string | undefined, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export type Source = 'file' | 'api';

/**
 * Cache settings as stored (jsonb), as gateway.yaml and the admin API give them: the shape of
 * @gateway/config's `CacheSettings`, plus `scope` on keys. Validated before they are written.
 */
export interface CacheSettingsColumn {
  mode?: 'off' | 'exact' | 'semantic';
  /** Seconds. */
  ttl?: number;
  semantic?: { threshold?: number; embedder?: string };
  /** Keys only: keys with the same scope share a cache. */
  scope?: string;
}

export interface GatewayKeysTable {
  id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  models: NullableJson<string[]>;
  metadata: DefaultedJson<Record<string, unknown>>;
  /** Strict mode for every request of the key. Added by 0003. */
  strict: ColumnType<boolean, boolean | undefined, boolean>;
  /** Limits and budget (null: none). Added by 0004. */
  rpm_limit: ColumnType<number | null, number | null | undefined, number | null>;
  tpm_limit: ColumnType<number | null, number | null | undefined, number | null>;
  max_parallel: ColumnType<number | null, number | null | undefined, number | null>;
  /** numeric(18,8): read as a string. */
  budget_max_usd: ColumnType<string | null, number | null | undefined, number | null>;
  budget_period: ColumnType<'daily' | 'weekly' | 'monthly' | null, 'daily' | 'weekly' | 'monthly' | null | undefined, 'daily' | 'weekly' | 'monthly' | null>;
  /** Per model: { "<model>": { rpm_limit?, tpm_limit?, max_parallel?, budget? } }. */
  model_limits: NullableJson<Record<string, unknown>>;
  /** Cache settings of the key (null: none of its own). Added by 0005. */
  cache: NullableJson<CacheSettingsColumn>;
  /** Names of the guardrail policies that apply to the key's requests, in order (null: none). Added by 0006. */
  guardrails: NullableJson<string[]>;
  /** Whether the prompts and completions of the key's requests are logged (usage_bodies). Added by 0008. */
  log_bodies: ColumnType<boolean, boolean | undefined, boolean>;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  last_used_at: NullableTimestamp;
}

/** Provider settings as stored; secrets only inside `headers_ciphertext`. */
export interface ProviderSettingsColumn {
  api_version?: string;
  timeout_ms?: number;
  /** Names only, so the dashboard can show which headers are set without decrypting them. */
  header_names?: string[];
  /** The whole header map, JSON-encoded and encrypted with the secret box. */
  headers_ciphertext?: string;
  /** AWS region (bedrock). */
  region?: string;
  /** AWS credentials (bedrock), JSON-encoded and encrypted with the secret box. */
  aws_ciphertext?: string;
}

export interface ProvidersTable {
  id: string;
  name: string;
  type: string;
  base_url: string | null;
  api_key_ciphertext: string | null;
  settings: DefaultedJson<ProviderSettingsColumn>;
  source: Source;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

/** A target as stored (snake_case, as gateway.yaml gives it): a deployment or a nested group. */
export interface ModelTargetColumn {
  name?: string;
  provider?: string;
  model?: string;
  weight?: number;
  targets?: ModelTargetColumn[];
  [setting: string]: unknown;
}

export interface ModelPriceColumn {
  input_per_million: number;
  output_per_million: number;
}

export interface ModelsTable {
  id: string;
  name: string;
  strategy: string;
  targets: Json<ModelTargetColumn[]>;
  price: NullableJson<ModelPriceColumn>;
  /** Routing settings (retry, hedge, fallbacks, conditions, timeout_ms…), as gateway.yaml gives them. Added by 0004. */
  routing: DefaultedJson<Record<string, unknown>>;
  /** Cache settings of the model (null: the defaults). Added by 0005. */
  cache: NullableJson<CacheSettingsColumn>;
  /** Names of the guardrail policies that apply to the model's requests, in order (null: none). Added by 0006. */
  guardrails: NullableJson<string[]>;
  source: Source;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface UsageRecordsTable {
  request_id: string;
  /** The `x-request-id` the client sent, for lookups only (never unique). Added by 0002. */
  client_request_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  key_id: string | null;
  model: string | null;
  provider: string | null;
  provider_model: string | null;
  endpoint: string;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  /** Of input_tokens, read from a provider's prompt cache. Added by 0003. */
  cached_input_tokens: ColumnType<number, number | undefined, number>;
  /** Of output_tokens, spent on reasoning. Added by 0003. */
  reasoning_tokens: ColumnType<number, number | undefined, number>;
  /** The router's strategy and why it chose the order it did. Added by 0004. */
  strategy: ColumnType<string | null, string | null | undefined, string | null>;
  routing_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** What happened beyond a plain call (`hedged`, `continued`, `idempotent_replay`, `retried`). Added by 0004. */
  flags: DefaultedJson<string[]>;
  /** What the response cache did: hit, semantic_hit, miss, refresh, bypass; null when caching was off. Added by 0005. */
  cache_status: ColumnType<CacheStatus | null, CacheStatus | null | undefined, CacheStatus | null>;
  /** numeric(18,8), read as a string: on a hit, what the original provider call cost. Added by 0005. */
  cost_saved_usd: ColumnType<string | null, number | null | undefined, number | null>;
  /** The guardrail checks' verdicts (never a value found); null when no policy applied. Added by 0006. */
  guardrails: NullableJson<GuardrailVerdict[]>;
  /** numeric(18,8): the drivers read it as a string to keep every digit. */
  cost_usd: ColumnType<string | null, number | null, number | null>;
  latency_ms: number;
  overhead_ms: number;
  status: number;
  error_code: string | null;
  attempts: number;
  /** Each provider attempt (target, status, latency, start…); null when none was logged. Added by 0009. */
  attempt_log: NullableJson<AttemptLogEntry[]>;
  metadata: DefaultedJson<Record<string, unknown>>;
}

/** The prompt and completion of a request whose key logs bodies (secrets already replaced). Added by 0008. */
export interface UsageBodiesTable {
  request_id: string;
  /** The request's time (as on its usage record), not when the row was written. */
  created_at: Timestamp;
  prompt: string | null;
  completion: string | null;
  prompt_truncated: ColumnType<boolean, boolean | undefined, boolean>;
  completion_truncated: ColumnType<boolean, boolean | undefined, boolean>;
}

/** Users of the admin dashboard. Added by 0007. */
export interface AdminUsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  /** `scrypt$…` (see the admin app); never leaves the server. */
  password_hash: string;
  role: 'admin' | 'viewer';
  disabled_at: NullableTimestamp;
  last_sign_in_at: NullableTimestamp;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

/** Dashboard sessions, by the SHA-256 of the cookie's token. Added by 0007. */
export interface AdminSessionsTable {
  id: string;
  user_id: string;
  created_at: DefaultedTimestamp;
  last_seen_at: DefaultedTimestamp;
  expires_at: Timestamp;
  user_agent: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Every change made through the dashboard. Added by 0007. */
export interface AuditLogTable {
  /** bigint identity: read as a string. */
  id: ColumnType<string, never, never>;
  at: DefaultedTimestamp;
  actor_id: string | null;
  actor_email: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: DefaultedJson<Record<string, unknown>>;
}

/** Gateway-wide settings by name (`cache`: the cache defaults), from gateway.yaml or the admin API. Added by 0005. */
export interface GatewaySettingsTable {
  name: string;
  value: Json<unknown>;
  source: Source;
  updated_at: DefaultedTimestamp;
}

/** Guardrail policies by name, from gateway.yaml or the admin API. Added by 0006. */
export interface GuardrailPoliciesTable {
  name: string;
  checks: Json<GuardrailCheck[]>;
  on_error: GuardrailOnError;
  source: Source;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface Schema {
  gateway_keys: GatewayKeysTable;
  providers: ProvidersTable;
  models: ModelsTable;
  usage_records: UsageRecordsTable;
  usage_bodies: UsageBodiesTable;
  gateway_settings: GatewaySettingsTable;
  guardrail_policies: GuardrailPoliciesTable;
  admin_users: AdminUsersTable;
  admin_sessions: AdminSessionsTable;
  audit_log: AuditLogTable;
}

export type GatewayKeyRow = Selectable<GatewayKeysTable>;
export type ProviderRow = Selectable<ProvidersTable>;
export type ModelRow = Selectable<ModelsTable>;
export type UsageRecordRow = Selectable<UsageRecordsTable>;
export type UsageBodiesRow = Selectable<UsageBodiesTable>;
export type GatewaySettingRow = Selectable<GatewaySettingsTable>;
export type GuardrailPolicyRow = Selectable<GuardrailPoliciesTable>;
export type AdminUserRow = Selectable<AdminUsersTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
