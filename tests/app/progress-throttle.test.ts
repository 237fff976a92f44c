import { describe, expect, it } from 'vitest';
import { ProgressThrottle, type TimerApi } from '../../src/app/worker/progress-throttle';

/** A hand-driven clock: timers fire only when the test advances time. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: TimerApi = {
    setTimeout: (callback, ms) => {
      pending.set(next, { at: now + ms, callback });
      return next++;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
    now: () => now,
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= now) {
        pending.delete(id);
        timer.callback();
      }
    }
  };
  return { timers, advance, pending };
}

describe('progress throttle', () => {
  it('hands over a burst as one batch, in order, and at most once per interval', () => {
    const { timers, advance } = fakeTimers();
    const batches: number[][] = [];
    const throttle = new ProgressThrottle<number>((items) => batches.push([...items]), 250, timers);
    throttle.push(1);
    advance(0);
    expect(batches).toEqual([[1]]); // the first event after a quiet spell goes at once
    for (let i = 2; i <= 40; i++) {
      throttle.push(i);
      advance(10); // event i arrives at (i − 2) × 10 ms
    }
    // Flushes at 250 ms (events 2..26, which arrived by 240 ms) and at 500 ms (27..40): never two within 250 ms.
    advance(200);
    expect(batches.map((b) => [b[0], b[b.length - 1]])).toEqual([[1, 1], [2, 26], [27, 40]]);
    expect(batches.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('flushes at once on demand (a gate change, the end of the run) and cancels the timer', () => {
    const { timers, advance, pending } = fakeTimers();
    const batches: string[][] = [];
    const throttle = new ProgressThrottle<string>((items) => batches.push([...items]), 250, timers);
    throttle.push('a');
    advance(0);
    throttle.push('b');
    throttle.push('c');
    throttle.flush();
    expect(batches).toEqual([['a'], ['b', 'c']]);
    expect(pending.size).toBe(0);
    throttle.flush();
    advance(1_000);
    expect(batches).toHaveLength(2);
  });
});
