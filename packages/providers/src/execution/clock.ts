/**
 * Time as the executor sees it: the wall clock (epoch ms, what deadlines are in) and timers. Injected so
 * that tests drive timeouts, backoffs and hedges with a fake clock instead of sleeping.
 */
export interface ExecutorClock {
  now(): number;
  setTimer(callback: () => void, ms: number): TimerHandle;
}

export interface TimerHandle {
  clear(): void;
}

export const systemClock: ExecutorClock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    return { clear: () => clearTimeout(timer) };
  },
};

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(clock: ExecutorClock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timer.clear();
      reject(signal?.reason as Error);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
