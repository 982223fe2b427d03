/**
 * The query language of conditional routing (`conditions[].when`): a small, MongoDB-like subset,
 * checked once when the config is loaded and then evaluated per request, with no side effects.
 *
 *   { "metadata.plan": "free" }                          implicit $eq
 *   { "params.max_tokens": { "$gt": 1000, "$lte": 8000 } } several operators: all must hold
 *   { "$or": [ { "key.metadata.tier": { "$in": ["gold", "platinum"] } }, { "model": { "$regex": "^gpt-" } } ] }
 *
 * Fields are dotted paths into the request's context (`metadata`, `params`, `key.id`, `key.metadata`,
 * `model`); only own properties are followed. Operators: $eq $ne $gt $gte $lt $lte $in $nin $regex
 * (with $options), $and $or.
 */

export type Scalar = string | number | boolean | null;

export interface QueryContext {
  metadata?: Readonly<Record<string, unknown>>;
  params?: Readonly<Record<string, unknown>>;
  key?: { id: string; metadata?: Readonly<Record<string, unknown>> };
  model?: string;
}

export interface QueryLimits {
  /** Longest `$regex` pattern accepted (characters). */
  maxRegexLength: number;
  /** Deepest nesting of `$and` / `$or`. */
  maxDepth: number;
}

/** For gateway.yaml and the admin API (reviewed config). */
export const configQueryLimits: QueryLimits = { maxRegexLength: 256, maxDepth: 8 };
/** For `x-gateway-config`: written by the client, so much tighter. */
export const inlineQueryLimits: QueryLimits = { maxRegexLength: 64, maxDepth: 4 };

/** Strings longer than this never match `$regex` (bounds the work a pattern can do on client data). */
export const maxRegexSubjectLength = 1024;

export interface QueryProblem {
  path: Array<string | number>;
  message: string;
}

const comparisonOperators = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$regex', '$options'] as const;
const regexFlags = /^[imsu]*$/;

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why a pattern may backtrack catastrophically, or null. Refuses a quantified group that itself holds a
 * quantifier or an alternation (`(a+)+`, `(a|aa)*`, `(\w+\s?)*`) and backreferences: the shapes
 * behind exponential matching time in a backtracking engine such as V8's.
 */
export function unsafeRegexReason(pattern: string): string | null {
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  // For each open group: whether it contains a quantifier or an alternation.
  const stack: boolean[] = [];
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      index++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') stack.push(false);
    else if (char === '|' && stack.length > 0) stack[stack.length - 1] = true;
    else if (char === '*' || char === '+' || char === '?' || char === '{') {
      if (stack.length > 0 && !(char === '?' && pattern[index - 1] === '(')) stack[stack.length - 1] = true;
    } else if (char === ')') {
      const risky = stack.pop() ?? false;
      const next = pattern[index + 1];
      const quantified = next === '*' || next === '+' || next === '{' || next === '?';
      if (risky && quantified && next !== '?') return 'a repeated group must not contain a quantifier or "|" (catastrophic backtracking)';
      if (risky && stack.length > 0) stack[stack.length - 1] = true;
    }
  }
  return null;
}

/** Checks a query's shape, operators and patterns; an empty list means it can be evaluated. */
export function queryProblems(query: unknown, limits: QueryLimits = configQueryLimits): QueryProblem[] {
  const problems: QueryProblem[] = [];
  checkQuery(query, [], 1, limits, problems);
  return problems;
}

function checkQuery(query: unknown, path: Array<string | number>, depth: number, limits: QueryLimits, problems: QueryProblem[]): void {
  if (!isPlainObject(query)) {
    problems.push({ path, message: 'a query is an object of fields and operators' });
    return;
  }
  if (depth > limits.maxDepth) {
    problems.push({ path, message: `$and/$or nest at most ${limits.maxDepth} deep` });
    return;
  }
  if (Object.keys(query).length === 0) problems.push({ path, message: 'an empty query matches everything; say what to match' });
  for (const [field, condition] of Object.entries(query)) {
    if (field === '$and' || field === '$or') {
      if (!Array.isArray(condition) || condition.length === 0) {
        problems.push({ path: [...path, field], message: `${field} takes a non-empty list of queries` });
        continue;
      }
      condition.forEach((part, index) => checkQuery(part, [...path, field, index], depth + 1, limits, problems));
    } else if (field.startsWith('$')) {
      problems.push({ path: [...path, field], message: `unknown operator "${field}" (use a field path, $and or $or)` });
    } else if (!/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/.test(field)) {
      problems.push({ path: [...path, field], message: 'a field is a dotted path such as metadata.plan' });
    } else {
      checkCondition(condition, [...path, field], limits, problems);
    }
  }
}

