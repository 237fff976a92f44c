/**
 * Work the page must do but not now. Saving a finished result is IndexedDB's structured clone of
 * the whole result on the main thread (20–30 ms of a loaded page per re-run): run between the
 * result and its painted frame, it delayed the redrawn table (issue 10: < 200 ms from a control to
 * the table). So it waits for the frame that shows the result, then for an idle moment (the charts
 * draw first), at most IDLE_TIMEOUT_MS; and it runs at once when the page is hidden or left, so a
 * reload or a closed tab loses nothing.
 */

/** How long deferred work may wait for an idle moment once the frame is painted. */
export const IDLE_TIMEOUT_MS = 1000;
/** Started anyway this long after it was deferred, should no frame come (a hidden tab draws none). */
const FALLBACK_MS = 3000;

const pending = new Set<() => void>();

function afterPaint(run: () => void): void {
  // A task queued from a frame callback runs after that frame is painted.
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(run, 0));
  else setTimeout(run, 0);
}

function whenPageIdle(run: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: IDLE_TIMEOUT_MS });
  else setTimeout(run, 0);
}

function pageHidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}

/** `work` once the page has painted and is idle, or at once if it is hidden or left first; settles as `work` does. */
export function deferUntilIdle<T>(work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      pending.delete(start);
      clearTimeout(fallback);
      work().then(resolve, reject);
    };
    pending.add(start);
    const fallback = setTimeout(start, FALLBACK_MS);
    if (pageHidden()) start();
    else afterPaint(() => whenPageIdle(start));
  });
}

/** Start every deferred task now: the page is being hidden or unloaded (IndexedDB writes begun now still land). */
export function flushDeferred(): void {
  for (const start of [...pending]) start();
}

if (typeof addEventListener === 'function' && typeof document !== 'undefined') {
  addEventListener('pagehide', flushDeferred);
  document.addEventListener('visibilitychange', () => pageHidden() && flushDeferred());
}
