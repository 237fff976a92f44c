/**
 * Main-thread long tasks as the page sees them (PerformanceObserver 'longtask': every task over
 * 50 ms), for the e2e tests and scripts/long-tasks.ts. The observer is installed before any page
 * script runs (context.addInitScript) and keeps every entry in window.__longTasks.
 */
import type { Page } from 'playwright-core';

export interface LongTask {
  /** ms since the page's time origin. */
  readonly startTime: number;
  readonly duration: number;
  /** The page's own User Timing entries (mia:* marks and measures) that began inside the task: what it was. */
  readonly during?: readonly string[];
}

/** Run in the page before its own scripts. */
export const LONG_TASK_OBSERVER = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push({ startTime: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (error) {
    window.__longTasksUnsupported = String(error);
  }
`;

/** Every long task so far, then an empty list for the next measurement. */
export async function readLongTasks(page: Page): Promise<LongTask[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __longTasks?: LongTask[]; __longTasksUnsupported?: string };
    if (w.__longTasksUnsupported) throw new Error(`PerformanceObserver 'longtask' is not supported here: ${w.__longTasksUnsupported}`);
    const timings = [...performance.getEntriesByType('mark'), ...performance.getEntriesByType('measure')].filter((e) => e.name.startsWith('mia:'));
    const tasks = (w.__longTasks ?? []).map((t) => ({
      ...t,
      during: timings.filter((e) => e.startTime >= t.startTime && e.startTime <= t.startTime + t.duration).map((e) => e.name),
    }));
    if (w.__longTasks) w.__longTasks.length = 0;
    return tasks;
  });
}

export interface LongTaskSummary {
  readonly count: number;
  readonly longest: number;
  readonly total: number;
  readonly over100: number;
  /** Each task over 100 ms as "<ms> ms [<what began in it>]". */
  readonly worst: readonly string[];
}

/** "mia:draw:roc ×3, mia:result-shown": the names in a task, repeats counted. */
function nameCounts(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
}

export function summariseLongTasks(tasks: readonly LongTask[]): LongTaskSummary {
  return {
    count: tasks.length,
    longest: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    total: tasks.reduce((s, t) => s + t.duration, 0),
    over100: tasks.filter((t) => t.duration > 100).length,
    worst: tasks.filter((t) => t.duration > 100).map((t) => `${t.duration.toFixed(0)} ms [${nameCounts(t.during ?? []) || 'no mia:* entry'}]`),
  };
}
