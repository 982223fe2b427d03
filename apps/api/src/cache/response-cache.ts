import { Counter } from 'prom-client';
import {
  DEFAULT_MAX_ENTRY_BYTES,
  encodeVector,
  exactCacheKey,
  semanticLookup,
  type CacheableRequest,
  type CacheSurface,
  type Embedder,
} from '@gateway/cache-client';
import { cacheLookup, cacheStore, type CacheEntry, type CacheLookupRequest, type CacheLookupResponse, type CacheStoreRequest } from '@gateway/contracts';
import type { Bus } from '@gateway/bus';
import type { Logger, Metrics } from '@gateway/telemetry';
import type { CacheDirective } from './cache-directive.ts';
import type { PricedEmbedder } from './provider-embedder.ts';
import { ThrottledWarning } from '../logging/throttled-warning.ts';

/** What the request's record and the `x-gateway-cache` header say about the cache. */
export type CacheStatus = 'hit' | 'semantic_hit' | 'miss' | 'refresh' | 'bypass';

export const cacheStatusHeader: Record<CacheStatus, string> = {
  hit: 'HIT',
  semantic_hit: 'SEMANTIC_HIT',
  miss: 'MISS',
  refresh: 'REFRESH',
  bypass: 'BYPASS',
};

/** The cache settings that apply to one request (gateway.yaml defaults, its model, its key). */
export interface RequestCacheSettings {
  mode: 'exact' | 'semantic';
  ttlSeconds: number;
  /** Similarity a semantic hit needs (0..1). */
  threshold: number;
  /** `local`, or the name of a configured embeddings model. */
  embedder: string;
  /** Whose cache: `key:<id>`, or `team:<scope>` for keys that share one. */
  scope: string;
}

/** A stored answer found for a request. */
export interface CachedAnswer {
  status: 'hit' | 'semantic_hit';
  entry: CacheEntry;
  similarity?: number;
  /** Answered by an identical request in flight in this process, not by the cache service. */
  coalesced: boolean;
}

export interface ResponseCacheOptions {
  bus: Bus;
  logger: Logger;
  metrics?: Metrics;
  /** The embedder of a `semantic.embedder` name; undefined when it cannot be used (semantic falls back to exact). */
  embedderFor(name: string): Embedder | undefined;
  /** How long a lookup may take before the request goes on without the cache (default 250 ms). */
  lookupTimeoutMs?: number;
  /** Entries larger than this are not sent to the cache (default: the cache's own maximum). */
  maxEntryBytes?: number;
}

interface Flight {
  promise: Promise<CacheEntry | null>;
  /** Gives the answer (or null: failed) to the requests waiting. */
  resolve(entry: CacheEntry | null): void;
  /** Forgets the flight: a later identical request asks the cache service again. */
  release(): void;
}

function counter(metrics: Metrics, name: string, help: string, labelNames: string[]): Counter<string> {
  return (metrics.registry.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames, registers: [metrics.registry] });
}

/**
 * The API's side of the response cache: it computes the keys (the exact key, and for semantic mode the
 * partition and the embedding of the last user turn), asks the cache service before the provider call,
 * hands it the answer after, and coalesces identical requests in flight in this process into one
 * provider call (single-flight).
 *
 * It fails open: a cache that does not answer within the lookup timeout, or fails, makes the request go
 * to the provider (`BYPASS`), logged (throttled) and counted in `gateway_cache_failures_total`; a store
 * is never awaited by the response.
 */
export class ResponseCache {
  private readonly flights = new Map<string, Flight>();
  private readonly warning: ThrottledWarning;
  private readonly failures: Counter<string> | undefined;
  private readonly coalesced: Counter<string> | undefined;
  readonly lookupTimeoutMs: number;
  readonly maxEntryBytes: number;

  constructor(private readonly options: ResponseCacheOptions) {
    this.warning = new ThrottledWarning(options.logger);
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 250;
    this.maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
    if (options.metrics) {
      this.failures = counter(options.metrics, 'gateway_cache_failures_total', 'Cache calls that failed or timed out (the request went on without the cache), by operation', [
        'operation',
      ]);
      this.coalesced = counter(options.metrics, 'gateway_cache_coalesced_total', 'Requests answered by an identical request in flight (single-flight), by model', ['model']);
    }
  }

