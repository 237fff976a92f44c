import { describe, it, expect } from 'vitest';
import {
  SignedLogSum,
  erfc,
  inverseRegularizedIncompleteBeta,
  logAddExp,
  logErfc,
  logGamma,
  regularizedIncompleteBeta,
} from '../../src/core/privacy/special';

/** |actual − expected| ≤ rtol · |expected|. */
function expectRelative(actual: number, expected: number, rtol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rtol * Math.abs(expected));
}

describe('logAddExp and SignedLogSum', () => {
  it('adds in log space without overflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logAddExp(-Infinity, 7)).toBe(7);
  });

  it('sums signed terms in any order', () => {
    const sum = new SignedLogSum();
    sum.add(-1, Math.log(2)); // −2
    sum.add(1, Math.log(5)); // +5
    sum.add(-1, Math.log(1)); // −1
    expect(sum.logValue()).toBeCloseTo(Math.log(2), 14);
    const cancelling = new SignedLogSum();
    cancelling.add(1, 0.25);
    cancelling.add(-1, 0.25);
    expect(cancelling.logValue()).toBe(-Infinity); // exactly zero
    cancelling.add(-1, 0);
    expect(cancelling.logValue()).toBeNaN(); // a negative total is a numerical failure
  });
});

describe('erfc', () => {
  // Reference values: Abramowitz & Stegun Table 7.1 / DLMF; erfc(10) from its asymptotic series.
  it.each([
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12],
    [10, 2.088487583762545e-45],
    [-1, 1.8427007929497148],
  ])('erfc(%d)', (x, expected) => {
    expectRelative(erfc(x), expected, 1e-12);
  });

  it('is continuous where the series hands over to the continued fraction', () => {
    const below = logErfc(3 - 1e-12);
    const above = logErfc(3);
    expect(Math.abs(below - above)).toBeLessThan(1e-10);
  });

  it('stays finite in log space far beyond double-precision underflow', () => {
    // log erfc(x) = −x² − log(x√π) + log(1 − 1/(2x²) + 3/(4x⁴) − …)   (DLMF 7.12.1)
    const x = 100;
    const asymptotic = -x * x - Math.log(x * Math.sqrt(Math.PI)) + Math.log1p(-1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(logErfc(x)).toBeCloseTo(asymptotic, 10);
    expect(logErfc(Infinity)).toBe(-Infinity);
  });
});

describe('logGamma', () => {
  it('matches factorials and Γ(½) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(171)).toBeCloseTo(Math.log(7.257415615307994e306), 9);
  });
});

describe('regularizedIncompleteBeta', () => {
  it('meets closed forms: I_x(1,1) = x, I_x(a,1) = x^a, I_x(1,b) = 1 − (1−x)^b, I_½(a,a) = ½', () => {
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 13);
    expect(regularizedIncompleteBeta(0.7, 4.5, 1)).toBeCloseTo(0.7 ** 4.5, 13);
    expect(regularizedIncompleteBeta(0.2, 1, 7)).toBeCloseTo(1 - 0.8 ** 7, 13);
    expect(regularizedIncompleteBeta(0.5, 37.5, 37.5)).toBeCloseTo(0.5, 12);
  });

  it('equals the binomial upper tail: I_p(k, n−k+1) = P(Bin(n, p) ≥ k)', () => {
    const n = 40;
    const p = 0.35;
    let tail = 0;
    for (let k = n; k >= 1; k--) {
      // C(n,k) p^k (1−p)^{n−k}, in log space via logGamma.
      tail += Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
      expect(regularizedIncompleteBeta(p, k, n - k + 1)).toBeCloseTo(tail, 12);
    }
  });

  it('is inverted by inverseRegularizedIncompleteBeta', () => {
    for (const [a, b] of [[0.5, 0.5], [1, 3], [2, 5], [30, 4], [1000, 1], [5000, 4000]]) {
      // Not p near 1 for a U-shaped Beta: there I_x moves by 1e-8 per ulp of x.
      for (const p of [1e-9, 0.025, 0.5, 0.975, 1 - 1e-6]) {
        const x = inverseRegularizedIncompleteBeta(p, a, b);
        expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(p, 9);
      }
    }
  });
});
