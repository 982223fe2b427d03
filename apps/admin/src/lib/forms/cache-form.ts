import { cacheScopeNameSchema, cacheSettingsSchema, type CacheSettings } from '@gateway/config';

function field(formData: FormData, name: string): string {
  const value = formData.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

const labels: Record<string, string> = { mode: 'Mode', ttl: 'TTL', 'semantic.threshold': 'Semantic threshold', 'semantic.embedder': 'Embedder' };

/**
 * Reads the cache defaults form (mode, TTL in seconds, semantic threshold and embedder; an empty field
 * is left out, so the built-in value applies) and validates it with gateway.yaml's `cache:` schema.
 * Whether the embedder names a model is checked against the database by the action.
 */
export function parseCacheSettingsForm(formData: FormData): { ok: true; settings: CacheSettings } | { ok: false; message: string } {
  const number = (name: string) => {
    const text = field(formData, name);
    return text === '' ? undefined : Number(text);
  };
  const mode = field(formData, 'mode');
  const threshold = number('threshold');
  const embedder = field(formData, 'embedder');
  const ttl = number('ttl');
  const semantic = { ...(threshold !== undefined ? { threshold } : {}), ...(embedder !== '' ? { embedder } : {}) };
  const parsed = cacheSettingsSchema.safeParse({
    ...(mode !== '' ? { mode } : {}),
    ...(ttl !== undefined ? { ttl } : {}),
    ...(Object.keys(semantic).length > 0 ? { semantic } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    return { ok: false, message: `${labels[path] ?? (path || 'Cache settings')}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, settings: parsed.data };
}

/**
 * What the purge form asks for: every entry of one model, of one key (its cache scope: its own, or the
 * shared scope it names), of one shared scope, or everything. The action turns a key id into its
 * scope, as POST /admin/v1/cache/purge does with `key_id`.
 */
export type PurgeTarget = { model: string } | { keyId: string } | { scope: string } | { all: true };

/** Reads the purge form (`target` = model | key | scope | all, with the matching field). */
export function parsePurgeForm(formData: FormData): { ok: true; target: PurgeTarget } | { ok: false; message: string } {
  const target = field(formData, 'target');
  if (target === 'all') return { ok: true, target: { all: true } };
  if (target === 'model') {
    const model = field(formData, 'model');
    if (model.length < 1 || model.length > 200) return { ok: false, message: 'Name the model whose cached answers to purge (1 to 200 characters).' };
    return { ok: true, target: { model } };
  }
  if (target === 'key') {
    const keyId = field(formData, 'key');
    if (keyId.length < 1 || keyId.length > 200) return { ok: false, message: 'Choose the key whose cached answers to purge.' };
    return { ok: true, target: { keyId } };
  }
  if (target === 'scope') {
    const parsed = cacheScopeNameSchema.safeParse(field(formData, 'scope'));
    if (!parsed.success) return { ok: false, message: `Shared scope: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
    return { ok: true, target: { scope: parsed.data } };
  }
  return { ok: false, message: 'Purge what? Choose a model, a key, a shared scope or everything.' };
}

/** How a purge target reads in messages and the audit log. */
export function describePurgeTarget(target: PurgeTarget): string {
  if ('model' in target) return `model:${target.model}`;
  if ('keyId' in target) return `key:${target.keyId}`;
  if ('scope' in target) return `scope:${target.scope}`;
  return 'all';
}
