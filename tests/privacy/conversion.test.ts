import { describe, it, expect } from 'vitest';
import { rdpToEpsilon } from '../../src/core/privacy/conversion';
import { computeRdp } from '../../src/core/privacy/rdp';

describe('rdpToEpsilon', () => {
  const orders = Array.from({ length: 31 }, (_, i) => i + 2); // 2 … 32

  it('reproduces TF Privacy for constant RDP (pure DP): ε = 1.32783806176 at order 32', () => {
    // TF Privacy rdp_accountant_test.py, test_get_privacy_spent_check_target_delta (Balle et al. conversion).
    const result = rdpToEpsilon(orders, orders.map(() => 1.1), 1e-5, 'balle');
    expect(result.order).toBe(32);
    expect(result.epsilon).toBeCloseTo(1.32783806176, 10);
  });

  it('computes the classic conversion by hand: ε = 1.1 + log(1e5)/31 at order 32', () => {
    const result = rdpToEpsilon(orders, orders.map(() => 1.1), 1e-5, 'classic');
    expect(result.order).toBe(32);
    expect(result.epsilon).toBeCloseTo(1.1 + Math.log(1e5) / 31, 12);
  });

  it('recovers an exactly (1, 1e-6)-DP Gaussian mechanism (σ = 4.530877117) over a fine order grid', () => {
    // TF Privacy test_get_privacy_spent_check_target_delta, second case; the optimal (ε, δ) curve of the
    // Gaussian mechanism is from Balle & Wang, arXiv:1805.06530, Theorem 8.
    const fine = Array.from({ length: 9900 }, (_, i) => 1.01 + i * 0.01);
    const rdp = computeRdp({ samplingRate: 1, noiseMultiplier: 4.530877117, steps: 1 }, fine);
    expect(rdpToEpsilon(fine, rdp, 1e-6, 'balle').epsilon).toBeCloseTo(1, 5);
  });

  it('Balle et al. is never looser than the classic conversion', () => {
    for (const sigma of [0.6, 1, 2, 5]) {
      const rdp = computeRdp({ samplingRate: 0.01, noiseMultiplier: sigma, steps: 1000 }, orders);
      for (const delta of [1e-3, 1e-5, 1e-9]) {
        expect(rdpToEpsilon(orders, rdp, delta, 'balle').epsilon).toBeLessThanOrEqual(rdpToEpsilon(orders, rdp, delta, 'classic').epsilon);
      }
    }
  });

  it('clamps at 0 and reports Infinity (order NaN) when no order is finite', () => {
    expect(rdpToEpsilon([2, 3], [0, 0], 0.9, 'balle').epsilon).toBe(0);
    const none = rdpToEpsilon([2, 3], [Infinity, Infinity], 1e-5);
    expect(none.epsilon).toBe(Infinity);
    expect(none.order).toBeNaN();
  });

  it('refuses bad inputs by name', () => {
    expect(() => rdpToEpsilon([2], [1], 0)).toThrow(/delta/);
    expect(() => rdpToEpsilon([2], [1], 1)).toThrow(/delta/);
    expect(() => rdpToEpsilon([2, 3], [1], 1e-5)).toThrow(/orders/);
    expect(() => rdpToEpsilon([1], [1], 1e-5)).toThrow(/orders\[0\]/);
    expect(() => rdpToEpsilon([2], [-1], 1e-5)).toThrow(/rdp\[0\]/);
    expect(() => rdpToEpsilon([2], [1], 1e-5, 'other' as never)).toThrow(/conversion/);
  });
});
