import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { GatewayError, headerNames } from '@gateway/contracts';
import type { KeyValueStore } from '@gateway/kv';
import { claimOrRead, completeClaim, releaseClaim } from './claim-scripts.ts';
import { RecordingSseWriter } from './recording-sse-writer.ts';
import { requestFingerprint } from './request-fingerprint.ts';
import { parseKeyState, pendingMarker, type StoredAnswer } from './stored-answer.ts';

/** Set to `true` on an answer that replays the first answer to an Idempotency-Key. */
export const idempotentReplayHeader = headerNames.idempotentReplay;

/** The flag a replay's usage record carries. */
export const idempotentReplayFlag = 'idempotent_replay';

export interface IdempotencySettings {
  /** How long the first answer is replayed to repeats (default 24 h). */
  windowMs: number;
  /** An answer larger than this (bytes of stored JSON or SSE text) is not stored: a repeat runs again. */
  maxStoredBytes: number;
  /** How long a running request holds its key: if its replica dies, the key is free again after this. */
  pendingTtlMs: number;
  /** How long a repeat waits for the first request to finish before it answers 409 conflict. */
  maxWaitMs: number;
}

export const defaultIdempotencySettings: IdempotencySettings = {
  windowMs: 24 * 60 * 60 * 1000,
  maxStoredBytes: 1024 * 1024,
  pendingTtlMs: 10 * 60 * 1000,
  maxWaitMs: 60 * 1000,
};

/** Longest Idempotency-Key accepted (Stripe's limit). */
const maxKeyLength = 255;

/** The headers of the first answer that a replay repeats: what served it and what it could not do. */
export const replayedHeaderNames = [headerNames.target, headerNames.attempts, headerNames.warnings] as const;

/** What `begin` found: no Idempotency-Key, an answer to replay, or the key claimed for this request. */
export type IdempotencyStart = { kind: 'none' } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'run'; claim: IdempotencyClaim };

/**
 * `Idempotency-Key` on the /v1 calls: within the window, the first request with a key (per gateway
 * key) runs and its successful answer is stored; a repeat with the same body gets that answer again
 * without a provider call, and one with another body is refused (400). A repeat that arrives while the
 * first is running waits for it, up to `maxWaitMs`, then answers 409. Only 2xx answers are stored: a
 * request that failed (the gateway's or the provider's fault, or the client's) leaves the key free, so
 * a retry with the same key runs again.
 *
 * The claim is one atomic script on the key-value store (Redis in services mode, so all replicas
 * agree; the memory store when embedded).
 */
export class Idempotency {
  constructor(
    private readonly store: KeyValueStore,
    private readonly settings: IdempotencySettings = defaultIdempotencySettings,
  ) {}

  async begin(request: FastifyRequest, signal: AbortSignal): Promise<IdempotencyStart> {
    const sent = request.headers[headerNames.idempotencyKey];
    const idempotencyKey = Array.isArray(sent) ? sent[0] : sent;
    if (idempotencyKey === undefined) return { kind: 'none' };
    if (idempotencyKey.length === 0 || idempotencyKey.length > maxKeyLength) {
      throw new GatewayError('invalid_request', `The Idempotency-Key header must be 1 to ${maxKeyLength} characters long`);
    }
    const keyId = request.gateway.key!.id;
    const storeKey = `idempotency:${keyId}:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
    const hash = requestFingerprint(request.method, request.url.split('?')[0] ?? '', request.body, request.headers);
    const marker = pendingMarker(randomBytes(12).toString('base64url'), hash);
    const deadline = Date.now() + this.settings.maxWaitMs;
    let pause = 25;
    for (;;) {
      const found = await this.reach(() => this.store.run(claimOrRead, [storeKey], [marker, this.settings.pendingTtlMs]));
      if (found.claimed) {
        return { kind: 'run', claim: new IdempotencyClaim(this.store, this.settings, storeKey, marker, hash, request.gateway.requestId, request.log) };
      }
      const state = parseKeyState(found.value);
      const foundHash = state.kind === 'pending' ? state.hash : state.answer.hash;
      if (foundHash !== hash) {
        throw new GatewayError(
          'invalid_request',
          'This Idempotency-Key was already used with a different request: keys can only be reused with the same method, path, body and steering headers (x-gateway-config, x-gateway-strict, x-gateway-metadata, x-gateway-timeout-ms, anthropic-beta)',
        );
      }
      if (state.kind === 'answered') return { kind: 'replay', answer: state.answer };
      // The first request is still running: wait for its answer (or for its key to be free again).
      if (Date.now() + pause > deadline) {
        throw new GatewayError('conflict', 'A request with this Idempotency-Key is still running; retry after it finished', {
          retryAfterSeconds: 1,
        });
      }
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 500);
    }
  }

  /** Store failures are the gateway's: the request is not run without the protection the client asked for. */
  private async reach<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new GatewayError('dependency_unavailable', 'The idempotency store is unreachable; retry later', { cause: error });
    }
  }
}

/** A key held by the running request: it ends with the answer stored, or with the key free again. */
export class IdempotencyClaim {
  private settled = false;

  constructor(
    private readonly store: KeyValueStore,
    private readonly settings: IdempotencySettings,
    private readonly storeKey: string,
    private readonly marker: string,
    private readonly hash: string,
    private readonly requestId: string,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** An SSE writer that keeps what it sends, for `completeStream`. */
  recordingWriter(response: ServerResponse): RecordingSseWriter {
    return new RecordingSseWriter(response, this.settings.maxStoredBytes);
  }

  async completeJson(status: number, headers: Record<string, string>, body: unknown): Promise<void> {
    await this.complete({ kind: 'json', hash: this.hash, requestId: this.requestId, status, headers, body });
  }

  async completeStream(writer: RecordingSseWriter, headers: Record<string, string>): Promise<void> {
    if (writer.overflowed) {
      this.log.warn({ maxBytes: this.settings.maxStoredBytes }, 'stream too large to store for Idempotency-Key replay; a repeat will run again');
      await this.release();
      return;
    }
    await this.complete({ kind: 'stream', hash: this.hash, requestId: this.requestId, headers, events: writer.events });
  }

  /** Frees the key (the request failed): a retry with the same key runs again. Never throws. */
  async release(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    try {
      await this.store.run(releaseClaim, [this.storeKey], [this.marker]);
    } catch (error) {
      this.log.warn({ err: error }, 'could not free an Idempotency-Key; it frees itself when its claim expires');
    }
  }

  /** Never throws: the answer already reached the client, and a repeat at worst runs again. */
  private async complete(answer: StoredAnswer): Promise<void> {
    if (this.settled) return;
    const value = JSON.stringify(answer);
    if (Buffer.byteLength(value) > this.settings.maxStoredBytes) {
      this.log.warn({ maxBytes: this.settings.maxStoredBytes }, 'answer too large to store for Idempotency-Key replay; a repeat will run again');
      await this.release();
      return;
    }
    this.settled = true;
    try {
      const stored = await this.store.run(completeClaim, [this.storeKey], [this.marker, value, this.settings.windowMs]);
      if (!stored) this.log.warn('Idempotency-Key claim expired before the answer was ready; the answer is not stored');
    } catch (error) {
      this.log.warn({ err: error }, 'could not store the answer for Idempotency-Key replay; a repeat will run again');
      await this.store.run(releaseClaim, [this.storeKey], [this.marker]).catch(() => undefined);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
