import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createMasterKeyGuard } from './master-key.ts';

const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as FastifyRequest;

describe('createMasterKeyGuard', () => {
  it('lets the master key through and refuses anything else', async () => {
    const guard = createMasterKeyGuard('s3cret-master');
    await expect(guard(request('Bearer s3cret-master'))).resolves.toBeUndefined();
    await expect(guard(request('Bearer s3cret-maste'))).rejects.toMatchObject({ code: 'invalid_api_key' });
    await expect(guard(request())).rejects.toMatchObject({ code: 'invalid_api_key' });
  });

  it('refuses everyone when no master key is configured', async () => {
    const guard = createMasterKeyGuard(undefined);
    await expect(guard(request('Bearer anything'))).rejects.toMatchObject({ code: 'invalid_api_key', message: expect.stringContaining('GATEWAY_MASTER_KEY') });
  });
});