  /** Starts the cache's part of one request. */
  begin(context: {
    requestId: string;
    surface: CacheSurface;
    body: CacheableRequest;
    model: string;
    settings: RequestCacheSettings;
    directive: CacheDirective;
    signal?: AbortSignal;
  }): CacheTicket {
    return new CacheTicket(this, context);
  }

  /** @internal */
  flight(id: string): Flight | undefined {
    return this.flights.get(id);
  }

  /** @internal Registers this request as the one that calls the provider for `id`. */
  lead(id: string): Flight {
    let resolve!: (entry: CacheEntry | null) => void;
    const promise = new Promise<CacheEntry | null>((done) => (resolve = done));
    const flight: Flight = {
      promise,
      resolve,
      release: () => {
        if (this.flights.get(id) === flight) this.flights.delete(id);
      },
    };
    this.flights.set(id, flight);
    return flight;
  }

  /** @internal */
  async lookup(request: CacheLookupRequest): Promise<CacheLookupResponse | null> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.lookupTimeoutMs} ms`)), this.lookupTimeoutMs);
      });
      return await Promise.race([this.options.bus.request(cacheLookup, request, { context: { requestId: request.requestId } }), timeout]);
    } catch (error) {
      this.failed('lookup', error, request.requestId);
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** @internal Hands an answer to the cache service; never awaited by a response, and never rejects. */
  store(request: CacheStoreRequest): Promise<void> {
    return this.options.bus.request(cacheStore, request, { context: { requestId: request.requestId } }).then(
      (result) => {
        if (!result.stored) this.options.logger.debug({ request_id: request.requestId, reason: result.reason }, 'answer not cached');
      },
      (error: unknown) => this.failed('store', error, request.requestId),
    );
  }

  /** @internal */
  embedderFor(name: string): Embedder | undefined {
    return this.options.embedderFor(name);
  }

  /** @internal */
  countCoalesced(model: string): void {
    this.coalesced?.inc({ model });
  }

  /** @internal */
  failed(operation: 'lookup' | 'store' | 'embed', error: unknown, requestId: string): void {
    this.failures?.inc({ operation });
    this.warning.warn({ operation, request_id: requestId, err: error }, `cache ${operation} failed; the request goes on without the cache`);
  }
}

/** Waits for `promise` unless the signal aborts first (then resolves null). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | null> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const abort = () => resolve(null);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * One request's use of the cache: `lookup()` before the provider call, then `storeJson` / `storeStream`
 * with the answer, and `finish()` in any case (it releases the identical requests waiting on this one).
 */
export class CacheTicket {
  /** What the answer's `x-gateway-cache` header and the usage record say. */
  status: CacheStatus;
  private readonly key: string;
  private readonly flightId: string;
  private semantic: { partition: string; vector: string } | undefined;
  private flight: Flight | undefined;
  private unavailable = false;
  /** What embedding the prompt cost (a provider embedder; the local one is free): it goes on the request's record. */
  embeddingCostUsd: number | null = null;

  constructor(
    private readonly cache: ResponseCache,
    private readonly context: Parameters<ResponseCache['begin']>[0],
  ) {
    const { settings, directive } = context;
    this.key = exactCacheKey(settings.scope, context.surface, context.body);
    this.flightId = `${settings.scope}\u0000${context.model}\u0000${this.key}`;
    this.status = directive.read ? 'miss' : directive.write ? 'refresh' : 'bypass';
  }

  /** A stored answer (or an identical request's fresh one), or null: then call the provider. */
  async lookup(): Promise<CachedAnswer | null> {
    const { directive, settings, model } = this.context;
    if (!directive.read) return null;
    const inFlight = this.cache.flight(this.flightId);
    if (inFlight) return this.follow(inFlight);

    await this.prepareSemantic();
    const found = await this.cache.lookup({
      requestId: this.context.requestId,
      scope: settings.scope,
      model,
      mode: this.semantic ? 'semantic' : 'exact',
      key: this.key,
      ...(this.semantic ? { semantic: { ...this.semantic, threshold: settings.threshold } } : {}),
    });
    if (found === null) {
      // The cache is unavailable: go to the provider (still one call for identical requests), do not store.
      this.unavailable = true;
      this.status = 'bypass';
    } else if (found.status !== 'miss' && found.entry && this.usable(found.entry)) {
      this.status = found.status;
      return { status: found.status, entry: found.entry, coalesced: false, ...(found.similarity === undefined ? {} : { similarity: found.similarity }) };
    }
    // Another identical request may have started while this one looked up. Checking and leading happen
    // in one synchronous step, so two requests can never both become the leader.
    const late = this.cache.flight(this.flightId);
    if (late) return this.follow(late);
    this.flight = this.cache.lead(this.flightId);
    return null;
  }

  /** Stores a JSON answer (unless the request said no-store) and answers identical requests waiting on it. */
  storeJson(body: unknown, answer: Omit<CacheEntry, 'response' | 'stream' | 'createdAt'>): void {
    this.settle({ ...answer, response: body, stream: false, createdAt: new Date().toISOString() });
  }

  /** Stores a completed stream's events, as they were sent. */
  storeStream(events: unknown[], answer: Omit<CacheEntry, 'response' | 'stream' | 'createdAt'>): void {
    this.settle({ ...answer, response: events, stream: true, createdAt: new Date().toISOString() });
  }

  /** Releases identical requests still waiting (they call the provider themselves). Safe to call twice. */
  finish(): void {
    this.flight?.resolve(null);
    this.flight?.release();
    this.flight = undefined;
  }

  /**
   * Answers the identical requests waiting, and stores the answer. The flight stays known until the
   * cache service has stored it, so an identical request arriving in between gets this answer too
   * instead of a miss (and a second provider call).
   */
  private settle(entry: CacheEntry): void {
    const flight = this.flight;
    this.flight = undefined;
    flight?.resolve(entry);
    const { directive, settings, model, requestId } = this.context;
    if (!directive.write || this.unavailable || Buffer.byteLength(JSON.stringify(entry)) > this.cache.maxEntryBytes) {
      flight?.release();
      return;
    }
    void this.cache
      .store({
        requestId,
        scope: settings.scope,
        model,
        key: this.key,
        ttlSeconds: settings.ttlSeconds,
        entry,
        ...(this.semantic ? { semantic: this.semantic } : {}),
      })
      .finally(() => flight?.release());
  }

  /** Whether a stored answer may serve this request: the same form, and young enough for `max-age`. */
  private usable(entry: CacheEntry): boolean {
    if (entry.stream !== (this.context.body['stream'] === true)) return false;
    const { maxAgeSeconds } = this.context.directive;
    return maxAgeSeconds === undefined || Date.now() - Date.parse(entry.createdAt) <= maxAgeSeconds * 1000;
  }

  /** Waits for the identical request in flight; its answer, or null when it failed (then this one calls the provider). */
  private async follow(flight: Flight): Promise<CachedAnswer | null> {
    const entry = await unlessAborted(flight.promise, this.context.signal);
    if (!entry || !this.usable(entry)) return null;
    this.status = 'hit';
    this.cache.countCoalesced(this.context.model);
    return { status: 'hit', entry, coalesced: true };
  }

  /** In semantic mode, the partition and the embedding of the last user turn (when the request has one). */
  private async prepareSemantic(): Promise<void> {
    const { settings, surface, body, requestId, signal } = this.context;
    if (settings.mode !== 'semantic' || this.semantic) return;
    const embedder = this.cache.embedderFor(settings.embedder);
    if (!embedder) return;
    const eligible = semanticLookup(settings.scope, body, { surface, embedder: embedder.name });
    if (!eligible.eligible) return;
    try {
      let vector: Float32Array | undefined;
      if ('embedWithCost' in embedder) {
        const embedded = await (embedder as PricedEmbedder).embedWithCost([eligible.text], requestId, signal);
        [vector] = embedded.vectors;
        this.embeddingCostUsd = embedded.costUsd;
      } else {
        [vector] = await embedder.embed([eligible.text], signal);
      }
      if (vector) this.semantic = { partition: eligible.partition, vector: encodeVector(vector) };
    } catch (error) {
      if (signal?.aborted) return;
      this.cache.failed('embed', error, requestId);
    }
  }
}
