import type { ExecutorClock } from './clock.ts';

/**
 * Linkerd-style retry budget per deployment: within a sliding window, retries may add up to `ratio` of
 * the requests that deployment got, plus `minRetriesPerSecond` so that low traffic can still retry.
 * A failing deployment thus costs at most (1 + ratio) times its traffic, never a retry storm.
 * Kept in memory per replica: each replica bounds its own retries, which bounds the sum.
 */
export interface RetryBudgetSettings {
  /** Retries allowed per request in the window (default 0.2). */
  ratio: number;
  /** Retries allowed per second whatever the traffic (default 1). */
  minRetriesPerSecond: number;
  /** The window (default 10 s), counted in ten buckets. */
  windowMs: number;
}

export const defaultRetryBudgetSettings: RetryBudgetSettings = { ratio: 0.2, minRetriesPerSecond: 1, windowMs: 10_000 };

export interface RetryBudget {
  /** A first call to the deployment (including a fallback's or a hedge's). */
  recordRequest(deployment: string): void;
  /** Takes one retry from the deployment's budget; false when it is spent. */
  tryRetry(deployment: string): boolean;
  /** How many deployments are tracked (for tests of the eviction). */
  readonly size: number;
}

const bucketCount = 10;

interface Buckets {
  /** Bucket index (floor(now / bucketMs)) of each slot. */
  index: number[];
  requests: number[];
  retries: number[];
}

export function createRetryBudget(settings: Partial<RetryBudgetSettings>, clock: ExecutorClock): RetryBudget {
  const { ratio, minRetriesPerSecond, windowMs } = { ...defaultRetryBudgetSettings, ...settings };
  const bucketMs = windowMs / bucketCount;
  const deployments = new Map<string, Buckets>();
  let lastSweep = Math.floor(clock.now() / bucketMs);

  /**
   * Deployments idle for a whole window have nothing left to count: forgotten, so that the map holds
   * only recently used deployments (clients can name any number of them with direct addressing or an
   * inline routing config).
   */
  function sweep(index: number): void {
    if (index - lastSweep < bucketCount) return;
    lastSweep = index;
    for (const [name, buckets] of deployments) {
      if (Math.max(...buckets.index) <= index - bucketCount) deployments.delete(name);
    }
  }

  function current(deployment: string): { buckets: Buckets; slot: number } {
    const index = Math.floor(clock.now() / bucketMs);
    sweep(index);
    let buckets = deployments.get(deployment);
    if (!buckets) {
      buckets = { index: new Array<number>(bucketCount).fill(-1), requests: new Array<number>(bucketCount).fill(0), retries: new Array<number>(bucketCount).fill(0) };
      deployments.set(deployment, buckets);
    }
    const slot = index % bucketCount;
    if (buckets.index[slot] !== index) {
      buckets.index[slot] = index;
      buckets.requests[slot] = 0;
      buckets.retries[slot] = 0;
    }
    return { buckets, slot };
  }

  function sums(buckets: Buckets): { requests: number; retries: number } {
    const oldest = Math.floor(clock.now() / bucketMs) - bucketCount;
    let requests = 0;
    let retries = 0;
    for (let slot = 0; slot < bucketCount; slot += 1) {
      if (buckets.index[slot]! > oldest) {
        requests += buckets.requests[slot]!;
        retries += buckets.retries[slot]!;
      }
    }
    return { requests, retries };
  }

  return {
    recordRequest(deployment) {
      const { buckets, slot } = current(deployment);
      buckets.requests[slot]! += 1;
    },
    tryRetry(deployment) {
      const { buckets, slot } = current(deployment);
      const { requests, retries } = sums(buckets);
      const allowed = minRetriesPerSecond * (windowMs / 1000) + ratio * requests;
      if (retries + 1 > allowed) return false;
      buckets.retries[slot]! += 1;
      return true;
    },
    get size() {
      return deployments.size;
    },
  };
}
