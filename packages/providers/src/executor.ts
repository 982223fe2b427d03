import {
  GatewayError,
  type AnthropicCountTokensRequest,
  type AnthropicMessagesRequest,
  type ChatCompletionRequest,
  type EmbeddingsRequest,
  type ErrorCode,
  type Plan,
} from '@gateway/contracts';
import { timeoutReason } from './abort.ts';
import { ProviderError } from './errors.ts';
import { chatCompletionToMessage, chatStreamToMessageEvents, messagesToChatRequest } from './anthropic-surface/index.ts';
import type {
  ChatResult,
  ChatStreamResult,
  EmbeddingsResult,
  MessagesResult,
  MessagesStreamResult,
  ProviderAdapter,
  Warning,
} from './types.ts';
import { enforceStrict } from './warnings.ts';

/**
 * Runs a plan: tries its targets in order, one attempt each, and moves to the next target only when
 * an attempt failed in a way another provider may not (408, 409, 429, 5xx, connection failures,
 * timeouts). A request the upstream refused as invalid (400, 404, 422) or a rejected credential
 * (401, 403) ends the run: another target would most likely refuse it too, or the fault is ours to fix.
 *
 * Timeouts: each attempt gets the provider's `timeoutMs` (default 60 s), combined with the caller's
 * signal. For a stream, that budget covers opening it; once open, the same budget applies to each wait
 * for the next chunk (a stalled stream fails with provider_timeout; a long stream that keeps sending
 * does not). A stream falls back only before it opened, i.e. before its first part arrived: after
 * that, failures surface from its parts.
 *
 * When the caller's own signal aborts, the run stops and rethrows the caller's reason: a cancellation
 * is neither a provider failure nor a reason to try another target.
 */

export const defaultTimeoutMs = 60_000;

export interface AttemptRecord {
  provider: string;
  model: string;
  /** 200 for success; the upstream status when it answered; else the status of the error code (504, 503…). */
  status: number;
  latencyMs: number;
  errorCode?: ErrorCode;
}

export interface ExecutionTarget {
  provider: string;
  model: string;
}

export interface Execution<Result> {
  result: Result;
  /** The target that served the request. */
  target: ExecutionTarget;
  /** Every attempt in order, the successful one last. */
  attempts: AttemptRecord[];
}

/** What a failed run throws: its last error, with every attempt attached. */
export type ExecutionError = GatewayError & { attempts: AttemptRecord[] };

export interface ExecuteOptions {
  requestId: string;
  signal?: AbortSignal;
  /** Strict mode: what a provider cannot do fails the request (400) instead of becoming a warning. */
  strict?: boolean;
}

/** The subset of a pino logger the executor uses. */
export interface ExecutorLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ExecutorOptions {
  /** The adapter for a provider name, or undefined if no such provider is configured (any more). */
  getAdapter: (providerName: string) => ProviderAdapter | undefined;
  logger?: ExecutorLogger;
}

export interface Executor {
  chat(plan: Plan, request: ChatCompletionRequest, options: ExecuteOptions): Promise<Execution<ChatResult>>;
  chatStream(plan: Plan, request: ChatCompletionRequest, options: ExecuteOptions): Promise<Execution<ChatStreamResult>>;
  embeddings(plan: Plan, request: EmbeddingsRequest, options: ExecuteOptions): Promise<Execution<EmbeddingsResult>>;
  /**
   * The Anthropic surface: an adapter that speaks Anthropic's protocol gets the request as it came;
   * any other is reached through the translation in `anthropic-surface/` (both directions).
   */
  messages(plan: Plan, request: AnthropicMessagesRequest, options: ExecuteOptions): Promise<Execution<MessagesResult>>;
  messagesStream(plan: Plan, request: AnthropicMessagesRequest, options: ExecuteOptions): Promise<Execution<MessagesStreamResult>>;
  /** Only providers that count tokens themselves (Anthropic) answer; others are a 400 naming the provider. */
  countTokens(plan: Plan, request: AnthropicCountTokensRequest, options: ExecuteOptions): Promise<Execution<{ inputTokens: number }>>;
}

/** The attempts attached to an error thrown by the executor, if any. */
export function attemptsOf(error: unknown): AttemptRecord[] | undefined {
  if (typeof error !== 'object' || error === null || !('attempts' in error)) return undefined;
  return Array.isArray(error.attempts) ? (error.attempts as AttemptRecord[]) : undefined;
}

/**
 * The abort signal of one attempt: one AbortController, aborted by a plain timer (with a TimeoutError
 * reason) or by the caller's signal (with the caller's reason), and nothing else: no
 * `AbortSignal.any`, no `AbortSignal.timeout`. The timer runs while the attempt waits on the upstream
 * and is paused while a stream's consumer works on a part; re-arming refreshes the same timer rather
 * than making a new one. `dispose()` clears the timer and lets go of the caller's signal; every path
 * out of an attempt calls it.
 */
