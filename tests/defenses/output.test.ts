import { describe, expect, it } from 'vitest';
import { correctnessSignal, type Predictions } from '../../src/core/attacks/signals';
import {
  addOutputNoise,
  applicableAttacks,
  applyOutputDefenses,
  isAttackApplicable,
  isLabelOnly,
  maskTopK,
  releaseLabelsOnly,
  roundProbabilities,
} from '../../src/core/defenses/output';
import { createRng } from '../../src/core/random';

/** `count` random softmax rows over `numClasses`, with a few exact ties thrown in. */
function randomPredictions(count: number, numClasses: number, seed = 1): Predictions {
  const rng = createRng(seed, 'predictions');
  const probabilities = new Float64Array(count * numClasses);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      const v = i % 7 === 0 ? 1 : Math.exp(4 * rng.next());
      probabilities[i * numClasses + c] = v;
      sum += v;
    }
    for (let c = 0; c < numClasses; c++) probabilities[i * numClasses + c] /= sum;
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % numClasses);
  return { probabilities, labels, count, numClasses };
}

function rows(p: Predictions): number[][] {
  return Array.from({ length: p.count }, (_, i) => Array.from(p.probabilities.subarray(i * p.numClasses, (i + 1) * p.numClasses)));
}

const sum = (row: number[]) => row.reduce((a, b) => a + b, 0);

describe('top-k masking', () => {
  it('keeps exactly k non-zeros per row, the k largest, unchanged and not renormalised', () => {
    const p = randomPredictions(50, 10);
    for (const k of [1, 3, 10]) {
      const masked = maskTopK(p, k);
      rows(masked).forEach((row, i) => {
        const original = rows(p)[i];
        expect(row.filter((v) => v !== 0)).toHaveLength(k);
        const smallestKept = Math.min(...row.filter((v) => v !== 0));
        row.forEach((v, c) => {
          if (v !== 0) expect(v).toBe(original[c]);
          else expect(original[c]).toBeLessThanOrEqual(smallestKept);
        });
      });
    }
  });

  it('breaks ties towards the lower class index, deterministically', () => {
    const p: Predictions = { probabilities: Float64Array.of(0.25, 0.25, 0.25, 0.25), labels: [0], count: 1, numClasses: 4 };
    expect(Array.from(maskTopK(p, 2).probabilities)).toEqual([0.25, 0.25, 0, 0]);
  });

  it('ranks each view of one buffer as its own rows, for every k asked again', () => {
    // The ranking is kept per buffer and view: two views of one buffer, rows shifted by half a row,
    // must each keep their own k largest, and a k asked after another must not see the first's.
    const all = randomPredictions(31, 6, 4);
    const view = (from: number): Predictions => ({ ...all, probabilities: all.probabilities.subarray(from, from + 30 * 6), count: 30, labels: Array.from(all.labels).slice(0, 30) });
    for (const p of [view(0), view(3), view(0)]) {
      for (const k of [2, 5, 1]) {
        rows(maskTopK(p, k)).forEach((row, i) => {
          const original = rows(p)[i];
          const kth = [...original].sort((a, b) => b - a)[k - 1];
          const kept = row.map((v, c) => (v !== 0 ? c : -1)).filter((c) => c >= 0);
          expect(kept).toHaveLength(k);
          kept.forEach((c) => expect(original[c]).toBeGreaterThanOrEqual(kth));
        });
      }
    }
  });

  it('refuses a k larger than the number of classes', () => {
    expect(() => maskTopK(randomPredictions(2, 3), 4)).toThrow(/k must be an integer in \[1, 3\]/);
  });
});

describe('rounding', () => {
  it('rounds to the 10^-d grid and keeps each row a distribution', () => {
    const p = randomPredictions(40, 10);
    for (const d of [0, 1, 2, 3]) {
      const rounded = roundProbabilities(p, d);
      rows(rounded).forEach((row, i) => {
        expect(sum(row)).toBeCloseTo(1, 12);
        row.forEach((v, c) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(Math.abs(v * 10 ** d - Math.round(v * 10 ** d))).toBeLessThan(1e-9);
          // Each value is its floor or its ceiling on the grid.
          expect(Math.abs(v - rows(p)[i][c])).toBeLessThan(10 ** -d + 1e-12);
        });
      });
    }
  });

  it('gives the largest remainders their unit, as a sort of the whole row does, zeros and ties included', () => {
    const p = randomPredictions(60, 7, 9);
    // Zeros as top-k leaves them, and rows of exact ties.
    const probabilities = maskTopK(p, 3).probabilities.map((v, i) => (i < 70 ? [0.25, 0.25, 0.25, 0.25, 0, 0, 0][i % 7] : v));
    const masked: Predictions = { ...p, probabilities };
    for (const d of [0, 1, 2, 4, 6]) {
      const scale = 10 ** d;
      const expected = rows(masked).flatMap((row) => {
        const scaled = row.map((v) => v * scale);
        const units = scaled.map(Math.floor);
        const extra = Math.round(sum(scaled)) - sum(units);
        const byRemainder = units.map((_, c) => c).sort((a, b) => scaled[b] - units[b] - (scaled[a] - units[a]) || a - b);
        byRemainder.slice(0, extra).forEach((c) => units[c]++);
        return units.map((u) => u / scale);
      });
      expect(Array.from(roundProbabilities(masked, d).probabilities)).toEqual(expected);
    }
  });

  it('gives hand-computed answers', () => {
    const p: Predictions = { probabilities: Float64Array.of(0.46, 0.34, 0.2, 0.45, 0.45, 0.1), labels: [0, 1], count: 2, numClasses: 3 };
    // d = 1: floors 0.4, 0.3, 0.2 leave one unit for the largest remainder (0.06 → class 0).
    expect(Array.from(roundProbabilities(p, 1).probabilities)).toEqual([0.5, 0.3, 0.2, 0.5, 0.4, 0.1]);
    // d = 0: the whole unit goes to the largest remainder; ties go to the lower class.
    expect(Array.from(roundProbabilities(p, 0).probabilities)).toEqual([1, 0, 0, 1, 0, 0]);
  });
});

