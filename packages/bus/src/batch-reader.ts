/**
 * Groups an async stream of items into batches: it waits as long as needed for a first item, then at
 * most `maxWaitMs` more to fill the batch. A read still pending when that window closes is kept for
 * the next batch, so no item is lost between batches. Once `cut` is aborted, a batch takes only what
 * the source has ready (the window of a read in progress closes then too).
 */
export class BatchReader<T> {
  readonly #iterator: AsyncIterator<T>;
  #pending: Promise<IteratorResult<T>> | undefined;
  #ended = false;

  constructor(source: AsyncIterable<T>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Resolves an empty array once the source has ended. */
  async read(batchSize: number, maxWaitMs: number, cut?: AbortSignal): Promise<T[]> {
    if (this.#ended) return [];
    const first = await this.#next();
    if (first.done) {
      this.#ended = true;
      return [];
    }
    const batch = [first.value];
    const deadline = Date.now() + maxWaitMs;
    while (batch.length < batchSize) {
      const result = await this.#nextWithin(deadline - Date.now(), cut);
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

  /**
   * The next result, or undefined when `waitMs` passes first (the read then stays pending). Once `cut`
   * is aborted the wait is a zero timeout: what the source has ready still arrives first.
   */
  async #nextWithin(waitMs: number, cut: AbortSignal | undefined): Promise<IteratorResult<T> | undefined> {
    this.#pending ??= this.#iterator.next();
    const pending = this.#pending;
    let timer: NodeJS.Timeout | undefined;
    let closeNow: (() => void) | undefined;
    const windowClosed = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, cut?.aborted ? 0 : Math.max(0, waitMs), undefined);
      closeNow = () => {
        clearTimeout(timer);
        timer = setTimeout(resolve, 0, undefined);
      };
      cut?.addEventListener('abort', closeNow, { once: true });
    });
    try {
      const result = await Promise.race([pending, windowClosed]);
      if (result !== undefined) this.#pending = undefined;
      return result;
    } finally {
      clearTimeout(timer);
      if (closeNow !== undefined) cut?.removeEventListener('abort', closeNow);
    }
  }
}
