import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDLE_TIMEOUT_MS, deferUntilIdle, flushDeferred } from '../../src/app/state/when-idle';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('deferUntilIdle (a result is saved after its frame, never lost)', () => {
  it('waits for the painted frame, then for an idle moment, and settles as the work does', async () => {
    vi.useFakeTimers();
    const frames: (() => void)[] = [];
    const idle: { run: () => void; timeout?: number }[] = [];
    vi.stubGlobal('requestAnimationFrame', (run: () => void) => frames.push(run));
    vi.stubGlobal('requestIdleCallback', (run: () => void, options?: { timeout?: number }) => idle.push({ run, timeout: options?.timeout }));
    const work = vi.fn(async () => 'saved');
    const done = deferUntilIdle(work);
    expect(work).not.toHaveBeenCalled();
    expect(frames).toHaveLength(1);
    frames[0]();
    // The frame's callback runs before its paint: the work waits for the task after it.
    expect(idle).toHaveLength(0);
    vi.advanceTimersByTime(0);
    expect(idle).toHaveLength(1);
    expect(idle[0].timeout).toBe(IDLE_TIMEOUT_MS);
    expect(work).not.toHaveBeenCalled();
    idle[0].run();
    expect(work).toHaveBeenCalledTimes(1);
    await expect(done).resolves.toBe('saved');
  });

  it('runs pending work at once when the page is hidden or left, and only once', async () => {
    vi.useFakeTimers();
    const work = vi.fn(async () => undefined);
    const done = deferUntilIdle(work);
    expect(work).not.toHaveBeenCalled();
    flushDeferred();
    expect(work).toHaveBeenCalledTimes(1);
    await done;
    vi.advanceTimersByTime(10_000);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('starts anyway when no frame comes (a hidden tab paints none)', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', () => 0);
    const work = vi.fn(async () => undefined);
    void deferUntilIdle(work);
    vi.advanceTimersByTime(2_999);
    expect(work).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('passes a failed save on to the caller', async () => {
    const failing = deferUntilIdle(async () => {
      throw new Error('QuotaExceededError');
    });
    await expect(failing).rejects.toThrow('QuotaExceededError');
  });
});
