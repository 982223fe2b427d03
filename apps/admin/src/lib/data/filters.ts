import { z } from 'zod';
import { cacheStatuses } from '@gateway/contracts';
import type { AdminUsageFilters } from '@gateway/db';

/** Search parameters as Next.js hands them to a page. */
export type SearchParams = Record<string, string | string[] | undefined>;

export const rangePresets = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type RangePreset = keyof typeof rangePresets;

const text = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => (value ? value : undefined));

/** ISO 8601, or a `datetime-local` value (no zone), read as UTC like every time the dashboard shows. */
const instant = text.transform((value, context) => {
  if (value === undefined) return undefined;
  const date = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) {
    context.addIssue({ code: 'custom', message: `"${value}" is not a date and time` });
    return z.NEVER;
  }
  return date;
});

const filterParamsSchema = z.object({
  range: z.enum(Object.keys(rangePresets) as [RangePreset, ...RangePreset[]]).optional().catch(undefined),
  from: instant,
  to: instant,
  key: text,
  model: text,
  provider: text,
  status: text.transform((value, context) => {
    if (value === undefined || value === 'ok' || value === 'error') return value;
    const code = Number(value);
    if (Number.isInteger(code) && code >= 100 && code <= 599) return code;
    context.addIssue({ code: 'custom', message: 'status is ok, error or an HTTP status code' });
    return z.NEVER;
  }),
  request_id: text,
  cache: text.pipe(z.enum([...cacheStatuses, 'off']).optional()),
  guardrail: text.pipe(z.enum(['pass', 'flag', 'redact', 'deny', 'none']).optional()),
  cursor: z.string().max(500).optional(),
});

export interface ParsedFilters {
  filters: AdminUsageFilters;
  /** The preset in use, when the range is one. */
  range: RangePreset | undefined;
  cursor: string | undefined;
  /** What was wrong with the parameters (the rest still applies). */
  problems: string[];
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the filters of the log and the overview from the query string. A bad value is reported and
 * left out rather than failing the page. A preset `range` wins over `from` and `to` (the filter bar
 * empties the dates when one is picked; "custom" sends none). `defaultRange` applies when none of the
 * three is given (the overview always shows a window; the log shows everything by default): the window
 * of that length ending at `to`, or now when `to` is not given either.
 */
export function parseFilters(params: SearchParams, options: { now?: Date; defaultRange?: RangePreset } = {}): ParsedFilters {
  const now = options.now ?? new Date();
  const raw = Object.fromEntries(Object.keys(filterParamsSchema.shape).map((name) => [name, first(params[name])]));
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(filterParamsSchema.shape)) {
    const parsed = (schema as z.ZodType).safeParse(raw[name]);
    if (parsed.success) values[name] = parsed.data;
    else problems.push(`${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const data = values as Partial<z.infer<typeof filterParamsSchema>>;
  let from = data.from;
  let to = data.to;
  let range = data.range;
  if (range || (!from && !to)) {
    range ??= options.defaultRange;
    from = range && new Date(now.getTime() - rangePresets[range]);
    to = undefined;
  } else if (!from && to && options.defaultRange) {
    from = new Date(to.getTime() - rangePresets[options.defaultRange]);
  }
  if (from && to && from >= to) {
    problems.push('from must be before to');
    to = undefined;
  }
  const filters: AdminUsageFilters = {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(data.key ? { keyId: data.key } : {}),
    ...(data.model ? { model: data.model } : {}),
    ...(data.provider ? { provider: data.provider } : {}),
    ...(data.status !== undefined ? { status: data.status } : {}),
    ...(data.request_id ? { requestId: data.request_id } : {}),
    ...(data.cache ? { cacheStatus: data.cache } : {}),
    ...(data.guardrail ? { guardrail: data.guardrail } : {}),
  };
  return { filters, range, cursor: data.cursor, problems };
}

/** The query string of these filters (for links that keep them), without the cursor. */
export function filterQuery(parsed: ParsedFilters, extra: Record<string, string> = {}): string {
  const { filters, range } = parsed;
  const entries: Array<[string, string]> = [];
  if (range) entries.push(['range', range]);
  else {
    if (filters.from) entries.push(['from', filters.from.toISOString()]);
    if (filters.to) entries.push(['to', filters.to.toISOString()]);
  }
  if (filters.keyId) entries.push(['key', filters.keyId]);
  if (filters.model) entries.push(['model', filters.model]);
  if (filters.provider) entries.push(['provider', filters.provider]);
  if (filters.status !== undefined) entries.push(['status', String(filters.status)]);
  if (filters.requestId) entries.push(['request_id', filters.requestId]);
  if (filters.cacheStatus) entries.push(['cache', filters.cacheStatus]);
  if (filters.guardrail) entries.push(['guardrail', filters.guardrail]);
  const query = new URLSearchParams(entries);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return query.toString();
}

/**
 * The query string with the time window in absolute times: a preset becomes its `from`, and `to` is
 * `now` when open. For links that must show the same window later, such as the log's older pages: a
 * preset there would be worked out again from a later now, and the window would slide under the cursor.
 */
export function pinnedFilterQuery(parsed: ParsedFilters, now: Date, extra: Record<string, string> = {}): string {
  return filterQuery({ ...parsed, range: undefined, filters: { ...parsed.filters, to: parsed.filters.to ?? now } }, extra);
}
