import { describe, it, expect } from 'vitest';
import { computeDpSgdEpsilon, dpSgdSteps, findNoiseMultiplier } from '../../src/core/privacy/dp-sgd';
import { TF_PRIVACY_ORDERS, TF_TUTORIAL_ORDERS, computeRdp } from '../../src/core/privacy/rdp';
import { rdpToEpsilon } from '../../src/core/privacy/conversion';

/** Within 1 % of a published figure. */
function expectWithinOnePercent(actual: number, published: number): void {
  expect(Math.abs(actual - published)).toBeLessThanOrEqual(0.01 * published);
}

const MNIST = { datasetSize: 60000, batchSize: 256, delta: 1e-5 } as const;

describe('computeDpSgdEpsilon against published figures', () => {
  // TF Privacy tutorials/README.md (2019): the MNIST tutorial's table and compute_dp_sgd_privacy's example.
  // Those figures predate the Balle et al. conversion, so they use 'classic' and the tutorial's orders.
  it.each([
    [1.1, 60, 3.01],
    [1.3, 15, 1.19],
    [0.7, 45, 7.1],
  ])('TF Privacy MNIST tutorial: σ=%d, %d epochs → ε = %d (classic)', (noiseMultiplier, epochs, published) => {
    const result = computeDpSgdEpsilon({ ...MNIST, noiseMultiplier, epochs, conversion: 'classic', orders: TF_TUTORIAL_ORDERS });
    expectWithinOnePercent(result.epsilon, published);
  });

  it('TF Privacy MNIST tutorial training log: ε = 1.03 after 1 epoch, 1.11 after 2 (234 steps per epoch)', () => {
    // The tutorial counts steps as epochs · floor(60000/256), not ceil(epochs · N/B).
    for (const [epochs, published] of [[1, 1.03], [2, 1.11]]) {
      const rdp = computeRdp({ samplingRate: 256 / 60000, noiseMultiplier: 1.1, steps: epochs * 234 }, TF_TUTORIAL_ORDERS);
      expectWithinOnePercent(rdpToEpsilon(TF_TUTORIAL_ORDERS, rdp, 1e-5, 'classic').epsilon, published);
    }
  });

  // TF Privacy compute_dp_sgd_privacy_test.py (Balle et al. conversion, TF_PRIVACY_ORDERS): exact values and orders.
  it.each([
    [60000, 150, 1.3, 15, 1e-5, 0.7242234026109595, 19],
    [100000, 100, 1.0, 30, 1e-7, 1.4154988495444842, 13],
    [100000000, 1024, 0.1, 10, 1e-7, 5907982.3113978775, 1.25],
  ])('TF Privacy compute_dp_sgd_privacy(%d, %d, %d, %d, %d) = %d at order %d', (datasetSize, batchSize, noiseMultiplier, epochs, delta, published, order) => {
    const result = computeDpSgdEpsilon({ datasetSize, batchSize, noiseMultiplier, epochs, delta, orders: TF_PRIVACY_ORDERS });
    expect(Math.abs(result.epsilon - published)).toBeLessThanOrEqual(1e-9 * published);
    expect(result.order).toBe(order);
  });

  it('the Balle et al. conversion gives a smaller ε for the MNIST tutorial (≈ 2.60 < 3.01)', () => {
    const balle = computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: 1.1, epochs: 60 });
    const classic = computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: 1.1, epochs: 60, conversion: 'classic' });
    expect(balle.epsilon).toBeLessThan(classic.epsilon);
    expect(balle.epsilon).toBeCloseTo(2.597, 2);
    expectWithinOnePercent(classic.epsilon, 3.01);
  });
});

