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
    const tasks = [...(w.__longTasks ?? [])];
    if (w.__longTasks) w.__longTasks.length = 0;
    return tasks;
  });
}

export interface LongTaskSummary {
  readonly count: number;
  readonly longest: number;
  readonly total: number;
  readonly over100: number;
}

export function summariseLongTasks(tasks: readonly LongTask[]): LongTaskSummary {
  return {
    count: tasks.length,
    longest: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    total: tasks.reduce((s, t) => s + t.duration, 0),
    over100: tasks.filter((t) => t.duration > 100).length,
  };
}
