import { cacheSettingsSchema, type CacheSettings } from '@gateway/config';
import type { CachePurgeRequest } from '@gateway/contracts';

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

/** Reads the purge form: every entry of one model (`target=model` and its name) or everything (`target=all`). */
export function parsePurgeForm(formData: FormData): { ok: true; selector: CachePurgeRequest } | { ok: false; message: string } {
  const target = field(formData, 'target');
  if (target === 'all') return { ok: true, selector: { all: true } };
  if (target !== 'model') return { ok: false, message: 'Purge what? Choose a model or everything.' };
  const model = field(formData, 'model');
  if (model.length < 1 || model.length > 200) return { ok: false, message: 'Name the model whose cached answers to purge (1 to 200 characters).' };
  return { ok: true, selector: { model } };
}
