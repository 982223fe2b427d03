/** A JSON object as the fakes read request bodies: any field may hold anything. */
export type Json = Record<string, unknown>;

/** Whether the value is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
