import { configChanged, type ConfigChanged } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';

export interface LiveConfig<T> {
  /** The last value loaded successfully. */
  current(): T;
  /** Loads again now (also triggered by config-changed events). */
  reload(): Promise<void>;
  stop(): void;
}

/**
 * A value loaded from the database and kept in memory (no query per request), reloaded when a
 * config-changed event for one of `entities` arrives on the bus. A failed reload keeps the last good
 * value and is reported through `onError`. Reloads never overlap; a burst of events costs at most one
 * reload in progress plus one after it.
 */
export async function watchConfig<T>(options: {
  bus: Bus;
  load: () => Promise<T>;
  entities: ReadonlyArray<ConfigChanged['entity']>;
  onReload?: (value: T) => void;
  onError?: (error: unknown) => void;
}): Promise<LiveConfig<T>> {
  let value = await options.load();
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
  const subscription = options.bus.subscribe(configChanged, (event) => {
    if (event.entity === 'all' || options.entities.includes(event.entity)) return reload();
    return undefined;
  });
  return { current: () => value, reload, stop: () => subscription.unsubscribe() };
}
