import { configChanged, type ConfigChanged } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';

export interface LiveConfig<T> {
  /** The last value loaded successfully. */
  current(): T;
  /** Loads again now (also triggered by config-changed events and by the refresh timer). */
  reload(): Promise<void>;
  /** Stops listening for events and stops the refresh timer. */
  stop(): void;
}

export const defaultRefreshIntervalMs = 30_000;

export interface WatchConfigOptions<T> {
  bus: Bus;
  load: () => Promise<T>;
  entities: ReadonlyArray<ConfigChanged['entity']>;
  /**
   * Also reload every this many milliseconds (default 30 000; 0 disables). Config-changed events are
   * core NATS messages, fire and forget: one sent while this process was disconnected, or dropped
   * under load, is never redelivered. Events make a change visible at once; the timer bounds how long
   * a missed one can leave this process on a stale value.
   */
  refreshIntervalMs?: number;
  onReload?: (value: T) => void;
  onError?: (error: unknown) => void;
}

/**
 * A value loaded from the database and kept in memory (no query per request), reloaded when a
 * config-changed event for one of `entities` arrives on the bus, and every `refreshIntervalMs`. A
 * failed reload keeps the last good value and is reported through `onError`. Reloads never overlap; a
 * burst of events costs at most one reload in progress plus one after it.
 */
export async function watchConfig<T>(options: WatchConfigOptions<T>): Promise<LiveConfig<T>> {
  const refreshIntervalMs = options.refreshIntervalMs ?? defaultRefreshIntervalMs;
  if (!Number.isFinite(refreshIntervalMs) || refreshIntervalMs < 0) {
    throw new RangeError(`refreshIntervalMs must be 0 (no timer) or a positive number of milliseconds, not ${refreshIntervalMs}`);
  }
  // Subscribe before the first load: a change announced while this process starts (another service
  // reconciling gateway.yaml, say) is then either already in what the load reads, or triggers a reload.
  let initialised = false;
  let changedWhileStarting = false;
  const subscription = options.bus.subscribe(configChanged, (event) => {
    if (event.entity !== 'all' && !options.entities.includes(event.entity)) return undefined;
    if (!initialised) {
      changedWhileStarting = true;
      return undefined;
    }
    return reload();
  });
  let value: T;
  try {
    value = await options.load();
  } catch (error) {
    subscription.unsubscribe();
    throw error;
  }
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const loadOnce = async () => {
    try {
      value = await options.load();
      options.onReload?.(value);
    } catch (error) {
      options.onError?.(error);
    }
  };
  const reload = (): Promise<void> => {
    if (!running) {
      running = loadOnce().finally(() => {
        running = undefined;
      });
      return running;
    }
    // A change arrived while loading: the load in progress may have read old data, so load once more.
    queued ??= running.then(() => {
      queued = undefined;
      return reload();
    });
    return queued;
  };
  initialised = true;
  if (changedWhileStarting) await reload();
  // A timer tick while a reload is running joins the queue like an event: no overlap, no pile-up.
  // Unref'd, so it never keeps a process alive on its own.
  const timer = refreshIntervalMs > 0 ? setInterval(() => void reload(), refreshIntervalMs) : undefined;
  timer?.unref();
  return {
    current: () => value,
    reload,
    stop: () => {
      subscription.unsubscribe();
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
