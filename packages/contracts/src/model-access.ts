/**
 * What a key's `models` allow-list means, shared by the router (which enforces it) and the API (which
 * lists what a key may use): absent = every model; `*` = every model; `<provider>/*` = every model of
 * that provider addressed directly; otherwise exact names.
 */
export function keyAllowsModel(allowed: readonly string[] | null | undefined, model: string): boolean {
  if (!allowed) return true;
  if (allowed.includes(model) || allowed.includes('*')) return true;
  const slash = model.indexOf('/');
  return slash > 0 && allowed.includes(`${model.slice(0, slash)}/*`);
}