describe('output noise', () => {
  it('keeps rows as distributions, is seeded, and σ = 0 changes nothing', () => {
    const p = randomPredictions(30, 10);
    const a = addOutputNoise(p, 0.2, createRng(3, 'noise'));
    const b = addOutputNoise(p, 0.2, createRng(3, 'noise'));
    expect(Array.from(a.probabilities)).toEqual(Array.from(b.probabilities));
    expect(Array.from(a.probabilities)).not.toEqual(Array.from(p.probabilities));
    for (const row of rows(a)) {
      expect(sum(row)).toBeCloseTo(1, 12);
      row.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
    }
    const none = addOutputNoise(p, 0, createRng(3, 'noise'));
    rows(none).forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(rows(p)[i][c], 14)));
  });

  it('turns a row that clips to all zeros into the uniform distribution', () => {
    const p: Predictions = { probabilities: Float64Array.of(0, 0, 0), labels: [0], count: 1, numClasses: 3 };
    const noisy = addOutputNoise(p, 1e-300, createRng(1, 'x'));
    expect(sum(Array.from(noisy.probabilities))).toBeCloseTo(1, 12);
  });
});

describe('label-only', () => {
  it('releases the one-hot argmax, flagged, with the same correctness as the scores', () => {
    const p = randomPredictions(40, 5);
    const released = applyOutputDefenses(p, { 'label-only': {} }, createRng(1, 'x'));
    expect(released.labelOnly).toBe(true);
    expect(isLabelOnly(released)).toBe(true);
    expect(isLabelOnly(p)).toBe(false);
    for (const row of rows(released)) expect(row.filter((v) => v === 1)).toHaveLength(1);
    expect(Array.from(correctnessSignal(released))).toEqual(Array.from(correctnessSignal(p)));
    expect(Array.from(releaseLabelsOnly(p).probabilities)).toEqual(Array.from(released.probabilities));
  });

  it('leaves only the attacks that read a label', () => {
    // The registry's `needs: 'labels'` decides, not a list of names here.
    expect(applicableAttacks(true)).toEqual(['random', 'correctness', 'label-only-augmentation', 'label-only-boundary']);
    expect(isAttackApplicable('rmia-online', true)).toBe(false);
    expect(isAttackApplicable('quantile', true)).toBe(false);
    expect(applicableAttacks(false)).toContain('loss');
    expect(isAttackApplicable('loss', true)).toBe(false);
    expect(isAttackApplicable('correctness', true)).toBe(true);
  });
});

describe('applyOutputDefenses', () => {
  it('applies noise, top-k, rounding in registry order and says which', () => {
    const p = randomPredictions(20, 10);
    const defended = applyOutputDefenses(p, { rounding: { decimals: 2 }, 'top-k': { k: 2 }, 'output-noise': { sigma: 0.05 }, l2: {} }, createRng(5, 'x'));
    expect(defended.outputDefenses).toEqual(['output-noise', 'top-k', 'rounding']);
    expect(defended.labelOnly).toBe(false);
    const expected = roundProbabilities(maskTopK(addOutputNoise(p, 0.05, createRng(5, 'x')), 2), 2);
    expect(Array.from(defended.probabilities)).toEqual(Array.from(expected.probabilities));
    for (const row of rows(defended)) expect(row.filter((v) => v !== 0).length).toBeLessThanOrEqual(2);
  });

  it('returns the predictions as they are without output defenses', () => {
    const p = randomPredictions(5, 4);
    const defended = applyOutputDefenses(p, { dropout: { rate: 0.3 } }, createRng(1, 'x'));
    expect(defended.probabilities).toBe(p.probabilities);
    expect(defended.outputDefenses).toEqual([]);
  });
});
