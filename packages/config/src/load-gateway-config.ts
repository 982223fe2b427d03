import { readFile } from 'node:fs/promises';
import { LineCounter, isScalar, parseDocument, visit, type Document } from 'yaml';
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

/**
 * Replaces `${NAME}` (or `${NAME:-default}`) in string values, node by node, so that positions stay
 * right for error messages and a value can never inject YAML structure.
 */
function substituteEnvironment(document: Document, environment: NodeJS.ProcessEnv, describe: (node: unknown, path: string) => string): string[] {
  const problems: string[] = [];
  visit(document, {
    Scalar(_key, node, path) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(envReference, (_match, name: string, fallback: string | undefined) => {
        const value = environment[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        problems.push(`${describe(node, pathOf(path))}: environment variable ${name} is not set`);
        return '';
      });
    },
  });
  return problems;
}

function pathOf(ancestors: readonly unknown[]): string {
  const parts: string[] = [];
  for (const ancestor of ancestors) {
    if (ancestor && typeof ancestor === 'object' && 'key' in ancestor && isScalar((ancestor as { key: unknown }).key)) {
      parts.push(String(((ancestor as { key: { value: unknown } }).key).value));
    }
  }
  return parts.join('.');
}

/** Parses and validates gateway.yaml text; errors name the file, line and field. */
export function parseGatewayConfig(text: string, fileName: string, environment: NodeJS.ProcessEnv = process.env): GatewayConfig {
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
  const envProblems = substituteEnvironment(document, environment, (node, path) => `${positionOf(node)} ${path}`);
  if (envProblems.length > 0) throw new ConfigError(`Invalid configuration in ${fileName}`, envProblems);

  const result = gatewayConfigSchema.safeParse(document.toJS() ?? {});
  if (result.success) return result.data;
  throw new ConfigError(`Invalid configuration in ${fileName}`, result.error.issues.map((issue) => describeIssue(issue, document, positionOf)));
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
