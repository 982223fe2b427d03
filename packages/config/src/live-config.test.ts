import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryBus, type Bus } from '@gateway/bus';
import { configChanged } from '@gateway/contracts';
import { watchConfig } from './live-config.ts';

let bus: Bus;

beforeEach(() => {
  bus = createMemoryBus();
  // Only the interval is faked: the memory bus delivers events with setImmediate.
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await bus.close();
});

/** A loader that returns 1, 2, 3… so each reload is visible. */
function counter() {
  let loads = 0;
  return vi.fn(async () => {
    loads += 1;
    return loads;
  });
}

describe('watchConfig', () => {
  it('reloads every 30 s by default, so a missed event leaves it stale for at most that long', async () => {
    const load = counter();
    const live = await watchConfig({ bus, load, entities: ['model'] });
    expect(live.current()).toBe(1);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(live.current()).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(live.current()).toBe(4);
    live.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(load).toHaveBeenCalledTimes(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('takes another interval, and none at all with 0', async () => {
    const fast = counter();
    const quick = await watchConfig({ bus, load: fast, entities: ['model'], refreshIntervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(quick.current()).toBe(4);
    quick.stop();

    const never = counter();
    const manual = await watchConfig({ bus, load: never, entities: ['model'], refreshIntervalMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(manual.current()).toBe(1);
    manual.stop();
    await expect(watchConfig({ bus, load: never, entities: ['model'], refreshIntervalMs: -1 })).rejects.toThrow(RangeError);
  });

  it('still reloads at once on an event for its entities, and keeps the last good value when a load fails', async () => {
    let fail = false;
    let loads = 0;
    const onError = vi.fn();
    const live = await watchConfig({
      bus,
      load: async () => {
        if (fail) throw new Error('database down');
        loads += 1;
        return loads;
      },
      entities: ['provider'],
      onError,
    });
    bus.publish(configChanged, { entity: 'provider', action: 'updated' });
    await vi.waitFor(() => expect(live.current()).toBe(2));
    bus.publish(configChanged, { entity: 'key', action: 'updated' });
    fail = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(live.current()).toBe(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(live.current()).toBe(3);
    live.stop();
  });

  it('does not keep the process alive with its timer', async () => {
    vi.useRealTimers();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const live = await watchConfig({ bus, load: counter(), entities: ['model'], refreshIntervalMs: 50 });
    const timer = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    live.stop();
    setIntervalSpy.mockRestore();
  });
});

describe('watchConfig at start', () => {
  it('reloads when a change is announced while the first load is still running', async () => {
    let loads = 0;
    let releaseFirst: () => void = () => undefined;
    const load = vi.fn(async () => {
      loads += 1;
      if (loads === 1) await new Promise<void>((resolve) => (releaseFirst = resolve));
      return loads;
    });
    const starting = watchConfig({ bus, load, entities: ['model'], refreshIntervalMs: 0 });
    // Another service reconciles gateway.yaml and announces it while this one is still loading.
    bus.publish(configChanged, { entity: 'all', action: 'updated' });
    await new Promise((resolve) => setImmediate(resolve));
    releaseFirst();
    const live = await starting;
    expect(live.current()).toBe(2);
    live.stop();
  });
});
