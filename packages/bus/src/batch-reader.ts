/**
 * Groups an async stream of items into batches: it waits as long as needed for a first item, then at
 * most `maxWaitMs` more to fill the batch. A read still pending when that window closes is kept for
 * the next batch, so no item is lost between batches.
 */
export class BatchReader<T> {
  readonly #iterator: AsyncIterator<T>;
  #pending: Promise<IteratorResult<T>> | undefined;
  #ended = false;

  constructor(source: AsyncIterable<T>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Resolves an empty array once the source has ended. */
  async read(batchSize: number, maxWaitMs: number): Promise<T[]> {
    if (this.#ended) return [];
    const first = await this.#next();
    if (first.done) {
      this.#ended = true;
      return [];
    }
    const batch = [first.value];
    const deadline = Date.now() + maxWaitMs;
    while (batch.length < batchSize) {
      const result = await this.#nextWithin(deadline - Date.now());
      if (result === undefined) break;
      if (result.done) {
        this.#ended = true;
        break;
      }
      batch.push(result.value);
    }
    return batch;
  }

  #next(): Promise<IteratorResult<T>> {
    const pending = this.#pending ?? this.#iterator.next();
    this.#pending = undefined;
    return pending;
  }

  /** The next result, or undefined when `waitMs` passes first (the read then stays pending). */
  async #nextWithin(waitMs: number): Promise<IteratorResult<T> | undefined> {
    this.#pending ??= this.#iterator.next();
    const pending = this.#pending;
    let timer: NodeJS.Timeout | undefined;
    const windowClosed = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, waitMs), undefined);
    });
    try {
      const result = await Promise.race([pending, windowClosed]);
      if (result !== undefined) this.#pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}
