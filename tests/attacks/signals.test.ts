import { describe, expect, it } from 'vitest';
import {
  confidenceSignal,
  correctnessSignal,
  entropySignal,
  lossSignal,
  modifiedEntropySignal,
  validatePredictions,
  type Predictions,
} from '../../src/core/attacks/signals';
import { createRng } from '../../src/core/random';
import { logSoftmaxRows, softmaxRows } from '../../src/core/math/softmax';
import { predictionsFromRows, predictionsWithTrueProbability } from './prediction-fixtures';

const { log, LN2 } = Math;

// Three classes, hand-computable rows.
//   0: [.7 .2 .1]  label 0   ordinary, right
//   1: [.5 .25 .25] label 1  ordinary, wrong (argmax 0)
//   2: [.4 .4 .2]  label 0   tied argmax, the first (0) wins, so right
//   3: [.4 .4 .2]  label 1   same row, tied argmax goes to 0, so wrong
const ORDINARY = predictionsFromRows(
  [
    [0.7, 0.2, 0.1],
    [0.5, 0.25, 0.25],
    [0.4, 0.4, 0.2],
    [0.4, 0.4, 0.2],
  ],
  [0, 1, 0, 1],
);

// Degenerate rows: one-hot and exact zeros, where a naive log would give −Infinity or NaN.
//   0: [1 0 0]   label 0  certain and right
//   1: [1 0 0]   label 2  certain and wrong: p_y = 0 exactly
//   2: [0 .5 .5] label 0  p_y = 0, the rest split
//   3: [0 0 0]   label 1  all zeros (rows need not sum to 1)
const DEGENERATE = predictionsFromRows(
  [
    [1, 0, 0],
    [1, 0, 0],
    [0, 0.5, 0.5],
    [0, 0, 0],
  ],
  [0, 2, 0, 1],
);

const SIGNALS = {
  loss: lossSignal,
  confidence: confidenceSignal,
  entropy: entropySignal,
  'modified entropy': modifiedEntropySignal,
  correctness: correctnessSignal,
} as const;

function expectAllClose(actual: Float64Array, expected: number[], digits = 14): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(actual[i], `record ${i}`).toBeCloseTo(value, digits));
}

function expectAllFinite(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) expect(Number.isFinite(values[i]), `record ${i} is ${values[i]}`).toBe(true);
}

describe('signals on hand-computed rows', () => {
  it('loss is −log p_y', () => {
    expectAllClose(lossSignal(ORDINARY), [-log(0.7), log(4), log(2.5), log(2.5)]);
  });

  it('confidence is the largest probability, whatever the label, on the logit scale log(p/(1 − p))', () => {
    expectAllClose(confidenceSignal(ORDINARY), [log(0.7 / 0.3), 0, log(0.4 / 0.6), log(0.4 / 0.6)]);
  });

  it('entropy is −Σ p log p in nats', () => {
    const row0 = -(0.7 * log(0.7) + 0.2 * log(0.2) + 0.1 * log(0.1)); // ≈ 0.8018
    const row1 = 1.5 * LN2; // ½·ln 2 + 2·¼·ln 4
    const row2 = -(0.8 * log(0.4) + 0.2 * log(0.2));
    expectAllClose(entropySignal(ORDINARY), [row0, row1, row2, row2]);
    expect(entropySignal(ORDINARY)[0]).toBeCloseTo(0.80182, 5);
  });

  it('modified entropy is −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i)', () => {
    const row0 = -0.3 * log(0.7) - 0.2 * log(0.8) - 0.1 * log(0.9);
    // −¾·ln ¼ − ½·ln ½ − ¼·ln ¾ = 1.5 ln 2 + 0.5 ln 2 + ¼ ln(4/3)
    const row1 = 2 * LN2 + 0.25 * log(4 / 3);
    // Labels 0 and 1 of the same row [.4 .4 .2] are symmetric: the same value.
    const row2 = -0.6 * log(0.4) - 0.4 * log(0.6) - 0.2 * log(0.8);
    expectAllClose(modifiedEntropySignal(ORDINARY), [row0, row1, row2, row2]);
  });

  it('correctness is 1 iff the argmax (first on ties) is the label', () => {
    expect(Array.from(correctnessSignal(ORDINARY))).toEqual([1, 0, 1, 0]);
  });

  it('modified entropy, unlike entropy, separates confidently right from confidently wrong', () => {
    const rows = predictionsFromRows(
      [
        [0.98, 0.01, 0.01],
        [0.98, 0.01, 0.01],
      ],
      [0, 1],
    );
    const entropy = entropySignal(rows);
    const mentr = modifiedEntropySignal(rows);
    expect(entropy[0]).toBe(entropy[1]);
    expect(mentr[0]).toBeLessThan(0.1);
    expect(mentr[1]).toBeGreaterThan(3); // −.99·ln .01 − .98·ln .02 ≈ 8.4
  });

  it('returns one value per record and nothing for no records', () => {
    const empty: Predictions = { probabilities: new Float64Array(0), labels: [], count: 0, numClasses: 3 };
    for (const signal of Object.values(SIGNALS)) {
      expect(signal(ORDINARY).length).toBe(4);
      expect(signal(empty).length).toBe(0);
    }
  });
});

