import { readFile } from 'node:fs/promises';
import { LineCounter, Scalar, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { gatewayConfigSchema, type GatewayConfig } from './gateway-config-schema.ts';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(`${message}\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedGatewayConfig {
  config: GatewayConfig;
  /** Where it came from: a file path, or `none` when no file exists at the default path. */
  source: string;
}

const envReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const wholeEnvReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/** Path segments of a value: map keys, and indexes in sequences. */
type ValuePath = Array<string | number>;

/**
 * Where a plain (unquoted) scalar was exactly one reference, its path and the substituted text: such
 * a value may turn out to be a number or a boolean (`timeout_ms: ${TIMEOUT_MS}`), see `retypeReferences`.
 */
type WholeReferences = Map<string, string>;

const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map((part) => (typeof part === 'number' ? part : String(part))));

/**
 * Replaces `${NAME}` (or `${NAME:-default}`) in string values, node by node, so that positions stay
 * right for error messages and a value can never inject YAML structure.
 */
function substituteEnvironment(
  document: Document,
  environment: NodeJS.ProcessEnv,
  describe: (node: unknown, path: string) => string,
): { problems: string[]; wholeReferences: WholeReferences } {
  const problems: string[] = [];
  const wholeReferences: WholeReferences = new Map();
  visit(document, {
    Scalar(key, node, ancestors) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const path = pathOf(ancestors, node);
      const whole = key !== 'key' && node.type === Scalar.PLAIN && wholeEnvReference.test(node.value);
      const substituted = node.value.replace(envReference, (_match, name: string, fallback: string | undefined) => {
        const value = environment[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        problems.push(`${describe(node, path.join('.'))}: environment variable ${name} is not set`);
        return '';
      });
      node.value = substituted;
      if (whole) wholeReferences.set(pathKey(path), substituted);
    },
  });
  return { problems, wholeReferences };
}

/** The path of `node` from the document root, e.g. `['providers', 0, 'api_key']`. */
function pathOf(ancestors: readonly unknown[], node: unknown): ValuePath {
  const parts: ValuePath = [];
  ancestors.forEach((ancestor, index) => {
    const child = ancestors[index + 1] ?? node;
    if (isPair(ancestor) && isScalar(ancestor.key)) parts.push(String(ancestor.key.value));
    else if (isSeq(ancestor)) parts.push(ancestor.items.indexOf(child));
  });
  return parts;
}

/** The value YAML reads from `text` alone, if it is a scalar (never a map or a sequence). */
function yamlScalarValue(text: string): unknown {
  const document = parseDocument(text);
  return document.errors.length === 0 && isScalar(document.contents) ? document.contents.value : undefined;
}

function setIn(target: unknown, path: readonly PropertyKey[], value: unknown): void {
  const parent = path.slice(0, -1).reduce<unknown>((current, part) => (current as Record<PropertyKey, unknown> | undefined)?.[part], target);
  const last = path.at(-1);
  if (parent !== null && typeof parent === 'object' && last !== undefined) (parent as Record<PropertyKey, unknown>)[last] = value;
}

/**
 * Substituted text is a string, as YAML would read `"${NAME}"`. Where the schema wants a number or a
 * boolean and the value was exactly one unquoted reference, the text is read as YAML reads a plain
 * scalar (`5000` → 5000, `true` → true) — only if that gives the wanted type; a string field keeps
 * the text as it was, so a numeric secret or header value never turns into a number. A substituted
 * value never becomes a map or a sequence. Returns whether anything changed.
 */
function retypeReferences(input: unknown, issues: readonly z.core.$ZodIssue[], wholeReferences: WholeReferences): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || (issue.expected !== 'number' && issue.expected !== 'boolean')) continue;
    const text = wholeReferences.get(pathKey(issue.path));
    if (text === undefined) continue;
    const value = yamlScalarValue(text);
    if (typeof value !== issue.expected) continue;
    setIn(input, issue.path, value);
    changed = true;
  }
  return changed;
}

/**
 * Parses and validates YAML configuration text against `schema`: `${NAME}` references substituted,
 * errors naming the file, line and field.
 */
export function parseYamlConfig<Schema extends z.ZodType>(
  text: string,
  fileName: string,
  schema: Schema,
  environment: NodeJS.ProcessEnv = process.env,
): z.output<Schema> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const positionOf = (node: unknown): string => {
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return fileName;
    const { line, col } = lineCounter.linePos(range[0]);
    return `${fileName}:${line}:${col}`;
  };
  if (document.errors.length > 0) {
    throw new ConfigError(`Cannot parse ${fileName}`, document.errors.map((error) => error.message));
  }
  const { problems, wholeReferences } = substituteEnvironment(document, environment, (node, path) => `${positionOf(node)} ${path}`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration in ${fileName}`, problems);

  const input: unknown = document.toJS() ?? {};
  let result = schema.safeParse(input);
  if (!result.success && retypeReferences(input, result.error.issues, wholeReferences)) result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid configuration in ${fileName}`, result.error.issues.map((issue) => describeIssue(issue, document, positionOf)));
}

/** Parses and validates gateway.yaml text; errors name the file, line and field. */
export function parseGatewayConfig(text: string, fileName: string, environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseYamlConfig(text, fileName, gatewayConfigSchema, environment);
}

function describeIssue(issue: z.core.$ZodIssue, document: Document, positionOf: (node: unknown) => string): string {
  const path = issue.path.map(String);
  const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  if (unknownKeys.length > 0) {
    return unknownKeys
      .map((key) => {
        const parent = document.getIn(issue.path as (string | number)[], true) as { items?: Array<{ key: unknown }> } | undefined;
        const keyNode = parent?.items?.find((pair) => isScalar(pair.key) && pair.key.value === key)?.key;
        return `${positionOf(keyNode ?? parent)} ${[...path, key].join('.')}: unknown field "${key}"`;
      })
      .join('\n  - ');
  }
  let node: unknown = document.getIn(issue.path as (string | number)[], true);
  let nodePath = issue.path as (string | number)[];
  while (!node && nodePath.length > 0) {
    nodePath = nodePath.slice(0, -1);
    node = nodePath.length > 0 ? document.getIn(nodePath, true) : document.contents;
  }
  return `${positionOf(node)} ${path.join('.') || '(root)'}: ${issue.message}`;
}

/**
 * Loads gateway.yaml from `GATEWAY_CONFIG` (default `./gateway.yaml`). A missing file at the default
 * path is allowed (an empty gateway; providers can be added through the admin API); a missing file
 * that was asked for explicitly is an error.
 */
export async function loadGatewayConfig(options: { path?: string; environment?: NodeJS.ProcessEnv } = {}): Promise<LoadedGatewayConfig> {
  const environment = options.environment ?? process.env;
  const explicit = options.path ?? environment.GATEWAY_CONFIG;
  const path = explicit ?? './gateway.yaml';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { config: gatewayConfigSchema.parse({}), source: 'none (no ./gateway.yaml; set GATEWAY_CONFIG)' };
    }
    throw new ConfigError(`Cannot read gateway config ${path}`, [(error as Error).message]);
  }
  return { config: parseGatewayConfig(text, path, environment), source: path };
}
