import { describe, expect, it } from 'vitest';
import { logSumExp, softmaxAt, softmaxRows } from '../src/core/math/softmax';

describe('logSumExp', () => {
  it('matches hand-computed values, with and without a class left out', () => {
    // log(e^0 + e^{ln 3}) = log 4; leaving out class 1 leaves log(e^0) = 0.
    expect(logSumExp([0, Math.log(3)], 0, 2)).toBeCloseTo(Math.log(4), 14);
    expect(logSumExp([0, Math.log(3)], 0, 2, 1)).toBe(0);
    // The row at offset 3 of a flat array: log(1 + 1 + 2) with entries 0, 0, ln 2.
    expect(logSumExp([9, 9, 9, 0, 0, Math.LN2], 3, 3)).toBeCloseTo(Math.log(4), 14);
  });

  it('does not overflow on large logits', () => {
    expect(logSumExp([1000, 1000], 0, 2)).toBeCloseTo(1000 + Math.LN2, 10);
    expect(logSumExp([-1000, 1000, 0], 0, 3, 1)).toBeCloseTo(0, 10);
  });

  it('agrees with softmaxRows: log p_c = z_c − logSumExp', () => {
    const logits = Float32Array.from([0.5, -1, 2, 3, 3, -7]);
    const p = softmaxRows(logits, 2, 3);
    for (let i = 0; i < 6; i++) {
      const offset = Math.floor(i / 3) * 3;
      expect(Math.log(p[i])).toBeCloseTo(logits[i] - logSumExp(logits, offset, 3), 12);
      expect(softmaxAt(logits, offset, 3, i - offset)).toBeCloseTo(p[i], 14);
    }
  });
});
