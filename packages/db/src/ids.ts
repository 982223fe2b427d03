import { randomBytes } from 'node:crypto';

/** A random, URL-safe id with a prefix saying what it names (`key_…`, `prov_…`, `model_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