describe('signals on one-hot and zero-probability rows', () => {
  it('never give NaN or Infinity', () => {
    for (const [name, signal] of Object.entries(SIGNALS)) {
      const values = signal(DEGENERATE);
      expect(values.length, name).toBe(4);
      expectAllFinite(values);
    }
  });

  it('give the limits: 0·log 0 = 0, a certain right answer has loss and entropies exactly +0', () => {
    const loss = lossSignal(DEGENERATE);
    const entropy = entropySignal(DEGENERATE);
    const mentr = modifiedEntropySignal(DEGENERATE);
    expect(Object.is(loss[0], 0)).toBe(true); // +0, not −0
    expect(Object.is(entropy[0], 0)).toBe(true);
    expect(Object.is(mentr[0], 0)).toBe(true);
    expect(entropy[1]).toBe(0);
    expect(entropy[2]).toBeCloseTo(LN2, 15);
    expect(entropy[3]).toBe(0);
    // p_max = 1 sits at −log 0 (the floor, negated), ½ at 0, an all-zero row at the floor.
    const floor = Math.log(Number.MIN_VALUE) - LN2;
    expect(Array.from(confidenceSignal(DEGENERATE))).toEqual([-floor, -floor, 0, floor]);
    expect(Array.from(correctnessSignal(DEGENERATE))).toEqual([1, 0, 0, 0]);
  });

  it('floor log 0 at a large finite loss, the same wherever it appears', () => {
    const loss = lossSignal(DEGENERATE);
    const mentr = modifiedEntropySignal(DEGENERATE);
    const floorLoss = loss[1]; // −log 0, floored
    expect(floorLoss).toBeGreaterThan(700);
    expect(loss[2]).toBe(floorLoss);
    expect(loss[3]).toBe(floorLoss);
    // Certain and wrong: −1·log 0 for the label, −1·log(1 − 1) for the wrong class.
    expect(mentr[1]).toBe(2 * floorLoss);
    // p_y = 0 and the rest split: −log 0 − 2·½·ln ½.
    expect(mentr[2]).toBeCloseTo(floorLoss + LN2, 10);
  });

  it('rank an exact 0 strictly below every positive probability, subnormals included', () => {
    const pTrue = [0.5, 1e-300, 1e-320, Number.MIN_VALUE, 0];
    const loss = lossSignal(predictionsFromRows(pTrue.map((p) => [p, 1 - p]), pTrue.map(() => 0)));
    for (let i = 1; i < loss.length; i++) expect(loss[i], `p = ${pTrue[i]}`).toBeGreaterThan(loss[i - 1]);
    expectAllFinite(loss);
  });

  it('tolerate float32 rounding just outside [0, 1] without NaN', () => {
    const rows = predictionsFromRows(
      [
        [1 + 5e-7, -5e-7],
        [-5e-7, 1 + 5e-7],
      ],
      [0, 0],
    );
    for (const signal of Object.values(SIGNALS)) expectAllFinite(signal(rows));
  });

  it('stay finite on many seeded rows with random exact zeros', () => {
    const rng = createRng(7, 'signals/zeros');
    const predictions = predictionsWithTrueProbability(rng, 500, 5, 0, 1);
    const probabilities = predictions.probabilities;
    for (let i = 0; i < probabilities.length; i++) if (rng.next() < 0.3) probabilities[i] = rng.next() < 0.5 ? 0 : 1;
    for (const signal of Object.values(SIGNALS)) expectAllFinite(signal(predictions));
  });
});

