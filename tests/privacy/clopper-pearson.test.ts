import { describe, it, expect } from 'vitest';
import { clopperPearson, clopperPearsonLower, clopperPearsonUpper } from '../../src/core/privacy/clopper-pearson';
import { logGamma } from '../../src/core/privacy/special';

/** P(Bin(n, p) ≤ k) by direct summation. */
function binomialCdf(k: number, n: number, p: number): number {
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return sum;
}

describe('clopperPearson', () => {
  it('has closed forms at the edges: 0 of n → [0, 1 − (a/2)^{1/n}], n of n → [(a/2)^{1/n}, 1]', () => {
    for (const n of [1, 10, 1000]) {
      const none = clopperPearson(0, n, 0.95);
      expect(none.lower).toBe(0);
      expect(none.upper).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
      const all = clopperPearson(n, n, 0.95);
      expect(all.lower).toBeCloseTo(0.025 ** (1 / n), 12);
      expect(all.upper).toBe(1);
    }
    // 1 of n: the lower end solves 1 − (1 − p)^n = a/2.
    expect(clopperPearsonLower(1, 10, 0.95)).toBeCloseTo(1 - 0.975 ** 0.1, 12);
  });

  it('matches R binom.test(5, 10): [0.1870860, 0.8129140]', () => {
    const { lower, upper } = clopperPearson(5, 10);
    expect(lower).toBeCloseTo(0.187086, 6);
    expect(upper).toBeCloseTo(0.812914, 6);
  });

  it('meets its definition: P(X ≤ k | upper) = a/2 and P(X ≥ k | lower) = a/2', () => {
    for (const [k, n, confidence] of [[1, 10, 0.95], [7, 20, 0.9], [31, 200, 0.99], [480, 500, 0.95]]) {
      const a = 1 - confidence;
      expect(binomialCdf(k, n, clopperPearsonUpper(k, n, confidence))).toBeCloseTo(a / 2, 10);
      expect(1 - binomialCdf(k - 1, n, clopperPearsonLower(k, n, confidence))).toBeCloseTo(a / 2, 10);
    }
  });

  it('narrows with more trials and widens with more confidence', () => {
    const small = clopperPearson(30, 100);
    const large = clopperPearson(300, 1000);
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
    const loose = clopperPearson(30, 100, 0.99);
    expect(loose.lower).toBeLessThan(small.lower);
    expect(loose.upper).toBeGreaterThan(small.upper);
  });

  it('refuses impossible counts by name', () => {
    expect(() => clopperPearson(11, 10)).toThrow(/successes/);
    expect(() => clopperPearson(1.5, 10)).toThrow(/successes/);
    expect(() => clopperPearson(0, 0)).toThrow(/trials/);
    expect(() => clopperPearson(1, 10, 1)).toThrow(/confidence/);
  });
});
