import { describe, expect, it } from 'vitest';
import { gaussianArray } from '../src/core/defenses/sampling';
import { createRng } from '../src/core/random';

/** P(|Z| > c) for a standard normal Z, from tables: the checks below need no erf of our own. */
const TWO_SIDED_TAIL: readonly [number, number][] = [
  [1, 0.31731050786],
  [2, 0.0455002639],
  [3, 0.00269979606],
  [4, 0.00006334248],
];

describe('gaussianArray (ziggurat)', () => {
  const n = 1_000_000;
  const draws = gaussianArray(createRng(11, 'test/gaussian'), n, 1);

  it('has mean 0 and variance 1 within 5 standard errors', () => {
    let mean = 0;
    for (const x of draws) mean += x;
    mean /= n;
    let variance = 0;
    for (const x of draws) variance += (x - mean) ** 2;
    variance /= n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });

  it("puts a normal's share beyond 1, 2, 3 and 4 standard deviations, within 5 binomial standard errors", () => {
    for (const [c, p] of TWO_SIDED_TAIL) {
      let beyond = 0;
      for (const x of draws) if (Math.abs(x) > c) beyond++;
      expect(Math.abs(beyond - p * n)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('is symmetric: as many draws below −1 as above 1, within 5 standard errors', () => {
    let above = 0;
    let below = 0;
    for (const x of draws) {
      if (x > 1) above++;
      else if (x < -1) below++;
    }
    expect(Math.abs(above - below)).toBeLessThan(5 * Math.sqrt(above + below));
  });

  it('scales by stddev and repeats under the same seed', () => {
    const a = gaussianArray(createRng(3, 'x'), 1000, 2.5);
    const b = gaussianArray(createRng(3, 'x'), 1000, 1);
    expect(gaussianArray(createRng(3, 'x'), 1000, 2.5)).toEqual(a);
    a.forEach((x, i) => expect(Math.abs(x - 2.5 * b[i])).toBeLessThanOrEqual(1e-6 * Math.abs(x)));
    expect(gaussianArray(createRng(3, 'y'), 1000, 1)).not.toEqual(b);
  });
});
