import { describe, expect, it } from 'vitest';
import { empiricalQuantile, fitQuantileRegression, logitConfidence, pinballLoss, quantileFeatures, quantileScores } from '../../src/core/attacks/quantile';
import { computeRoc, tprAtFpr } from '../../src/core/metrics/roc';
import { createRng, type Rng } from '../../src/core/random';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('quantile regression pieces', () => {
  it('empirical quantile and pinball loss by hand', () => {
    expect(empiricalQuantile([5, 1, 4, 2, 3], 0.8)).toBe(4); // ⌈0.8·5⌉ = 4th smallest
    expect(empiricalQuantile([5, 1, 4, 2, 3], 0.99)).toBe(5);
    // τ = 0.9: residuals 2 → 1.8, −1 → 0.1; mean 0.95.
    expect(pinballLoss([3, 0], [1, 1], 0.9)).toBeCloseTo(0.95, 12);
  });

  it('features: 4×4 cell means and the one-hot label', () => {
    // One 4×4 grey image, all pixels 51 (0.2), label 1 of 3 classes: one cell, then [0, 1, 0].
    const f = quantileFeatures(new Uint8Array(16).fill(51), [1], 1, [4, 4, 1], 3);
    expect(f.dim).toBe(4);
    expect(f.values[0]).toBeCloseTo(0.2, 12);
    expect(Array.from(f.values.subarray(1))).toEqual([0, 1, 0]);
    expect(() => quantileFeatures(new Uint8Array(16), [3], 1, [4, 4, 1], 3)).toThrow(/label 3 of record 0/);
  });

  it('logit confidence is log(p/(1 − p)) of the true class', () => {
    const phi = logitConfidence(Float64Array.from([0.8, 0.2, 0.5, 0.5]), [0, 1], 2, 2);
    expect(phi[0]).toBeCloseTo(Math.log(4), 12);
    expect(phi[1]).toBeCloseTo(0, 12);
  });

  it('with identical records it learns the empirical quantile, and about α of the public records score above it', () => {
    const rng = createRng(2, 'quantile-constant');
    const count = 2000;
    const scores = Float64Array.from({ length: count }, () => gaussian(rng));
    const features = quantileFeatures(new Uint8Array(16 * count), new Uint8Array(count), count, [4, 4, 1], 2);
    const model = fitQuantileRegression(features, scores, { alpha: 0.05, steps: 200, learningRate: 0.01, l2: 0 });
    const q = model.bias + model.weights[1]; // the all-zero image of class 0
    expect(q).toBeGreaterThan(1.5); // N(0, 1)'s 95 % quantile is 1.645
    expect(q).toBeLessThan(1.8);
    const above = quantileScores(model, features, scores).filter((s) => s >= 0).length / count;
    expect(above).toBeGreaterThan(0.03);
    expect(above).toBeLessThan(0.07);
  });
});

describe('quantile attack', () => {
  it('beats a global threshold at 1 % FPR when difficulty follows what a record looks like', () => {
    // Two kinds of records: faint class-0 images whose non-member score is N(0, 1) and bright
    // class-1 images at N(6, 1); members score 3 higher. A global cut at 1 % FPR sits above the
    // bright non-members and misses faint members; per-record quantiles do not.
    const rng = createRng(9, 'quantile-fixture');
    const make = (count: number, member: boolean) => {
      const labels = Uint8Array.from({ length: count }, () => (rng.next() < 0.5 ? 1 : 0));
      const images = new Uint8Array(count * 16);
      const scores = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const bright = labels[i] === 1;
        for (let k = 0; k < 16; k++) images[i * 16 + k] = Math.round((bright ? 180 : 40) + 30 * rng.next());
        scores[i] = (bright ? 6 : 0) + (member ? 3 : 0) + gaussian(rng);
      }
      return { features: quantileFeatures(images, labels, count, [4, 4, 1], 2), scores };
    };
    const publicRecords = make(2000, false);
    const members = make(1000, true);
    const nonMembers = make(1000, false);
    const model = fitQuantileRegression(publicRecords.features, publicRecords.scores, { alpha: 0.01, steps: 400, learningRate: 0.02, l2: 1e-3 });
    const mask = Uint8Array.from({ length: 2000 }, (_, i) => (i < 1000 ? 1 : 0));
    const joined = (a: Float64Array, b: Float64Array) => Float64Array.from([...a, ...b]);
    const quantile = joined(quantileScores(model, members.features, members.scores), quantileScores(model, nonMembers.features, nonMembers.scores));
    const global = joined(members.scores, nonMembers.scores);
    const at1 = (s: Float64Array) => tprAtFpr(computeRoc(s, mask), 0.01);
    expect(at1(quantile)).toBeGreaterThan(at1(global) + 0.1);
    // Member iff score ≥ 0: the false-positive rate lands near α.
    const fpr = quantileScores(model, nonMembers.features, nonMembers.scores).filter((s) => s >= 0).length / 1000;
    expect(fpr).toBeLessThan(0.03);
  });

  it('refuses bad input by name', () => {
    const f = quantileFeatures(new Uint8Array(32), [0, 1], 2, [4, 4, 1], 2);
    expect(() => fitQuantileRegression(f, [1], { alpha: 0.01, steps: 1, learningRate: 0.1, l2: 0 })).toThrow(/1 scores for 2 records/);
    expect(() => fitQuantileRegression(f, [1, NaN], { alpha: 0.01, steps: 1, learningRate: 0.1, l2: 0 })).toThrow(/public record 1 is NaN/);
    expect(() => fitQuantileRegression(f, [1, 2], { alpha: 1, steps: 1, learningRate: 0.1, l2: 0 })).toThrow(/alpha/);
  });
});
