import { describe, expect, it } from 'vitest';
import { BatchReader } from './batch-reader.ts';

/** An async source the test feeds by hand. */
function manualSource<T>() {
  const items: T[] = [];
  const waiting: ((result: IteratorResult<T>) => void)[] = [];
  let ended = false;
  return {
    push(item: T) {
      const next = waiting.shift();
      if (next) next({ done: false, value: item });
      else items.push(item);
    },
    end() {
      ended = true;
      for (const next of waiting.splice(0)) next({ done: true, value: undefined });
    },
    iterable: {
      [Symbol.asyncIterator]: (): AsyncIterator<T> => ({
        next: () => {
          if (items.length > 0) return Promise.resolve({ done: false, value: items.shift() as T });
          if (ended) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) => waiting.push(resolve));
        },
      }),
    },
  };
}

describe('BatchReader', () => {
  it('hands over a full batch without waiting for the window', async () => {
    const source = manualSource<number>();
    [1, 2, 3].forEach((item) => source.push(item));
    const reader = new BatchReader(source.iterable);
    const started = Date.now();
    await expect(reader.read(2, 10_000)).resolves.toEqual([1, 2]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('hands over what arrived when the window closes, and keeps the pending read for the next batch', async () => {
    const source = manualSource<number>();
    source.push(1);
    const reader = new BatchReader(source.iterable);
    await expect(reader.read(10, 30)).resolves.toEqual([1]);
    const next = reader.read(10, 30);
    source.push(2);
    await expect(next).resolves.toEqual([2]);
  });

  it('waits as long as needed for the first item', async () => {
    const source = manualSource<number>();
    const reader = new BatchReader(source.iterable);
    const batch = reader.read(10, 5);
    setTimeout(() => source.push(7), 50);
    await expect(batch).resolves.toEqual([7]);
  });

  it('closes the window of a read in progress when cut, still taking what is ready', async () => {
    const source = manualSource<number>();
    source.push(1);
    const reader = new BatchReader(source.iterable);
    const cut = new AbortController();
    const started = Date.now();
    const batch = reader.read(10, 10_000, cut.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    source.push(2);
    cut.abort();
    await expect(batch).resolves.toEqual([1, 2]);
    [3, 4].forEach((item) => source.push(item));
    await expect(reader.read(10, 10_000, cut.signal)).resolves.toEqual([3, 4]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('returns the last items and then an empty batch when the source ends', async () => {
    const source = manualSource<number>();
    source.push(1);
    const reader = new BatchReader(source.iterable);
    const batch = reader.read(10, 1000);
    source.end();
    await expect(batch).resolves.toEqual([1]);
    await expect(reader.read(10, 1000)).resolves.toEqual([]);
  });
});
