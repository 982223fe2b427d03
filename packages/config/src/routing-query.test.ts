import { describe, expect, it } from 'vitest';
import {
  configQueryLimits,
  describeQuery,
  inlineQueryLimits,
  matchesQuery,
  maxRegexSubjectLength,
  queryProblems,
  unsafeRegexReason,
  valueAt,
  type QueryContext,
} from './routing-query.ts';

const context: QueryContext = {
  metadata: { plan: 'free', seats: 12, beta: true, region: 'eu-west' },
  params: { max_tokens: 4000, temperature: 0.2, stream: true, user: null },
  key: { id: 'key_1', metadata: { tier: 'gold', team: { name: 'search' } } },
  model: 'gpt-4o-mini',
};

const matches = (query: unknown) => matchesQuery(query, context);

describe('matchesQuery', () => {
  it('compares with implicit and explicit $eq, and $ne', () => {
    expect(matches({ 'metadata.plan': 'free' })).toBe(true);
    expect(matches({ 'metadata.plan': { $eq: 'free' } })).toBe(true);
    expect(matches({ 'metadata.plan': { $eq: 'pro' } })).toBe(false);
    expect(matches({ 'metadata.plan': { $ne: 'pro' } })).toBe(true);
    expect(matches({ 'metadata.beta': true })).toBe(true);
    expect(matches({ 'params.user': null })).toBe(true);
    // No type coercion: the string "12" is not the number 12.
    expect(matches({ 'metadata.seats': '12' })).toBe(false);
  });

  it('orders numbers with numbers and strings with strings only', () => {
    expect(matches({ 'params.max_tokens': { $gt: 1000, $lte: 4000 } })).toBe(true);
    expect(matches({ 'params.max_tokens': { $gt: 1000, $lt: 4000 } })).toBe(false);
    expect(matches({ 'params.temperature': { $gte: 0.2 } })).toBe(true);
    expect(matches({ 'metadata.region': { $gte: 'eu', $lt: 'ev' } })).toBe(true);
    expect(matches({ 'metadata.plan': { $gt: 5 } })).toBe(false);
    expect(matches({ 'metadata.seats': { $gt: '5' } })).toBe(false);
  });

  it('tests membership with $in and $nin', () => {
    expect(matches({ 'key.metadata.tier': { $in: ['gold', 'platinum'] } })).toBe(true);
    expect(matches({ 'key.metadata.tier': { $nin: ['gold', 'platinum'] } })).toBe(false);
    expect(matches({ 'metadata.seats': { $in: [10, 12] } })).toBe(true);
  });

  it('treats a missing field as equal to nothing', () => {
    expect(matches({ 'metadata.missing': { $eq: null } })).toBe(false);
    expect(matches({ 'metadata.missing': { $ne: 'x' } })).toBe(true);
    expect(matches({ 'metadata.missing': { $nin: ['x'] } })).toBe(true);
    expect(matches({ 'metadata.missing': { $in: ['x'] } })).toBe(false);
    expect(matches({ 'metadata.missing': { $gt: 0 } })).toBe(false);
    expect(matches({ 'metadata.missing': { $regex: '.*' } })).toBe(false);
  });

  it('follows dotted paths into nested objects, own properties only', () => {
    expect(matches({ 'key.metadata.team.name': 'search' })).toBe(true);
    expect(matches({ 'key.id': 'key_1', model: 'gpt-4o-mini' })).toBe(true);
    expect(valueAt(context, 'metadata.__proto__')).toBeUndefined();
    expect(valueAt(context, 'metadata.constructor')).toBeUndefined();
    expect(valueAt(context, 'metadata.plan.length')).toBeUndefined();
  });

  it('matches $regex with $options, only on strings of bounded length', () => {
    expect(matches({ model: { $regex: '^gpt-4o' } })).toBe(true);
    expect(matches({ model: { $regex: '^GPT', $options: 'i' } })).toBe(true);
    expect(matches({ model: { $regex: '^GPT' } })).toBe(false);
    expect(matches({ 'metadata.seats': { $regex: '12' } })).toBe(false);
    const long = 'a'.repeat(maxRegexSubjectLength + 1);
    expect(matchesQuery({ 'metadata.text': { $regex: 'a' } }, { metadata: { text: long } })).toBe(false);
    expect(matchesQuery({ 'metadata.text': { $regex: 'a' } }, { metadata: { text: long.slice(1) } })).toBe(true);
  });

  it('combines with $and, $or and several fields (all must hold)', () => {
    expect(matches({ $or: [{ 'metadata.plan': 'pro' }, { 'key.metadata.tier': 'gold' }] })).toBe(true);
    expect(matches({ $and: [{ 'metadata.plan': 'free' }, { 'params.stream': false }] })).toBe(false);
    expect(matches({ 'metadata.plan': 'free', 'params.stream': true })).toBe(true);
    expect(matches({ 'metadata.plan': 'free', 'params.stream': false })).toBe(false);
    expect(matches({ $or: [{ $and: [{ model: { $regex: '^claude' } }] }, { 'metadata.seats': { $gte: 10 } }] })).toBe(true);
  });

  it('evaluates unchecked garbage to false instead of throwing', () => {
    expect(matches({ $where: 'true' })).toBe(false);
    expect(matches({ model: { $exists: true } })).toBe(false);
    expect(matches('model')).toBe(false);
    expect(matches({ $or: 'x' })).toBe(false);
  });
});

