/**
 * From results to chart series: pure functions, tested without a browser. Charts get at most a few
 * hundred points per series (an ROC curve of 2,000 records has 2,001), thinned in the coordinates
 * they are drawn in so the low-FPR end survives on log axes.
 */
import type { EpochMetrics } from '../../core/models/train';
import { countScores } from '../../core/metrics/histogram';

export type Point = readonly [number, number];

/** The smallest rate shown on log axes: a curve's zeros are drawn there. */
export const LOG_FLOOR = 1e-4;

/**
 * Keep the first and last points and every point that moved at least 1/maxPoints of the path's
 * length (in the drawn coordinates) since the last one kept.
 */
export function thinCurve(points: readonly Point[], maxPoints: number, scale: 'linear' | 'log'): Point[] {
  if (points.length <= maxPoints) return points.map((p) => [p[0], p[1]]);
  const project = (p: Point): Point => (scale === 'log' ? [Math.log10(Math.max(p[0], LOG_FLOOR)), Math.log10(Math.max(p[1], LOG_FLOOR))] : p);
  const projected = points.map(project);
  let length = 0;
  for (let i = 1; i < projected.length; i++) length += Math.abs(projected[i][0] - projected[i - 1][0]) + Math.abs(projected[i][1] - projected[i - 1][1]);
  const step = length / maxPoints;
  const kept: Point[] = [points[0]];
  let last = projected[0];
  for (let i = 1; i < points.length - 1; i++) {
    const p = projected[i];
    if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= step) {
      kept.push(points[i]);
      last = p;
    }
  }
  kept.push(points[points.length - 1]);
  return kept.map((p) => [p[0], p[1]]);
}

/** Rates clamped to LOG_FLOOR so zeros can be drawn on log axes. */
export function toLogRates(points: readonly Point[]): Point[] {
  return points.map(([x, y]) => [Math.max(x, LOG_FLOOR), Math.max(y, LOG_FLOOR)]);
}

export interface ScoreHistogram {
  /** Bin left edges and counts, as fractions of each group. */
  readonly bins: { readonly x: number; readonly members: number; readonly nonMembers: number }[];
  readonly min: number;
  readonly max: number;
  /** Scores of ±Infinity, put in the outermost bins. */
  readonly clamped: number;
}

/**
 * Members' and non-members' score distributions over shared bins, each normalised to sum to 1 so
 * groups of different sizes compare. Infinite scores (a loss of +∞) land in the end bins.
 */
export function scoreHistogram(members: Float64Array, nonMembers: Float64Array, binCount = 30): ScoreHistogram {
  const { edges, members: m, nonMembers: n, clamped } = countScores(members, nonMembers, binCount);
  if (edges.length === 0) return { bins: [], min: 0, max: 0, clamped };
  const fractions = (counts: readonly number[]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (total > 0 ? c / total : 0));
  };
  const fm = fractions(m);
  const fn = fractions(n);
  const bins = fm.map((members, i) => ({ x: edges[i], members, nonMembers: fn[i] }));
  // A closing point so a step chart draws the last bin's full width.
  bins.push({ x: edges[binCount], members: fm[binCount - 1], nonMembers: fn[binCount - 1] });
  return { bins, min: edges[0], max: edges[binCount], clamped };
}

export interface TrainingRow {
  readonly epoch: number;
  readonly [series: string]: number;
}

/** One row per epoch, with target and shadow series side by side (`target.trainAccuracy`, …). */
export function trainingRows(target: readonly EpochMetrics[], shadow: readonly EpochMetrics[] = []): TrainingRow[] {
  const rows = new Map<number, Record<string, number>>();
  const add = (model: string, history: readonly EpochMetrics[]) => {
    for (const m of history) {
      const row = rows.get(m.epoch) ?? { epoch: m.epoch };
      row[`${model}.trainAccuracy`] = m.trainAccuracy;
      row[`${model}.testAccuracy`] = m.testAccuracy;
      row[`${model}.trainLoss`] = m.trainLoss;
      row[`${model}.testLoss`] = m.testLoss;
      rows.set(m.epoch, row);
    }
  };
  add('target', target);
  add('shadow', shadow);
  return [...rows.values()].sort((a, b) => a.epoch - b.epoch) as TrainingRow[];
}

/** (1 + g)/2: the correctness attack's accuracy on a balanced set (Yeom et al., arXiv:1709.01604, Theorem 2). */
export function yeomLine(gaps: readonly number[]): Point[] {
  const lo = Math.min(0, ...gaps);
  const hi = Math.max(0.1, ...gaps) * 1.2;
  return [
    [lo, (1 + lo) / 2],
    [hi, (1 + hi) / 2],
  ];
}

export function formatRate(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}
