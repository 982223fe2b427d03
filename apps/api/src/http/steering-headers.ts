import type { FastifyRequest } from 'fastify';
import { GatewayError, headerNames } from '@gateway/contracts';

/** What a caller may steer with `x-gateway-*` headers, parsed and checked once per request. */
export interface Steering {
  /** `x-gateway-metadata`: a flat JSON object of strings, numbers and booleans. */
  metadata?: Record<string, string | number | boolean>;
  /** `x-gateway-config`: parsed JSON; the router checks its shape and the key's rights. */
  inlineConfig?: unknown;
  /** `x-gateway-timeout-ms`: the caller's deadline for the whole request, in ms. */
  timeoutMs?: number;
}

const maxHeaderJson = 16 * 1024;

function single(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJsonHeader(name: string, text: string): unknown {
  if (text.length > maxHeaderJson) throw new GatewayError('invalid_request', `${name} is larger than ${maxHeaderJson} bytes`, { param: name });
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_request', `${name} must be JSON`, { param: name });
  }
}

/** Reads the steering headers; a malformed one is the caller's mistake (400 naming the header). */
export function readSteering(request: FastifyRequest): Steering {
  const steering: Steering = {};
  const metadata = single(request, headerNames.metadata);
  if (metadata !== undefined) {
    const parsed = parseJsonHeader(headerNames.metadata, metadata);
    const valid =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((value) => ['string', 'number', 'boolean'].includes(typeof value));
    if (!valid) {
      throw new GatewayError('invalid_request', `${headerNames.metadata} must be a JSON object of strings, numbers and booleans`, {
        param: headerNames.metadata,
      });
    }
    steering.metadata = parsed as Record<string, string | number | boolean>;
  }
  const config = single(request, headerNames.config);
  if (config !== undefined) steering.inlineConfig = parseJsonHeader(headerNames.config, config);
  const timeout = single(request, headerNames.timeoutMs);
  if (timeout !== undefined) {
    const ms = Number(timeout);
    if (!/^\d+$/.test(timeout.trim()) || ms <= 0 || ms > 3_600_000) {
      throw new GatewayError('invalid_request', `${headerNames.timeoutMs} must be a whole number of milliseconds between 1 and 3600000`, {
        param: headerNames.timeoutMs,
      });
    }
    steering.timeoutMs = ms;
  }
  return steering;
}

/** The body's top-level scalar parameters (temperature, max_tokens, stream, user…), for conditional routing. */
export function scalarParams(body: unknown): Record<string, string | number | boolean | null> {
  const params: Record<string, string | number | boolean | null> = {};
  if (typeof body !== 'object' || body === null) return params;
  for (const [name, value] of Object.entries(body)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) params[name] = value as string | number | boolean | null;
  }
  return params;
}