describe('queryProblems', () => {
  it('accepts well-formed queries', () => {
    expect(queryProblems({ 'metadata.plan': { $eq: 'free' } })).toEqual([]);
    expect(queryProblems({ $or: [{ 'params.max_tokens': { $gt: 1000 } }, { model: { $regex: '^gpt', $options: 'i' } }] })).toEqual([]);
  });

  it('names the path of each problem', () => {
    expect(queryProblems({ 'metadata.plan': { $exists: true } })).toEqual([
      { path: ['metadata.plan', '$exists'], message: 'unknown operator "$exists" (use $eq $ne $gt $gte $lt $lte $in $nin $regex)' },
    ]);
    expect(queryProblems({ $or: [{ model: { $in: 'gpt' } }] })).toEqual([{ path: ['$or', 0, 'model', '$in'], message: '$in takes a list of strings, numbers, booleans or null' }]);
    expect(queryProblems({ $where: 'x' })[0]?.message).toContain('unknown operator "$where"');
    expect(queryProblems({ 'metadata plan': 1 })[0]?.message).toContain('dotted path');
    expect(queryProblems({})[0]?.message).toContain('matches everything');
    expect(queryProblems({ $and: [] })[0]?.message).toContain('non-empty list');
    expect(queryProblems({ model: { $gt: true } })[0]?.message).toContain('a number or a string');
    expect(queryProblems({ model: { $eq: { a: 1 } } })[0]?.message).toContain('$eq takes');
    expect(queryProblems({ model: { $options: 'i' } })[0]?.message).toContain('$options goes with $regex');
    expect(queryProblems({ model: { $regex: 'a', $options: 'g' } })[0]?.message).toContain('flags');
    expect(queryProblems({ model: { $regex: '(' } })[0]?.message).toContain('not a valid pattern');
    expect(queryProblems({ model: [1, 2] })[0]?.message).toContain('a condition is a value');
  });

  it('limits nesting depth', () => {
    let deep: unknown = { model: 'x' };
    for (let level = 0; level < configQueryLimits.maxDepth; level++) deep = { $and: [deep] };
    expect(queryProblems(deep)[0]?.message).toContain('nest at most 8 deep');
    expect(queryProblems({ $and: [{ $and: [{ $and: [{ $and: [{ model: 'x' }] }] }] }] }, inlineQueryLimits)[0]?.message).toContain('at most 4 deep');
  });

  it('limits $regex length, more tightly for inline config', () => {
    const pattern = 'a'.repeat(65);
    expect(queryProblems({ model: { $regex: pattern } }, configQueryLimits)).toEqual([]);
    expect(queryProblems({ model: { $regex: pattern } }, inlineQueryLimits)).toEqual([
      { path: ['model', '$regex'], message: '$regex patterns are at most 64 characters here' },
    ]);
    expect(queryProblems({ model: { $regex: 'a'.repeat(257) } })[0]?.message).toContain('at most 256');
  });

  it('refuses patterns that backtrack catastrophically', () => {
    for (const pattern of ['(a+)+$', '(a*)*b', '(a|aa)+$', '(\\w+\\s?)*$', '((ab)*)+', '(a|b){2,}', '(.*a){12}', '(a)\\1', '(?<x>a)\\k<x>']) {
      expect(unsafeRegexReason(pattern), pattern).not.toBeNull();
      expect(queryProblems({ model: { $regex: pattern } })[0]?.message, pattern).toMatch(/^\$regex refused/);
    }
    for (const pattern of ['^gpt-4o', '^(gpt|claude)-', '(?:mini|nano)$', '[a+]+', '\\(a+\\)+', '^a+b*c?$', '(abc)+', '(a+)?']) {
      expect(unsafeRegexReason(pattern), pattern).toBeNull();
    }
  });
});

describe('describeQuery', () => {
  it('says what matched in a few words', () => {
    expect(describeQuery({ 'metadata.plan': { $eq: 'free' } })).toBe('metadata.plan $eq free');
    expect(describeQuery({ 'metadata.seats': 3 })).toBe('metadata.seats $eq 3');
    expect(describeQuery({ $or: [{ model: { $regex: '^gpt', $options: 'i' } }, { 'key.id': { $in: ['a'] } }] })).toBe('$or(model $regex ^gpt, key.id $in ["a"])');
    expect(describeQuery({ model: { $in: Array.from({ length: 100 }, (_value, index) => index) } }).length).toBeLessThanOrEqual(120);
  });
});
