import { describe, expect, it } from 'vitest';
import { augmentationConsistencyScores, augmentationViews, drawNoiseBlock, noiseRobustnessScores } from '../../src/core/attacks/label-only';
import { createRng } from '../../src/core/random';

describe('augmentationViews', () => {
  it('lists the record first, then every shift, and mirrors only colour images', () => {
    const grey = augmentationViews(1, false);
    expect(grey).toHaveLength(9);
    expect(grey[0]).toEqual({ dx: 0, dy: 0, flip: false });
    expect(grey.filter((v) => v.dx === 0 && v.dy === 0)).toHaveLength(1);
    const colour = augmentationViews(1, true);
    expect(colour).toHaveLength(18);
    expect(colour.filter((v) => v.flip)).toHaveLength(9);
    expect(augmentationViews(0, false)).toEqual([{ dx: 0, dy: 0, flip: false }]);
    expect(() => augmentationViews(-1, false)).toThrow(/maxShift/);
  });
});

describe('label-only scores', () => {
  // 3 records with labels 1, 0, 2; 4 views (view after view).
  const queries = {
    predicted: Uint8Array.from([
      1, 0, 1, // view 0: records 0 and 1 right, record 2 wrong
      1, 1, 2, // view 1
      1, 0, 2, // view 2
      0, 1, 2, // view 3
    ]),
    labels: [1, 0, 2],
    count: 3,
    views: 4,
  };

  it('augmentation: 1 if the record itself is labelled right, plus the fraction of its augmented views labelled right', () => {
    const scores = augmentationConsistencyScores(queries);
    expect(scores[0]).toBeCloseTo(1 + 2 / 3, 12);
    expect(scores[1]).toBeCloseTo(1 + 1 / 3, 12);
    expect(scores[2]).toBeCloseTo(1, 12); // wrong on itself, right on all three views
  });

  it('boundary: 0 for a record already wrong, else 1 + the fraction of noisy copies kept', () => {
    const scores = noiseRobustnessScores(queries);
    expect(scores[0]).toBeCloseTo(1 + 2 / 3, 12);
    expect(scores[1]).toBeCloseTo(1 + 1 / 3, 12);
    expect(scores[2]).toBe(0); // wrong on the clean record, however robust its copies
  });

  it('refuses mismatched shapes by name', () => {
    expect(() => augmentationConsistencyScores({ ...queries, views: 3 })).toThrow(/12 predicted labels for 3 records × 3 views/);
    expect(() => noiseRobustnessScores({ ...queries, labels: [1, 0] })).toThrow(/2 labels for 3 records/);
  });
});

describe('drawNoiseBlock', () => {
  it('is seeded and has the asked standard deviation', () => {
    const a = drawNoiseBlock(0.3, 20000, createRng(4, 'noise'));
    expect(drawNoiseBlock(0.3, 20000, createRng(4, 'noise'))).toEqual(a);
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(sd).toBeGreaterThan(0.29);
    expect(sd).toBeLessThan(0.31);
  });
});
