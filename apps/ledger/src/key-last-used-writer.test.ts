import { describe, expect, it, vi } from 'vitest';
import type { UsageRecord } from '@gateway/contracts';
import { createLogger } from '@gateway/telemetry';
import { createKeyLastUsedWriter, latestUseByKey } from './key-last-used-writer.ts';

const logger = createLogger({ service: 'ledger-test', level: 'silent' });

function usage(keyId: string | null, createdAt: string): UsageRecord {
  return {
    requestId: `${keyId}-${createdAt}`,
    createdAt,
    keyId,
    model: 'gpt',
    provider: 'openai',
    providerModel: 'gpt-4o',
    endpoint: 'chat',
    stream: false,
    inputTokens: 1,
    outputTokens: 1,
    costUsd: null,
    latencyMs: 1,
    overheadMs: 1,
    status: 200,
    errorCode: null,
    attempts: 1,
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

describe('latestUseByKey', () => {
  it('keeps the latest time per key, skipping keyless and unreadable records, never past now', () => {
    const now = new Date('2030-01-01T12:00:00.000Z');
    const latest = latestUseByKey(
      [
        usage('key_a', '2030-01-01T10:00:00.000Z'),
        usage('key_a', '2030-01-01T11:00:00.000Z'),
        usage('key_a', '2030-01-01T09:00:00.000Z'),
        usage('key_b', 'not a time'),
        usage(null, '2030-01-01T11:30:00.000Z'),
        usage('key_c', '2031-01-01T00:00:00.000Z'),
      ],
      now,
    );
    expect(latest).toEqual(
      new Map([
        ['key_a', new Date('2030-01-01T11:00:00.000Z')],
        ['key_c', now],
      ]),
    );
  });
});

describe('key last-used writer', () => {
  it('runs one update at a time and merges the batches that arrive meanwhile', async () => {
    const calls: Array<Map<string, Date>> = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const touch = vi.fn((lastUsed: ReadonlyMap<string, Date>) => {
      calls.push(new Map(lastUsed));
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    });
    const writer = createKeyLastUsedWriter({ touch, logger });
    writer.record([usage('key_a', '2020-01-01T00:00:01.000Z')]);
    writer.record([usage('key_a', '2020-01-01T00:00:03.000Z'), usage('key_b', '2020-01-01T00:00:02.000Z')]);
    writer.record([usage('key_a', '2020-01-01T00:00:02.000Z')]);
    await vi.waitFor(() => expect(touch).toHaveBeenCalledTimes(1));
    gates[0]!.resolve();
    await vi.waitFor(() => expect(touch).toHaveBeenCalledTimes(2));
    gates[1]!.resolve();
    await writer.drain();
    expect(calls).toEqual([
      new Map([['key_a', new Date('2020-01-01T00:00:01.000Z')]]),
      new Map([
        ['key_a', new Date('2020-01-01T00:00:03.000Z')],
        ['key_b', new Date('2020-01-01T00:00:02.000Z')],
      ]),
    ]);
  });

  it('counts a failed update and carries on with the next batch', async () => {
    const onFailure = vi.fn();
    const touch = vi
      .fn<(lastUsed: ReadonlyMap<string, Date>) => Promise<void>>()
      .mockRejectedValueOnce(new Error('relation "gateway_keys" does not exist'))
      .mockImplementationOnce(() => {
        throw new Error('thrown before any promise');
      })
      .mockResolvedValue(undefined);
    const writer = createKeyLastUsedWriter({ touch, logger, onFailure });
    writer.record([usage('key_a', '2020-01-01T00:00:01.000Z')]);
    await writer.drain();
    writer.record([usage('key_a', '2020-01-01T00:00:02.000Z')]);
    await writer.drain();
    writer.record([usage('key_a', '2020-01-01T00:00:03.000Z')]);
    await writer.drain();
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(touch).toHaveBeenCalledTimes(3);
    expect(touch).toHaveBeenLastCalledWith(new Map([['key_a', new Date('2020-01-01T00:00:03.000Z')]]));
  });

  it('does nothing for batches without keys', async () => {
    const touch = vi.fn(() => Promise.resolve());
    const writer = createKeyLastUsedWriter({ touch, logger });
    writer.record([usage(null, '2020-01-01T00:00:01.000Z')]);
    await writer.drain();
    expect(touch).not.toHaveBeenCalled();
  });
});
