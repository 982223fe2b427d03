import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, createRedisStore, type KeyValueStore } from '@gateway/kv';
import { testServiceUrls, uniqueName } from '../../testkit/src/test-env.ts';
import { createDeploymentState, type AttemptOutcome, type DeploymentState, type DeploymentStateOptions } from '../src/index.ts';

const implementations: Array<[string, () => Promise<KeyValueStore>]> = [
  ['memory', async () => createMemoryStore()],
  ['redis', () => createRedisStore({ url: testServiceUrls().redisUrl, keyPrefix: `${uniqueName('ds')}:` })],
];

const a = { provider: 'openai-main', model: 'gpt-4o' };
const b = { provider: 'anthropic-main', model: 'claude-sonnet-4-5' };
const ok = (latencyMs: number, extra: { ttftMs?: number; tokens?: number } = {}) => ({ ok: true, status: 200, latencyMs, ...extra });
const failed = (status: number) => ({ ok: false, status, latencyMs: 10 });

describe.each(implementations)('deployment state on the %s store', (_name, create) => {
  let store: KeyValueStore;
  let now: number;
  let ejections: Array<{ deployment: string; until: number; reason: string }>;
  const stateWith = (options: DeploymentStateOptions = {}): DeploymentState =>
    createDeploymentState(store, { keyPrefix: `${uniqueName('state')}:`, clock: () => now, onEjected: (event) => ejections.push(event), ...options });

  beforeAll(async () => {
    store = await create();
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(() => {
    // Half a minute into a minute, so that "this minute" is stable unless a test moves on.
    now = 1_800_000_030_000;
    ejections = [];
  });

  async function snapshotOf(state: DeploymentState, deployment = a) {
    const snapshot = (await state.snapshot([deployment])).get(`${deployment.provider}/${deployment.model}`);
    if (!snapshot) throw new Error('no snapshot');
    return snapshot;
  }

  async function attempt(state: DeploymentState, outcome: AttemptOutcome, deployment = a) {
    await state.attemptStarted(deployment);
    await state.attemptFinished(deployment, outcome);
  }

  it('starts empty for a deployment never called', async () => {
    expect(await snapshotOf(stateWith())).toEqual({
      inFlight: 0,
      latencyEwmaMs: null,
      ttftEwmaMs: null,
      requestsThisMinute: 0,
      tokensThisMinute: 0,
      ejectedUntil: null,
      ejectionReason: null,
    });
  });

  it('counts attempts in flight across replicas', async () => {
    const prefix = `${uniqueName('shared')}:`;
    const replicaOne = stateWith({ keyPrefix: prefix });
    const replicaTwo = stateWith({ keyPrefix: prefix });
    await Promise.all([replicaOne.attemptStarted(a), replicaOne.attemptStarted(a), replicaTwo.attemptStarted(a)]);
    expect((await snapshotOf(replicaTwo)).inFlight).toBe(3);
    await replicaOne.attemptFinished(a, ok(100));
    await replicaTwo.attemptFinished(a, ok(100));
    expect((await snapshotOf(replicaOne)).inFlight).toBe(1);
    await replicaOne.attemptFinished(a, ok(100));
    expect((await snapshotOf(replicaOne)).inFlight).toBe(0);
    // A finish without a start of this replica takes nothing back (never below zero).
    await replicaTwo.attemptFinished(a, ok(100));
    expect((await snapshotOf(replicaOne)).inFlight).toBe(0);
  });

  it("forgets the in-flight marks of a replica that died, after the in-flight TTL", async () => {
    const prefix = `${uniqueName('crash')}:`;
    const crashed = stateWith({ keyPrefix: prefix, inFlightTtlMs: 180_000 });
    const alive = stateWith({ keyPrefix: prefix, inFlightTtlMs: 180_000 });
    await crashed.attemptStarted(a);
    await crashed.attemptStarted(a);
    now += 60_000;
    await alive.attemptStarted(a);
    expect((await snapshotOf(alive)).inFlight).toBe(3);
    now += 130_000;
    // The crashed replica's slot is three minutes old: gone; the live attempt's slot is kept.
    expect((await snapshotOf(alive)).inFlight).toBe(1);
    await alive.attemptFinished(a, ok(200_000));
    expect((await snapshotOf(alive)).inFlight).toBe(0);
  });

  it('keeps exponentially weighted averages of latency and TTFT from successes only', async () => {
    const state = stateWith({ ewmaAlpha: 0.5 });
    await attempt(state, ok(100));
    expect(await snapshotOf(state)).toMatchObject({ latencyEwmaMs: 100, ttftEwmaMs: null });
    await attempt(state, ok(300, { ttftMs: 40 }));
    await attempt(state, failed(503));
    await state.attemptStarted(a);
    await state.attemptFinished(a, ok(100, { ttftMs: 20 }));
    const snapshot = await snapshotOf(state);
    expect(snapshot.latencyEwmaMs).toBeCloseTo(150, 6);
    expect(snapshot.ttftEwmaMs).toBeCloseTo(30, 6);
  });

  it('counts requests and tokens per minute', async () => {
    const state = stateWith();
    await state.attemptStarted(a);
    await state.attemptStarted(a);
    await state.attemptFinished(a, ok(10, { tokens: 150 }));
    await state.attemptFinished(a, ok(10, { tokens: 50 }));
    expect(await snapshotOf(state)).toMatchObject({ requestsThisMinute: 2, tokensThisMinute: 200 });
    now += 60_000;
    expect(await snapshotOf(state)).toMatchObject({ requestsThisMinute: 0, tokensThisMinute: 0 });
    await attempt(state, ok(10, { tokens: 7 }));
    expect(await snapshotOf(state)).toMatchObject({ requestsThisMinute: 1, tokensThisMinute: 7 });
  });

  it('ejects after five failures in a row; a 4xx of the request breaks the run, a cancellation does not', async () => {
    const state = stateWith();
    for (const status of [503, 429, 504, 500]) await attempt(state, failed(status));
    await attempt(state, failed(400));
    for (const status of [502, 500, 408, 503]) await attempt(state, failed(status));
    await attempt(state, failed(499));
    expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    await attempt(state, failed(500));
    expect(await snapshotOf(state)).toMatchObject({ ejectedUntil: now + 30_000, ejectionReason: 'failures' });
    expect(ejections).toEqual([{ deployment: 'openai-main/gpt-4o', until: now + 30_000, reason: 'failures' }]);
    // Other deployments are not touched.
    expect((await snapshotOf(state, b)).ejectedUntil).toBeNull();
  });

  it('doubles the cooldown of consecutive ejections up to the maximum, and starts over after a healthy period', async () => {
    const state = stateWith({ ejection: { consecutiveFailures: 2, baseCooldownMs: 30_000, maxCooldownMs: 100_000, resetAfterMs: 50_000 } });
    const cooldowns: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      await attempt(state, failed(500));
      await attempt(state, failed(500));
      const { ejectedUntil } = await snapshotOf(state);
      cooldowns.push(ejectedUntil! - now);
      // Failures of attempts that finish while it is ejected do not count.
      await attempt(state, failed(500));
      now = ejectedUntil! + 1;
      expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    }
    expect(cooldowns).toEqual([30_000, 60_000, 100_000, 100_000]);
    now += 50_000;
    await attempt(state, failed(500));
    await attempt(state, failed(500));
    expect((await snapshotOf(state)).ejectedUntil).toBe(now + 30_000);
  });

  it('ejects on an error rate of half of at least 20 requests within the window', async () => {
    const state = stateWith();
    for (let index = 0; index < 19; index += 1) await attempt(state, index % 2 === 0 ? ok(10) : failed(503));
    // 19 requests, 9 failures: not yet.
    expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    await attempt(state, failed(503));
    expect(await snapshotOf(state)).toMatchObject({ ejectedUntil: now + 30_000, ejectionReason: 'error-rate' });
  });

  it('weighs the previous window by its overlap, and forgets older ones', async () => {
    const state = stateWith({ ejection: { windowMs: 10_000, minRequests: 4, consecutiveFailures: 100 } });
    now = 1_800_000_000_000;
    await attempt(state, failed(500));
    await attempt(state, failed(500));
    await attempt(state, ok(10));
    // 2.5 windows later nothing of those three counts.
    now += 25_000;
    await attempt(state, failed(500));
    await attempt(state, ok(10));
    await attempt(state, ok(10));
    expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    // Next window, a tenth in: the previous 3 requests (1 failure) weigh 0.9.
    now = 1_800_000_031_000;
    await attempt(state, failed(500));
    // 1 + 2.7 = 3.7 requests < 4: not judged yet.
    expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    await attempt(state, failed(500));
    // 2 + 0.9 = 2.9 failures of 4.7 requests ≥ 50%.
    expect((await snapshotOf(state)).ejectionReason).toBe('error-rate');
  });

  it('takes a refused credential out of rotation for the long cooldown, then lets it be tried again', async () => {
    const state = stateWith();
    await attempt(state, failed(500));
    await attempt(state, failed(401));
    expect(await snapshotOf(state)).toMatchObject({ ejectedUntil: now + 600_000, ejectionReason: 'credential' });
    expect(ejections.at(-1)).toMatchObject({ reason: 'credential' });
    now += 600_001;
    expect(await snapshotOf(state)).toMatchObject({ ejectedUntil: null, ejectionReason: null });
    await attempt(state, ok(10));
    // A 403 may be about the request: alone it ejects nothing; repeated, it ejects like any failure.
    await attempt(state, failed(403));
    expect((await snapshotOf(state)).ejectedUntil).toBeNull();
    for (let count = 0; count < 4; count += 1) await attempt(state, failed(403));
    expect((await snapshotOf(state)).ejectionReason).toBe('failures');
  });

  it('reads many deployments in one snapshot', async () => {
    const state = stateWith();
    await state.attemptStarted(a);
    await attempt(state, failed(401), b);
    const snapshot = await state.snapshot([a, b, { provider: 'x', model: 'y' }]);
    expect([...snapshot.keys()]).toEqual(['openai-main/gpt-4o', 'anthropic-main/claude-sonnet-4-5', 'x/y']);
    expect(snapshot.get('openai-main/gpt-4o')).toMatchObject({ inFlight: 1, requestsThisMinute: 1 });
    expect(snapshot.get('anthropic-main/claude-sonnet-4-5')).toMatchObject({ inFlight: 0, ejectionReason: 'credential' });
    expect(snapshot.get('x/y')).toMatchObject({ inFlight: 0, ejectedUntil: null });
    expect((await state.snapshot([])).size).toBe(0);
  });

  it("uses the store's clock when no clock is given", async () => {
    const state = createDeploymentState(store, { keyPrefix: `${uniqueName('clock')}:` });
    await state.attemptStarted(a);
    await state.attemptFinished(a, failed(401));
    const snapshot = (await state.snapshot([a])).get('openai-main/gpt-4o')!;
    expect(snapshot.requestsThisMinute).toBe(1);
    expect(snapshot.ejectionReason).toBe('credential');
    expect(Math.abs(snapshot.ejectedUntil! - (Date.now() + 600_000))).toBeLessThan(60_000);
  });
});
