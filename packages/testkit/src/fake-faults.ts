import type { FakeUsage } from './fake-openai-content.ts';

/**
 * A scripted fault for the next call to an API endpoint of a fake provider. Fields combine: e.g.
 * `{ delayMs: 200, status: 503 }` answers 503 after 200 ms. Each call takes the next queued fault.
 */
export interface FakeFault {
  /** Answer with this status and an error body (the provider's shape for the status unless `body` is given). */
  status?: number;
  /** The body for `status`: an object is sent as JSON, a string as it is (e.g. an HTML proxy page). */
  body?: unknown;
  /** `Retry-After` header, in seconds. */
  retryAfter?: number;
  /** `retry-after-ms` header, as OpenAI sends it. */
  retryAfterMs?: number;
  /** Wait this long before answering (on top of the server's `latencyMs`). */
  delayMs?: number;
  /** Never answer: headers are never sent, the connection stays open until the client gives up. */
  hang?: boolean;
  /** Send this many stream events, then destroy the connection (the stream dies mid-way). A non-stream
   * call has its connection destroyed before any answer. */
  cutStreamAfterChunks?: number;
  /** Send this many stream events, then go silent with the connection open (a stalled stream). */
  stallStreamAfterChunks?: number;
  /** A stream sends its headers at once, then waits this long before its first SSE event (a slow first
   * token). Fake OpenAI only. */
  firstChunkDelayMs?: number;
  /** Destroy the connection before any header is sent (a connection reset), stream or not. Fake OpenAI only. */
  resetConnection?: boolean;
  /** Override the usage numbers of the answer. */
  usage?: Partial<FakeUsage>;
}

/** The faults a fake plays, one per call: per model first (for concurrent tests on other models), then shared. */
export interface FaultQueue<Fault extends FakeFault> {
  /** Queue faults for the next calls, one per call. */
  script(faults: Fault | Fault[]): void;
  /** Queue faults for the next calls naming this model; they are taken before the shared queue. */
  scriptModel(model: string, faults: Fault | Fault[]): void;
  /** The fault of every call naming this model once its own queue is empty (undefined: none any more). */
  setModelFault(model: string, fault: Fault | undefined): void;
  /** The fault of the next call (naming `model`, when it names one); no fault is `{}`. */
  next(model?: string): Partial<Fault>;
  /** Forget every queued and standing fault. */
  clear(): void;
}

function listOf<Fault>(faults: Fault | Fault[]): Fault[] {
  return Array.isArray(faults) ? faults : [faults];
}

export function createFaultQueue<Fault extends FakeFault>(): FaultQueue<Fault> {
  const shared: Fault[] = [];
  const modelQueues = new Map<string, Fault[]>();
  const modelFaults = new Map<string, Fault>();
  return {
    script(faults) {
      shared.push(...listOf(faults));
    },
    scriptModel(model, faults) {
      const queue = modelQueues.get(model) ?? [];
      queue.push(...listOf(faults));
      modelQueues.set(model, queue);
    },
    setModelFault(model, fault) {
      if (fault) modelFaults.set(model, fault);
      else modelFaults.delete(model);
    },
    next(model) {
      if (model !== undefined) {
        const queued = modelQueues.get(model)?.shift();
        if (queued) return queued;
        const standing = modelFaults.get(model);
        if (standing) return standing;
      }
      return shared.shift() ?? {};
    },
    clear() {
      shared.length = 0;
      modelQueues.clear();
      modelFaults.clear();
    },
  };
}

/** The `retry-after` / `retry-after-ms` headers a status fault asks for. */
export function retryAfterHeaders(fault: FakeFault): Record<string, string> {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  return headers;
}
