/**
 * The worker reports every epoch of every model, up to dozens a second; the page draws at most
 * a few times a second (issue 10: no main-thread task over 100 ms). Events are queued as they come
 * and handed over together, at most once per interval, in arrival order. Whatever must be seen at
 * once (a gate change, the end of the run) flushes the queue first, so nothing is reordered or lost.
 */

export const PROGRESS_INTERVAL_MS = 250;

export interface TimerApi {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const REAL_TIMERS: TimerApi = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class ProgressThrottle<T> {
  private queue: T[] = [];
  private timer: unknown;
  private lastFlush = -Infinity;

  constructor(
    private readonly apply: (items: readonly T[]) => void,
    private readonly intervalMs = PROGRESS_INTERVAL_MS,
    private readonly timers: TimerApi = REAL_TIMERS,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastFlush + this.intervalMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Hand over everything queued now (and cancel the pending timer). */
  flush(): void {
    if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.lastFlush = this.timers.now();
    this.apply(items);
  }
}
