import { timeoutReason } from '../abort.ts';
import type { ExecutorClock, TimerHandle } from './clock.ts';

/** Which limit aborted an attempt: its own timeout, a stream's first-token or idle timeout, or the request deadline. */
export type TimeoutCause = 'request' | 'ttft' | 'idle' | 'deadline';

/**
 * The abort signal of one attempt: one AbortController, aborted by the attempt's timer (with a
 * TimeoutError reason, so adapters report provider_timeout), by the caller's signal (with the caller's
 * reason), or by the executor when a hedge lost (`cancel`). The timer runs only while the attempt waits
 * on the upstream: `arm` starts it for one wait, bounded by the request deadline, and `pause` stops it
 * while a stream's consumer works on a part. `dispose()` clears the timer and lets go of the caller's
 * signal; every path out of an attempt calls it.
 */
export class AttemptSignal {
  readonly signal: AbortSignal;
  /** Set when a timer aborted the attempt: which limit it was, and its length. */
  timedOut: { cause: TimeoutCause; ms: number } | undefined;
  private readonly controller = new AbortController();
  private timer: TimerHandle | undefined;
  private disposed = false;
  private readonly onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly clock: ExecutorClock,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly deadlineAt: number,
  ) {
    this.signal = this.controller.signal;
    if (callerSignal) {
      this.onCallerAbort = () => this.controller.abort(callerSignal.reason);
      if (callerSignal.aborted) this.onCallerAbort();
      else callerSignal.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  /** Starts the timer for one wait on the upstream: `ms` (∞ for none), or less if the deadline comes first. */
  arm(ms: number, cause: TimeoutCause): void {
    this.pause();
    if (this.disposed || this.signal.aborted) return;
    const left = this.deadlineAt - this.clock.now();
    const byDeadline = left <= ms;
    const wait = byDeadline ? left : ms;
    if (!Number.isFinite(wait)) return;
    const fire = () => {
      if (this.disposed || this.signal.aborted) return;
      this.timedOut = byDeadline ? { cause: 'deadline', ms: wait } : { cause, ms };
      this.controller.abort(timeoutReason(wait));
    };
    if (wait <= 0) fire();
    else this.timer = this.clock.setTimer(fire, wait);
  }

  /** The consumer has the floor (or the wait is over): no timer runs. */
  pause(): void {
    this.timer?.clear();
    this.timer = undefined;
  }

  /** Aborts the attempt on the executor's behalf (a hedge that lost). */
  cancel(reason: unknown): void {
    if (!this.signal.aborted) this.controller.abort(reason);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pause();
    if (this.onCallerAbort) this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}
