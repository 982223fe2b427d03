import { describe, expect, it } from 'vitest';
import { createBus } from './create-bus.ts';

describe('createBus', () => {
  it('runs in process when no NATS URL is configured', async () => {
    const bus = await createBus({ name: 'unit' });
    expect(bus.status()).toEqual({ kind: 'memory', connected: true });
    await bus.close();
    expect(bus.status().connected).toBe(false);
    await expect(bus.ping()).rejects.toMatchObject({ code: 'dependency_unavailable' });
  });
});
