import { describe, expect, it } from 'vitest';
import { dpRegionTpr, dpSgdGdpMu, gdpTpr, guaranteeCurves, logSpacedFprs, normalCdf, normalQuantile } from '../../src/core/privacy/dp-region';

describe('the (ε, δ) region (Kairouz et al., arXiv:1311.0776)', () => {
  it('is the diagonal at ε = 0, δ = 0', () => {
    for (const fpr of [0, 1e-4, 0.01, 0.3, 0.9, 1]) expect(dpRegionTpr(fpr, 0, 0)).toBeCloseTo(fpr, 15);
  });

  it('takes the smaller of its two edges, by hand at ε = 1', () => {
    // FPR 0.1: e·0.1 = 0.27183 < 1 − e^−1·0.9 = 0.66891.
    expect(dpRegionTpr(0.1, 1, 0)).toBeCloseTo(Math.E * 0.1, 12);
    // FPR 0.5: 1 − e^−1·0.5 = 0.81606 < e·0.5.
    expect(dpRegionTpr(0.5, 1, 0)).toBeCloseTo(1 - 0.5 / Math.E, 12);
    // FPR 0: only δ.
    expect(dpRegionTpr(0, 1, 1e-5)).toBeCloseTo(1e-5, 15);
    expect(dpRegionTpr(0.9, 5, 0)).toBe(1 - Math.exp(-5) * 0.1);
  });
});

describe('the μ-GDP trade-off (Dong, Roth & Su, arXiv:1905.02383)', () => {
  it('is the diagonal at μ = 0', () => {
    for (const fpr of [1e-5, 0.01, 0.5, 0.99]) expect(gdpTpr(fpr, 0)).toBeCloseTo(fpr, 12);
  });

  it('matches scipy: Φ(Φ⁻¹(0.01) + 1) = 0.092362, Φ(Φ⁻¹(0.001) + 2) = 0.137805; Φ(Φ⁻¹(½) + 1) = Φ(1)', () => {
    expect(gdpTpr(0.01, 1)).toBeCloseTo(0.09236224807369403, 10);
    expect(gdpTpr(0.001, 2)).toBeCloseTo(0.13780541289830034, 10);
    expect(gdpTpr(0.5, 1)).toBeCloseTo(0.8413447460685429, 12);
    expect(normalQuantile(normalCdf(-1.7))).toBeCloseTo(-1.7, 12);
  });

  it('lies inside the (ε, δ(ε)) region that μ-GDP implies (arXiv:1905.02383, Corollary 2.13)', () => {
    // δ(ε) = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2); at μ = 1 (scipy): ε 0.5 → 0.238422, 1 → 0.126937, 2 → 0.020924.
    const deltas: [number, number][] = [[0.5, 0.23842170813487656], [1, 0.12693673750664392], [2, 0.020923635821113756]];
    for (const [epsilon, delta] of deltas) {
      expect(normalCdf(-epsilon + 0.5) - Math.exp(epsilon) * normalCdf(-epsilon - 0.5)).toBeCloseTo(delta, 10);
      for (const fpr of logSpacedFprs(1e-4, 60)) expect(gdpTpr(fpr, 1)).toBeLessThanOrEqual(dpRegionTpr(fpr, epsilon, delta) + 1e-12);
    }
  });

  it('μ of DP-SGD by the CLT: q·√(T(e^(1/σ²) − 1)), 1.31083 at q = 0.1, σ = 1, T = 100', () => {
    expect(dpSgdGdpMu(0.1, 1, 100)).toBeCloseTo(1.3108324944320862, 12);
    expect(() => dpSgdGdpMu(0, 1, 100)).toThrow(RangeError);
  });
});

describe('guaranteeCurves', () => {
  it('draws the region, and the GDP curve only where μ is given, on log-spaced FPRs ending at 1', () => {
    const fprs = logSpacedFprs(1e-3, 4);
    expect(fprs[0]).toBeCloseTo(1e-3, 15);
    expect(fprs[3]).toBe(1);
    const curves = guaranteeCurves({ epsilon: 1, delta: 0 }, fprs);
    expect(curves.gdp).toBeUndefined();
    expect(curves.region[1][1]).toBeCloseTo(Math.E * 0.01, 12);
    expect(guaranteeCurves({ epsilon: 1, delta: 0, mu: 0 }, fprs).gdp?.map((p) => p[1])).toEqual(fprs.map((f) => expect.closeTo(f, 12)));
  });
});