function checkCondition(condition: unknown, path: Array<string | number>, limits: QueryLimits, problems: QueryProblem[]): void {
  if (isScalar(condition)) return;
  if (!isPlainObject(condition)) {
    problems.push({ path, message: 'a condition is a value (equality) or an object of operators' });
    return;
  }
  if (Object.keys(condition).length === 0) problems.push({ path, message: 'a condition needs at least one operator' });
  for (const [operator, operand] of Object.entries(condition)) {
    const at = [...path, operator];
    if (!(comparisonOperators as readonly string[]).includes(operator)) {
      problems.push({ path: at, message: `unknown operator "${operator}" (use ${comparisonOperators.filter((name) => name !== '$options').join(' ')})` });
      continue;
    }
    switch (operator) {
      case '$eq':
      case '$ne':
        if (!isScalar(operand)) problems.push({ path: at, message: `${operator} takes a string, number, boolean or null` });
        break;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof operand !== 'string' && (typeof operand !== 'number' || !Number.isFinite(operand))) {
          problems.push({ path: at, message: `${operator} takes a number or a string` });
        }
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(operand) || !operand.every(isScalar)) problems.push({ path: at, message: `${operator} takes a list of strings, numbers, booleans or null` });
        break;
      case '$options':
        if (typeof operand !== 'string' || !regexFlags.test(operand)) problems.push({ path: at, message: '$options takes regex flags among i, m, s and u' });
        else if (!('$regex' in condition)) problems.push({ path: at, message: '$options goes with $regex' });
        break;
      case '$regex': {
        if (typeof operand !== 'string') {
          problems.push({ path: at, message: '$regex takes a pattern string' });
          break;
        }
        if (operand.length > limits.maxRegexLength) {
          problems.push({ path: at, message: `$regex patterns are at most ${limits.maxRegexLength} characters here` });
          break;
        }
        const unsafe = unsafeRegexReason(operand);
        if (unsafe) {
          problems.push({ path: at, message: `$regex refused: ${unsafe}` });
          break;
        }
        try {
          new RegExp(operand, typeof condition.$options === 'string' && regexFlags.test(condition.$options) ? condition.$options : '');
        } catch (error) {
          problems.push({ path: at, message: `$regex is not a valid pattern: ${(error as Error).message}` });
        }
        break;
      }
    }
  }
}

/** The value at a dotted path, following own properties only (never `__proto__` or `constructor`). */
export function valueAt(context: QueryContext, path: string): unknown {
  let current: unknown = context;
  for (const part of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

const compiled = new Map<string, RegExp>();

function regexFor(pattern: string, flags: string): RegExp {
  const cacheKey = `${flags}/${pattern}`;
  let regex = compiled.get(cacheKey);
  if (!regex) {
    regex = new RegExp(pattern, flags);
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(cacheKey, regex);
  }
  return regex;
}

function ordered(value: unknown, operand: unknown): [number | string, number | string] | null {
  if (typeof value === 'number' && typeof operand === 'number') return [value, operand];
  if (typeof value === 'string' && typeof operand === 'string') return [value, operand];
  return null;
}

function conditionHolds(value: unknown, condition: unknown): boolean {
  if (!isPlainObject(condition)) return value === condition;
  return Object.entries(condition).every(([operator, operand]) => {
    switch (operator) {
      case '$eq':
        return value === operand;
      case '$ne':
        return value !== operand;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const pair = ordered(value, operand);
        if (!pair) return false;
        const [left, right] = pair;
        return operator === '$gt' ? left > right : operator === '$gte' ? left >= right : operator === '$lt' ? left < right : left <= right;
      }
      case '$in':
        return Array.isArray(operand) && operand.includes(value);
      case '$nin':
        return Array.isArray(operand) && !operand.includes(value);
      case '$regex':
        return (
          typeof value === 'string' &&
          typeof operand === 'string' &&
          value.length <= maxRegexSubjectLength &&
          regexFor(operand, typeof condition.$options === 'string' ? condition.$options : '').test(value)
        );
      case '$options':
        return true;
      default:
        return false;
    }
  });
}

/**
 * Whether `query` matches `context`. Expects a query that passed `queryProblems`; anything unknown
 * evaluates to false rather than throwing. A missing field equals nothing: `$eq`, `$in`, the
 * comparisons and `$regex` are false on it, `$ne` and `$nin` are true.
 */
export function matchesQuery(query: unknown, context: QueryContext): boolean {
  if (!isPlainObject(query)) return false;
  return Object.entries(query).every(([field, condition]) => {
    if (field === '$and') return Array.isArray(condition) && condition.every((part) => matchesQuery(part, context));
    if (field === '$or') return Array.isArray(condition) && condition.some((part) => matchesQuery(part, context));
    if (field.startsWith('$')) return false;
    return conditionHolds(valueAt(context, field), condition);
  });
}

/** A short, bounded description of a query for logs and the plan's reason: `metadata.plan $eq free`. */
export function describeQuery(query: unknown): string {
  if (!isPlainObject(query)) return '?';
  const parts = Object.entries(query).map(([field, condition]) => {
    if ((field === '$and' || field === '$or') && Array.isArray(condition)) return `${field}(${condition.map(describeQuery).join(', ')})`;
    if (!isPlainObject(condition)) return `${field} $eq ${JSON.stringify(condition)}`;
    return Object.entries(condition)
      .filter(([operator]) => operator !== '$options')
      .map(([operator, operand]) => `${field} ${operator} ${typeof operand === 'string' ? operand : JSON.stringify(operand)}`)
      .join(' and ');
  });
  const text = parts.join(' and ');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