describe('validatePredictions', () => {
  const valid = (): Predictions => predictionsFromRows([[0.6, 0.4], [0.1, 0.9]], [0, 1]);

  it('accepts well-formed predictions, rows that do not sum to 1, and float32 rounding', () => {
    expect(() => validatePredictions(valid())).not.toThrow();
    expect(() => validatePredictions(predictionsFromRows([[0.3, 0.3]], [1]))).not.toThrow();
    expect(() => validatePredictions(predictionsFromRows([[1 + 1e-7, -1e-7]], [0]))).not.toThrow();
  });

  it('rejects shapes that disagree', () => {
    expect(() => validatePredictions({ ...valid(), probabilities: new Float64Array(3) })).toThrow(
      /probabilities has 3 entries; count × numClasses = 2 × 2 needs 4/,
    );
    expect(() => validatePredictions({ ...valid(), labels: [0] })).toThrow(/labels has 1 entries; count is 2/);
    expect(() => validatePredictions({ ...valid(), count: 1.5 })).toThrow(/count is 1.5/);
    expect(() => validatePredictions({ ...valid(), count: -1 })).toThrow(/count is -1/);
    expect(() => validatePredictions({ ...valid(), numClasses: 0, probabilities: new Float64Array(0) })).toThrow(
      /numClasses is 0/,
    );
  });

  it('rejects labels that are not class indices', () => {
    expect(() => validatePredictions({ ...valid(), labels: [0, 2] })).toThrow(/labels\[1\] is 2; it must be a class index in \[0, 2\)/);
    expect(() => validatePredictions({ ...valid(), labels: [-1, 0] })).toThrow(/labels\[0\] is -1/);
    expect(() => validatePredictions({ ...valid(), labels: [0, 0.5] })).toThrow(/labels\[1\] is 0.5/);
    expect(() => validatePredictions({ ...valid(), labels: [NaN, 0] })).toThrow(/labels\[0\] is NaN/);
  });

  it('rejects NaN, infinite and out-of-range probabilities, naming the record and class', () => {
    const withProbability = (p: number) => ({ ...valid(), probabilities: Float64Array.from([0.6, 0.4, p, 0.9]) });
    expect(() => validatePredictions(withProbability(NaN))).toThrow(/probabilities of record 1, class 0, is NaN/);
    expect(() => validatePredictions(withProbability(Infinity))).toThrow(/record 1, class 0, is Infinity/);
    expect(() => validatePredictions(withProbability(1.5))).toThrow(/must lie in \[0, 1\]/);
    expect(() => validatePredictions(withProbability(-0.01))).toThrow(/is -0.01/);
  });

  it('throws RangeError, and every signal validates before computing', () => {
    const bad = { ...valid(), labels: [0, 5] };
    expect(() => validatePredictions(bad)).toThrow(RangeError);
    for (const [name, signal] of Object.entries(SIGNALS)) expect(() => signal(bad), name).toThrow(RangeError);
    const nan = { ...valid(), probabilities: Float64Array.from([NaN, 0.4, 0.1, 0.9]) };
    for (const [name, signal] of Object.entries(SIGNALS)) expect(() => signal(nan), name).toThrow(/NaN/);
  });
});

describe('signals from logits (log-probabilities) keep memorised records apart', () => {
  // Margins of 50 and 45 nats: softmax in float64 gives p_y = 1 exactly for both (e^−45 ≈ 2.9e−20
  // is below half an ulp of 1), so every probability-based signal ties them.
  const logits = Float32Array.from([50, 0, 0, 45, 0, 0]);
  const fromLogits: Predictions = { probabilities: softmaxRows(logits, 2, 3), logProbabilities: logSoftmaxRows(logits, 2, 3), labels: [0, 0], count: 2, numClasses: 3 };
  const fromProbabilities: Predictions = { probabilities: fromLogits.probabilities, labels: [0, 0], count: 2, numClasses: 3 };

  it('log-softmax is exact where softmax rounds to 1', () => {
    expect(fromLogits.probabilities[0]).toBe(1);
    expect(fromLogits.probabilities[3]).toBe(1);
    const logP = logSoftmaxRows(logits, 2, 3);
    // log p_y = −log1p(2e^−m) ≈ −2e^−m; log p_other = −m − log1p(2e^−m) ≈ −m.
    expect(logP[0] / (-2 * Math.exp(-50))).toBeCloseTo(1, 12);
    expect(logP[3] / (-2 * Math.exp(-45))).toBeCloseTo(1, 12);
    expect(logP[1]).toBeCloseTo(-50, 12);
  });

  it('loss is logsumexp(z) − z_y: distinct from logits, tied from probabilities', () => {
    const loss = lossSignal(fromLogits);
    expect(loss[0] / (2 * Math.exp(-50))).toBeCloseTo(1, 12);
    expect(loss[1] / (2 * Math.exp(-45))).toBeCloseTo(1, 12);
    expect(loss[0]).toBeLessThan(loss[1]);
    const tied = lossSignal(fromProbabilities);
    expect(tied[0]).toBe(tied[1]);
  });

  it('modified entropy and confidence use 1 − p_y as the other classes\' mass', () => {
    const mentr = modifiedEntropySignal(fromLogits);
    expect(mentr[0]).toBeLessThan(mentr[1]);
    expect(mentr[0]).toBeGreaterThan(0);
    const confidence = confidenceSignal(fromLogits);
    // log(p/(1 − p)) = log p_y − log(2e^−m) ≈ m − ln 2.
    expect(confidence[0]).toBeCloseTo(50 - LN2, 10);
    expect(confidence[1]).toBeCloseTo(45 - LN2, 10);
    const tied = modifiedEntropySignal(fromProbabilities);
    expect(tied[0]).toBe(tied[1]);
  });

  it('agree with the probability path on ordinary rows', () => {
    const rng = createRng(3, 'signals/logits');
    const z = Float32Array.from({ length: 40 * 4 }, () => 4 * (rng.next() - 0.5));
    const labels = Array.from({ length: 40 }, () => rng.nextInt(4));
    const withLogits: Predictions = { probabilities: softmaxRows(z, 40, 4), logProbabilities: logSoftmaxRows(z, 40, 4), labels, count: 40, numClasses: 4 };
    const without: Predictions = { probabilities: withLogits.probabilities, labels, count: 40, numClasses: 4 };
    for (const signal of [lossSignal, confidenceSignal, entropySignal, modifiedEntropySignal, correctnessSignal]) {
      const a = signal(withLogits);
      const b = signal(without);
      for (let i = 0; i < 40; i++) expect(a[i]).toBeCloseTo(b[i], 10);
    }
  });
});