class AttemptSignal {
  readonly signal: AbortSignal | undefined;
  private readonly controller: AbortController | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private paused = false;
  private disposed = false;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    const timed = Number.isFinite(timeoutMs) && timeoutMs > 0;
    if (!timed) {
      // Only the caller can abort: its signal serves as it is.
      this.signal = callerSignal;
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    this.signal = controller.signal;
    this.timer = setTimeout(() => {
      if (!this.paused && !this.disposed) controller.abort(timeoutReason(this.timeoutMs));
    }, timeoutMs);
    if (callerSignal) {
      this.onCallerAbort = () => controller.abort(callerSignal.reason);
      callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  /** (Re)starts the full budget: the attempt is waiting on the upstream. */
  arm(): void {
    if (this.disposed || this.timer === undefined) return;
    this.paused = false;
    this.timer.refresh();
  }

  /** The consumer has the floor: a timer that fires now is ignored (and re-armed by `arm`). */
  pause(): void {
    this.paused = true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** `{ signal }` when the attempt can be aborted at all, else nothing (exactOptionalPropertyTypes). */
function signalOf(attempt: AttemptSignal): { signal?: AbortSignal } {
  return attempt.signal === undefined ? {} : { signal: attempt.signal };
}

/** Unexpected throws (bugs) become internal errors; they are not a provider's fault. */
function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('internal_error', 'the gateway failed while calling a provider', { cause: error });
}

function attemptStatus(error: GatewayError): number {
  return (error instanceof ProviderError ? error.upstreamStatus : undefined) ?? error.status;
}

/**
 * The rest of a stream whose first part was already read: re-arms the attempt's timer while waiting on
 * the upstream and pauses it while the consumer works on a part.
 */
async function* guardedParts<Part>(
  first: IteratorResult<Part>,
  iterator: AsyncIterator<Part>,
  attempt: AttemptSignal,
): AsyncGenerator<Part> {
  let finished = first.done === true;
  try {
    if (finished) return;
    yield first.value as Part;
    for (;;) {
      attempt.arm();
      const next = await iterator.next();
      attempt.pause();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    attempt.pause();
    try {
      if (!finished) await iterator.return?.();
    } finally {
      attempt.dispose();
    }
  }
}

export function createExecutor(options: ExecutorOptions): Executor {
  const { getAdapter, logger } = options;

  async function run<Result>(
    plan: Plan,
    execute: ExecuteOptions,
    call: (adapter: ProviderAdapter, target: ExecutionTarget, attempt: AttemptSignal) => Promise<Result>,
  ): Promise<Execution<Result>> {
    const attempts: AttemptRecord[] = [];
    let lastError: GatewayError | undefined;
    for (const { provider, model } of plan.targets) {
      if (execute.signal?.aborted) throw execute.signal.reason;
      const adapter = getAdapter(provider);
      if (!adapter) {
        // The router planned a provider this process does not have (yet, or any more): its config
        // changed between the two, which passes once both reloaded. Not the client's mistake, and
        // worth a retry: provider_unavailable (503), and the next target may still serve the request.
        const missing = new GatewayError(
          'provider_unavailable',
          `provider ${provider} is not available: it is not configured on this gateway instance (configuration changing?)`,
          { source: `provider:${provider}` },
        );
        attempts.push({ provider, model, status: missing.status, latencyMs: 0, errorCode: missing.code });
        // A provider's own failure says more than this mismatch, so it is the one reported.
        lastError ??= missing;
        logger?.warn(
          { request_id: execute.requestId, provider, model, code: missing.code, error: missing.message },
          'plan names a provider not configured here',
        );
        continue;
      }
      const attempt = new AttemptSignal(adapter.settings.timeoutMs ?? defaultTimeoutMs, execute.signal);
      const started = performance.now();
      try {
        const result = await call(adapter, { provider, model }, attempt);
        attempts.push({ provider, model, status: 200, latencyMs: Math.round(performance.now() - started) });
        return { result, target: { provider, model }, attempts };
      } catch (error) {
        attempt.dispose();
        if (execute.signal?.aborted) throw execute.signal.reason;
        const failure = asGatewayError(error);
        const latencyMs = Math.round(performance.now() - started);
        const retryable = failure instanceof ProviderError && failure.retryable;
        attempts.push({ provider, model, status: attemptStatus(failure), latencyMs, errorCode: failure.code });
        logger?.warn(
          {
            request_id: execute.requestId,
            provider,
            model,
            status: attemptStatus(failure),
            code: failure.code,
            ms: latencyMs,
            retryable,
            error: failure.message,
            // The provider's own words (scrubbed), which the public message leaves out of a 5xx.
            ...(failure instanceof ProviderError && failure.upstreamMessage !== undefined && { upstream_message: failure.upstreamMessage }),
          },
          'provider attempt failed',
        );
        lastError = failure;
        if (!retryable) break;
      }
    }
    const failure = lastError ?? new GatewayError('internal_error', `the plan for model ${plan.model} has no targets`);
    throw Object.assign(failure, { attempts }) satisfies ExecutionError;
  }

  return {
    chat(plan, request, execute) {
      return run(plan, execute, async (adapter, target, attempt) => {
        try {
          return await adapter.chat({ request, ...callOptions(target, execute, attempt) });
        } finally {
          attempt.dispose();
        }
      });
    },

    chatStream(plan, request, execute) {
      return run(plan, execute, (adapter, target, attempt) =>
        openStream(attempt, () => adapter.chatStream({ request, ...callOptions(target, execute, attempt) })),
      );
    },

    embeddings(plan, request, execute) {
      return run(plan, execute, async (adapter, target, attempt) => {
        try {
          return await adapter.embeddings({ request, ...callOptions(target, execute, attempt) });
        } finally {
          attempt.dispose();
        }
      });
    },

    messages(plan, request, execute) {
      return run(plan, execute, async (adapter, target, attempt) => {
        try {
          const call = callOptions(target, execute, attempt);
          if (adapter.messages) return await adapter.messages({ ...call, request });
          const translated = translateMessages(adapter, request, execute);
          const result = await adapter.chat({ ...call, request: translated.request });
          return {
            response: chatCompletionToMessage(result.response, { model: target.model, usage: result.usage, finishReason: result.finishReason }),
            usage: result.usage,
            finishReason: result.finishReason,
            warnings: [...translated.warnings, ...result.warnings],
          };
        } finally {
          attempt.dispose();
        }
      });
    },

    messagesStream(plan, request, execute) {
      return run(plan, execute, (adapter, target, attempt) => {
        const call = callOptions(target, execute, attempt);
        if (adapter.messagesStream) {
          const native = adapter.messagesStream.bind(adapter);
          return openStream(attempt, () => native({ ...call, request }));
        }
        const translated = translateMessages(adapter, request, execute);
        return openStream(attempt, async () => {
          const opened = await adapter.chatStream({ ...call, request: translated.request });
          return {
            parts: chatStreamToMessageEvents(opened.parts, { model: target.model }),
            warnings: [...translated.warnings, ...opened.warnings],
          };
        });
      });
    },

    countTokens(plan, request, execute) {
      return run(plan, execute, async (adapter, target, attempt) => {
        try {
          if (!adapter.countTokens) {
            throw new GatewayError(
              'invalid_request',
              `count_tokens is answered by Anthropic upstreams only; model ${plan.model} is served by provider ${target.provider} (type ${adapter.settings.type})`,
              { param: 'model' },
            );
          }
          return await adapter.countTokens({ request, ...callOptions(target, execute, attempt) });
        } finally {
          attempt.dispose();
        }
      });
    },
  };
}

/** What every adapter call gets: the upstream model, the request id, strict mode and the attempt's signal. */
function callOptions(target: ExecutionTarget, execute: ExecuteOptions, attempt: AttemptSignal) {
  return {
    model: target.model,
    requestId: execute.requestId,
    ...(execute.strict === undefined ? {} : { strict: execute.strict }),
    ...signalOf(attempt),
  };
}

/** An Anthropic request for an OpenAI-protocol adapter; strict mode refuses what the translation loses. */
function translateMessages(adapter: ProviderAdapter, request: AnthropicMessagesRequest, execute: ExecuteOptions) {
  const translated = messagesToChatRequest(request, { provider: adapter.settings.name });
  enforceStrict(translated.warnings, execute.strict, adapter.settings.name);
  return translated;
}

/**
 * Opens a stream and waits for its first part. The stream counts as open once its first part arrived:
 * until then nothing reached the client, so a stream that dies right after its headers still falls
 * back to the next target.
 */
async function openStream<Part>(
  attempt: AttemptSignal,
  open: () => Promise<{ parts: AsyncIterable<Part>; warnings: Warning[] }>,
): Promise<{ parts: AsyncIterable<Part>; warnings: Warning[] }> {
  let opened: { parts: AsyncIterable<Part>; warnings: Warning[] };
  try {
    opened = await open();
  } catch (error) {
    attempt.dispose();
    throw error;
  }
  const iterator = opened.parts[Symbol.asyncIterator]();
  let first: IteratorResult<Part>;
  try {
    first = await iterator.next();
  } catch (error) {
    attempt.dispose();
    await iterator.return?.();
    throw error;
  } finally {
    attempt.pause();
  }
  return { ...opened, parts: guardedParts(first, iterator, attempt) };
}
