/**
 * Dropout with seeded masks (Hinton et al., arXiv:1207.0580): in training, each unit is zeroed
 * with probability `rate` and the survivors are scaled by 1/(1 − rate); in prediction the layer is
 * the identity. tf.layers.dropout cannot be used here: given a seed it draws the SAME mask at every
 * step, and without one it draws from Math.random, which no config can reproduce. This layer draws
 * a fresh seed for each training call from a generator fixed at construction.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../random';

export interface SeededDropoutArgs {
  /** Fraction of units dropped, in [0, 1). */
  readonly rate: number;
  /** Seeds the sequence of masks. */
  readonly seed: number;
  readonly name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'MiaLabSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private readonly rng: Rng;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.rng = createRng(args.seed, 'dropout-masks');
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate === 0) return input;
    const seed = this.rng.nextSeed();
    return tf.tidy(() => tf.dropout(input, this.rate, undefined, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/** A SeededDropout layer, or none when `rate` is 0 or absent. */
export function seededDropout(rate: number | undefined, rng: Rng): SeededDropout[] {
  return rate && rate > 0 ? [new SeededDropout({ rate, seed: rng.nextSeed() })] : [];
}
