import { describe, it, expect } from 'vitest';
import { computeRdp, rdpOfSampledGaussian, DEFAULT_RDP_ORDERS } from '../../src/core/privacy/rdp';
import { logAddExp } from '../../src/core/privacy/special';

/**
 * A_α by brute-force quadrature, independent of the series: A_α = E_{z∼N(0,σ²)}[(1 − q + q e^{(2z−1)/(2σ²)})^α]
 * (Mironov, Talwar & Zhang, arXiv:1908.10530, Section 3.1), by the trapezoid rule in log space.
 */
function logAByQuadrature(q: number, sigma: number, alpha: number): number {
  const low = -30 * sigma;
  const high = alpha + 30 * sigma;
  const steps = 200_000;
  const h = (high - low) / steps;
  let logSum = -Infinity;
  for (let s = 0; s <= steps; s++) {
    const z = low + s * h;
    const logDensity = -(z * z) / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    const logRatio = logAddExp(Math.log1p(-q), Math.log(q) + (2 * z - 1) / (2 * sigma * sigma));
    const weight = s === 0 || s === steps ? 0.5 : 1;
    logSum = logAddExp(logSum, Math.log(weight * h) + logDensity + alpha * logRatio);
  }
  return logSum;
}

describe('rdpOfSampledGaussian', () => {
  it('is 0 without sampling, α/(2σ²) without subsampling and Infinity without noise', () => {
    expect(rdpOfSampledGaussian(0, 10, 20)).toBe(0);
    // Same cases as TF Privacy's rdp_accountant_test: q = 1, σ = 10, α = 20 → 0.1.
    expect(rdpOfSampledGaussian(1, 10, 20)).toBe(0.1);
    expect(rdpOfSampledGaussian(1, 1.7, 3.3)).toBeCloseTo(3.3 / (2 * 1.7 ** 2), 14);
    expect(rdpOfSampledGaussian(0.01, 0, 2)).toBe(Infinity);
    expect(rdpOfSampledGaussian(0.01, 1, Infinity)).toBe(Infinity);
  });

  it('refuses orders that are not > 1', () => {
    expect(() => rdpOfSampledGaussian(0.1, 1, 1)).toThrow(/> 1/);
    expect(() => rdpOfSampledGaussian(0.1, 1, 0.5)).toThrow(/> 1/);
  });

  // Integer orders use the binomial sum, fractional ones the two-sided series; both must agree with quadrature.
  it.each([
    [1e-3, 1, 2],
    [1e-4, 1, 1.5],
    [0.01, 10, 20],
    [0.1, 2, 2.5],
    [256 / 60000, 1.1, 8.8],
    [0.5, 0.7, 3.3],
    [0.3, 3, 12.25],
    [0.99, 0.9, 5],
  ])('matches quadrature at q=%d, σ=%d, α=%d', (q, sigma, alpha) => {
    const logA = rdpOfSampledGaussian(q, sigma, alpha) * (alpha - 1);
    const reference = logAByQuadrature(q, sigma, alpha);
    expect(Math.abs(logA - reference)).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(reference)));
  });

  it('is continuous across integer orders (the two formulas meet)', () => {
    for (const alpha of [2, 3, 10, 32]) {
      const atInteger = rdpOfSampledGaussian(0.02, 1.3, alpha);
      expect(rdpOfSampledGaussian(0.02, 1.3, alpha + 1e-7)).toBeCloseTo(atInteger, 6);
      expect(rdpOfSampledGaussian(0.02, 1.3, alpha - 1e-7)).toBeCloseTo(atInteger, 6);
    }
  });

  it('grows with the order and with q, and falls with σ', () => {
    let previous = 0;
    for (const alpha of DEFAULT_RDP_ORDERS.filter((a) => a <= 64)) {
      const rdp = rdpOfSampledGaussian(0.01, 1, alpha);
      expect(rdp).toBeGreaterThanOrEqual(previous);
      previous = rdp;
    }
    expect(rdpOfSampledGaussian(0.02, 1, 8)).toBeGreaterThan(rdpOfSampledGaussian(0.01, 1, 8));
    expect(rdpOfSampledGaussian(0.01, 1.2, 8)).toBeLessThan(rdpOfSampledGaussian(0.01, 1, 8));
  });
});

describe('computeRdp', () => {
  // Expected values from TF Privacy's rdp_accountant_test.py (test_compute_rdp_scalar / _sequence).
  it('reproduces TF Privacy: q=0.1, σ=2, 10 steps, α=5 → 0.07737', () => {
    expect(computeRdp({ samplingRate: 0.1, noiseMultiplier: 2, steps: 10 }, [5])[0]).toBeCloseTo(0.07737, 5);
  });

  it('reproduces TF Privacy: q=0.01, σ=2.5, 50 steps at α = 1.5, 2.5, 5, 50, 100, ∞', () => {
    const rdp = computeRdp({ samplingRate: 0.01, noiseMultiplier: 2.5, steps: 50 }, [1.5, 2.5, 5, 50, 100, Infinity]);
    const expected = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307];
    expected.forEach((value, k) => expect(Math.abs(rdp[k] - value)).toBeLessThan(1e-5));
    expect(rdp[5]).toBe(Infinity);
  });

  it('composes additively over steps, and zero steps cost nothing', () => {
    const one = computeRdp({ samplingRate: 0.05, noiseMultiplier: 1.1, steps: 1 }, [1.5, 4, 16]);
    const many = computeRdp({ samplingRate: 0.05, noiseMultiplier: 1.1, steps: 123 }, [1.5, 4, 16]);
    one.forEach((value, k) => expect(many[k]).toBeCloseTo(123 * value, 12));
    expect(Array.from(computeRdp({ samplingRate: 0.05, noiseMultiplier: 0, steps: 0 }, [2]))).toEqual([0]);
  });

  it('refuses out-of-range inputs by name', () => {
    expect(() => computeRdp({ samplingRate: 1.5, noiseMultiplier: 1, steps: 1 })).toThrow(/samplingRate/);
    expect(() => computeRdp({ samplingRate: 0.1, noiseMultiplier: -1, steps: 1 })).toThrow(/noiseMultiplier/);
    expect(() => computeRdp({ samplingRate: 0.1, noiseMultiplier: 1, steps: -1 })).toThrow(/steps/);
    expect(() => computeRdp({ samplingRate: 0.1, noiseMultiplier: 1, steps: 1 }, [])).toThrow(/orders/);
  });
});