describe('computeDpSgdEpsilon', () => {
  it('counts q = B/N and steps = ceil(epochs · N/B)', () => {
    expect(dpSgdSteps({ ...MNIST, epochs: 60 })).toEqual({ samplingRate: 256 / 60000, steps: 14063 });
    expect(dpSgdSteps({ datasetSize: 1000, batchSize: 100, epochs: 3, delta: 1e-3 }).steps).toBe(30);
    expect(dpSgdSteps({ datasetSize: 1000, batchSize: 100, epochs: 0.25, delta: 1e-3 }).steps).toBe(3);
  });

  it('falls as σ grows and rises with epochs', () => {
    let previous = Infinity;
    for (const noiseMultiplier of [0.5, 0.7, 1, 1.5, 2, 4, 8]) {
      const { epsilon } = computeDpSgdEpsilon({ ...MNIST, noiseMultiplier, epochs: 10 });
      expect(epsilon).toBeLessThan(previous);
      previous = epsilon;
    }
    previous = 0;
    for (const epochs of [1, 2, 5, 10, 50, 200]) {
      const { epsilon } = computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: 1, epochs });
      expect(epsilon).toBeGreaterThan(previous);
      previous = epsilon;
    }
  });

  it('without subsampling (B = N) matches the Gaussian closed form α·T/(2σ²) minimised by hand', () => {
    const orders = [2, 4, 8, 16, 32];
    const result = computeDpSgdEpsilon({ datasetSize: 100, batchSize: 100, noiseMultiplier: 5, epochs: 4, delta: 1e-5, orders, conversion: 'classic' });
    const byHand = Math.min(...orders.map((a) => (a * 4) / (2 * 25) + Math.log(1e5) / (a - 1)));
    expect(result.steps).toBe(4);
    expect(result.epsilon).toBeCloseTo(byHand, 12);
  });

  it('gives Infinity without noise', () => {
    expect(computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: 0, epochs: 1 }).epsilon).toBe(Infinity);
  });

  it('refuses bad schedules by name', () => {
    expect(() => computeDpSgdEpsilon({ ...MNIST, datasetSize: 0, noiseMultiplier: 1, epochs: 1 })).toThrow(/datasetSize/);
    expect(() => computeDpSgdEpsilon({ ...MNIST, batchSize: 70000, noiseMultiplier: 1, epochs: 1 })).toThrow(/batchSize/);
    expect(() => computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: 1, epochs: 0 })).toThrow(/epochs/);
    expect(() => computeDpSgdEpsilon({ ...MNIST, delta: 0, noiseMultiplier: 1, epochs: 1 })).toThrow(/delta/);
    expect(() => computeDpSgdEpsilon({ ...MNIST, noiseMultiplier: -1, epochs: 1 })).toThrow(/noiseMultiplier/);
  });
});

describe('findNoiseMultiplier', () => {
  it('round-trips: the σ found gives ε ≤ target, and a slightly smaller σ exceeds it', () => {
    for (const [targetEpsilon, conversion] of [[3, 'balle'], [1, 'classic'], [8, 'balle']] as const) {
      const found = findNoiseMultiplier({ ...MNIST, epochs: 60, targetEpsilon, conversion });
      expect(found.epsilon).toBeLessThanOrEqual(targetEpsilon);
      expect(found.epsilon).toBeGreaterThan(targetEpsilon * 0.999);
      const check = computeDpSgdEpsilon({ ...MNIST, epochs: 60, noiseMultiplier: found.noiseMultiplier, conversion });
      expect(check.epsilon).toBe(found.epsilon);
      expect(check.order).toBe(found.order);
      const below = computeDpSgdEpsilon({ ...MNIST, epochs: 60, noiseMultiplier: found.noiseMultiplier * (1 - 1e-4), conversion });
      expect(below.epsilon).toBeGreaterThan(targetEpsilon);
    }
  });

  it('inverts the MNIST tutorial: target 3.01 (classic, tutorial orders) needs σ ≈ 1.1', () => {
    const found = findNoiseMultiplier({ ...MNIST, epochs: 60, targetEpsilon: 3.0083810468262784, conversion: 'classic', orders: TF_TUTORIAL_ORDERS });
    expect(found.noiseMultiplier).toBeCloseTo(1.1, 5);
  });

  it('throws when even infinite noise cannot reach the target at this δ', () => {
    // Classic conversion: ε ≥ log(1/δ)/(α_max − 1) = log(1e5)/1023 ≈ 0.0113 with the default orders.
    expect(() => findNoiseMultiplier({ ...MNIST, epochs: 1, targetEpsilon: 0.01, conversion: 'classic' })).toThrow(/unreachable/);
    expect(() => findNoiseMultiplier({ ...MNIST, epochs: 1, targetEpsilon: 0 })).toThrow(/targetEpsilon/);
  });
});
