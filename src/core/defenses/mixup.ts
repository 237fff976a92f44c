/**
 * Mixup (Zhang et al., arXiv:1710.09412): train on x̃ = λx_i + (1 − λ)x_j and ỹ = λy_i + (1 − λ)y_j
 * with λ ~ Beta(α, α) and j a random partner from the same batch. Here each example draws its own
 * λ (the paper draws one per batch; per example gives the same expected mix with less variance on
 * small batches). Targets are convex combinations of one-hot vectors, so each sums to 1.
 */
import * as tf from '@tensorflow/tfjs';
import { permutation, type Rng } from '../random';
import { beta } from './sampling';

export interface MixupPlan {
  /** λ_i ∈ [0, 1] for example i. */
  readonly lambdas: Float32Array;
  /** The partner j of example i: a permutation of the batch. */
  readonly partners: Int32Array;
}

export function drawMixup(count: number, alpha: number, rng: Rng): MixupPlan {
  if (!(alpha > 0)) throw new RangeError(`mixup: alpha must be > 0, got ${alpha}`);
  const lambdas = new Float32Array(count);
  for (let i = 0; i < count; i++) lambdas[i] = beta(alpha, alpha, rng);
  return { lambdas, partners: permutation(count, rng) };
}

/** The mixed batch: images [n, h, w, c] and soft targets [n, classes], each row summing to 1. */
export function mixBatch(xs: tf.Tensor4D, targets: tf.Tensor2D, plan: MixupPlan): { xs: tf.Tensor4D; targets: tf.Tensor2D } {
  return tf.tidy(() => {
    const n = xs.shape[0];
    const partners = tf.tensor1d(plan.partners, 'int32');
    const lambda = tf.tensor1d(plan.lambdas);
    // x̃ = λx + (1 − λ)x' (arXiv:1710.09412, eq. 1)
    const mix = <T extends tf.Tensor>(a: T, shape: number[]): T => {
      const l = lambda.reshape(shape);
      return tf.add(tf.mul(l, a), tf.mul(tf.sub(1, l), tf.gather(a, partners))) as T;
    };
    return { xs: mix(xs, [n, 1, 1, 1]), targets: mix(targets, [n, 1]) };
  });
}
