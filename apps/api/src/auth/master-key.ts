import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '@gateway/contracts';
import { extractApiKey } from './extract-key.ts';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Guards /admin/v1: the master key, compared in constant time (hashes have equal length). */
export function createMasterKeyGuard(masterKey: string | undefined) {
  const expected = masterKey ? digest(masterKey) : undefined;
  return async (request: FastifyRequest): Promise<void> => {
    if (!expected) {
      throw new GatewayError('invalid_api_key', 'The admin API is disabled: set GATEWAY_MASTER_KEY to enable it');
    }
    const presented = extractApiKey(request.headers);
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      throw new GatewayError('invalid_api_key', 'Admin API: send "Authorization: Bearer <GATEWAY_MASTER_KEY>"');
    }
  };
}
