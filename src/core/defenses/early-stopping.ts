/**
 * Early stopping (evaluated as a membership-inference defense by Song & Mittal, arXiv:2003.10595):
 * a seeded slice of the training part is held out, its loss watched after every epoch, training
 * stops after `patience` epochs without a new best and the best epoch's weights are restored.
 *
 * The held-out records are never trained on, so they are not members; they are not the target's
 * test part either. The experiment must leave them out of the attack: validationSlice gives the
 * same positions trainClassifier uses, and selectRecords drops them from a prediction set.
 */
import { validationSliceSize } from './accounting';
import * as tf from '@tensorflow/tfjs';
import type { Predictions } from '../attacks/signals';
import { createRng, permutation } from '../random';

export interface ValidationSplit {
  /** Positions in the training part that are trained on (the members), ascending. */
  readonly train: Int32Array;
  /** Positions held out for validation (neither members nor non-members), ascending. */
  readonly validation: Int32Array;
}

/** round(fraction·count) records (at least 1, leaving at least 1 to train on), chosen by `seed`. */
export function validationSlice(count: number, fraction: number, seed: number): ValidationSplit {
  if (!Number.isInteger(count) || count < 2) throw new RangeError(`early-stopping: needs at least 2 training records, got ${count}`);
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`early-stopping: validationFraction must be in (0, 1), got ${fraction}`);
  const size = validationSliceSize(count, fraction);
  const order = permutation(count, createRng(seed, 'early-stopping/validation'));
  const sorted = (a: Int32Array) => a.sort();
  return { train: sorted(order.slice(size)), validation: sorted(order.slice(0, size)) };
}

/** The records at `positions` (in that order): for dropping the validation slice before the attack. */
export function selectRecords(predictions: Predictions, positions: ArrayLike<number>): Predictions {
  const { numClasses } = predictions;
  const from = predictions.probabilities;
  const fromLog = predictions.logProbabilities;
  const probabilities = new Float64Array(positions.length * numClasses);
  const labels = new Uint8Array(positions.length);
  const logProbabilities = fromLog && new Float64Array(positions.length * numClasses);
  // Row by row in plain loops: a re-run selects every evaluated record of the target (issue 10),
  // where two subarray views a row cost more than the copy.
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= predictions.count) throw new RangeError(`selectRecords: position ${p} is outside 0..${predictions.count - 1}`);
    for (let c = 0; c < numClasses; c++) probabilities[i * numClasses + c] = from[p * numClasses + c];
    if (logProbabilities && fromLog) for (let c = 0; c < numClasses; c++) logProbabilities[i * numClasses + c] = fromLog[p * numClasses + c];
    labels[i] = predictions.labels[p];
  }
  return { probabilities, ...(logProbabilities ? { logProbabilities } : {}), labels, count: positions.length, numClasses };
}

/** Tracks the best validation loss and keeps a copy of the weights that reached it. */
export class BestWeights {
  private weights: tf.Tensor[] | null = null;
  private bestLoss = Infinity;
  bestEpoch = 0;

  constructor(readonly patience: number) {}

  /** Records the epoch's validation loss; returns true when training should stop. */
  update(model: tf.LayersModel, epoch: number, validationLoss: number): boolean {
    if (validationLoss < this.bestLoss) {
      this.bestLoss = validationLoss;
      this.bestEpoch = epoch;
      this.dispose();
      this.weights = model.getWeights().map((w) => w.clone());
      return false;
    }
    return epoch - this.bestEpoch >= this.patience;
  }

  /** Puts the best weights back into `model`. */
  restore(model: tf.LayersModel): void {
    if (this.weights) model.setWeights(this.weights);
  }

  dispose(): void {
    this.weights?.forEach((w) => w.dispose());
    this.weights = null;
  }
}
