/** Small, seeded prediction sets for the attack tests: plain numbers, no TensorFlow. */
import type { MembershipSplit } from '../../src/core/attacks/evaluate';
import type { Predictions } from '../../src/core/attacks/signals';
import { permutation, type Rng } from '../../src/core/random';

/** Predictions from hand-written probability rows (one per record) and labels. */
export function predictionsFromRows(rows: readonly (readonly number[])[], labels: readonly number[]): Predictions {
  const numClasses = rows[0]?.length ?? 1;
  return { probabilities: Float64Array.from(rows.flat()), labels: Int32Array.from(labels), count: rows.length, numClasses };
}

/** Two-class predictions whose probability on the true label (class 0) is `pTrue[i]`. */
export function binaryPredictions(pTrue: readonly number[]): Predictions {
  return predictionsFromRows(
    pTrue.map((p) => [p, 1 - p]),
    pTrue.map(() => 0),
  );
}

/** Spread `mass` over the `numClasses` entries of `row` other than `skip`, randomly. */
function spreadRest(row: Float64Array, skip: number, mass: number, rng: Rng): void {
  const weights = Array.from(row, (_, i) => (i === skip ? 0 : rng.next() + 1e-3));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < row.length; i++) if (i !== skip) row[i] = (mass * weights[i]) / total;
}

/**
 * `count` records over `numClasses` classes, exactly `correctCount` of them classified right (in a
 * random order). The top class always holds at least half the mass, so the argmax is never tied.
 */
export function predictionsWithAccuracy(rng: Rng, count: number, numClasses: number, correctCount: number): Predictions {
  const probabilities = new Float64Array(count * numClasses);
  const labels = new Int32Array(count);
  const order = permutation(count, rng);
  for (let k = 0; k < count; k++) {
    const i = order[k];
    const label = rng.nextInt(numClasses);
    const top = k < correctCount ? label : (label + 1 + rng.nextInt(numClasses - 1)) % numClasses;
    const row = probabilities.subarray(i * numClasses, (i + 1) * numClasses);
    const pTop = 0.5 + 0.49 * rng.next();
    row[top] = pTop;
    spreadRest(row, top, 1 - pTop, rng);
    labels[i] = label;
  }
  return { probabilities, labels, count, numClasses };
}

/** Records whose true-label probability is drawn from [low, high); the rest spread at random. */
export function predictionsWithTrueProbability(rng: Rng, count: number, numClasses: number, low: number, high: number): Predictions {
  const probabilities = new Float64Array(count * numClasses);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = rng.nextInt(numClasses);
    const row = probabilities.subarray(i * numClasses, (i + 1) * numClasses);
    row[label] = low + (high - low) * rng.next();
    spreadRest(row, label, 1 - row[label], rng);
    labels[i] = label;
  }
  return { probabilities, labels, count, numClasses };
}

/** An overfit model's split: members get confident right answers, non-members hesitant ones. */
export function overfitSplit(rng: Rng, count: number, numClasses = 10): MembershipSplit {
  return {
    members: predictionsWithTrueProbability(rng, count, numClasses, 0.7, 0.999),
    nonMembers: predictionsWithTrueProbability(rng, count, numClasses, 0.05, 0.75),
  };
}
