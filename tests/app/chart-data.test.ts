import { describe, expect, it } from 'vitest';
import { LOG_FLOOR, formatBytes, formatSeconds, scoreHistogram, thinCurve, toLogRates, trainingRows, yeomLine, type Point } from '../../src/app/charts/chart-data';
import { epoch } from './fixtures';

describe('chart data', () => {
  it('thins a long curve to about maxPoints, keeping both ends', () => {
    const curve: Point[] = Array.from({ length: 2001 }, (_, i) => [i / 2000, Math.sqrt(i / 2000)]);
    const thin = thinCurve(curve, 100, 'linear');
    expect(thin.length).toBeLessThanOrEqual(102);
    expect(thin.length).toBeGreaterThan(50);
    expect(thin[0]).toEqual([0, 0]);
    expect(thin[thin.length - 1]).toEqual([1, 1]);
    expect(thinCurve(curve.slice(0, 10), 100, 'linear')).toHaveLength(10);
  });

  it('keeps the low-FPR points on log axes', () => {
    const curve: Point[] = Array.from({ length: 2001 }, (_, i) => [i / 2000, i / 2000]);
    const thin = thinCurve(curve, 100, 'log');
    expect(thin.filter(([x]) => x > 0 && x < 0.01).length).toBeGreaterThan(10);
    expect(toLogRates([[0, 0.5]])).toEqual([[LOG_FLOOR, 0.5]]);
  });

  it('bins members and non-members on shared bins, each summing to 1, infinities in the end bins', () => {
    const hist = scoreHistogram(new Float64Array([0, 0.5, 1, Infinity]), new Float64Array([0, -Infinity]), 4);
    expect(hist.min).toBe(0);
    expect(hist.max).toBe(1);
    expect(hist.clamped).toBe(2);
    const bins = hist.bins.slice(0, 4);
    expect(bins.reduce((s, b) => s + b.members, 0)).toBeCloseTo(1);
    expect(bins.reduce((s, b) => s + b.nonMembers, 0)).toBeCloseTo(1);
    expect(bins.map((b) => b.members)).toEqual([0.25, 0, 0.25, 0.5]);
    expect(bins.map((b) => b.nonMembers)).toEqual([1, 0, 0, 0]);
    expect(scoreHistogram(new Float64Array([]), new Float64Array([])).bins).toEqual([]);
  });

  it('puts target and shadow epochs side by side', () => {
    const rows = trainingRows([epoch(1, 2), epoch(2, 2)], [epoch(1, 2)]);
    expect(rows).toHaveLength(2);
    expect(rows[0]['target.trainAccuracy']).toBeCloseTo(0.6);
    expect(rows[0]['shadow.testLoss']).toBeCloseTo(1.2);
    expect(rows[1]['shadow.testLoss']).toBeUndefined();
  });

  it('draws (1 + g)/2 over the gaps', () => {
    for (const [g, acc] of yeomLine([0.1, 0.3])) expect(acc).toBeCloseTo((1 + g) / 2);
  });

  it('formats figures for people', () => {
    expect(formatSeconds(3.21)).toBe('3.2 s');
    expect(formatSeconds(125)).toBe('2 min 5 s');
    expect(formatBytes(17_300_000)).toBe('17 MB');
  });
});
