/**
 * DP-SGD (Abadi et al., "Deep Learning with Differential Privacy", arXiv:1607.00133, Algorithm 1):
 * clip each example's gradient to L2 norm C, add Gaussian noise N(0, σ²C²) to the sum, divide by
 * the batch size, and hand the result to the optimiser.
 *
 * What is actually done, and what the accountant (src/core/privacy) must be told:
 *
 * - Sampling. 'poisson' (the default): at every step each of the N training records joins the
 *   batch independently with probability q = B/N, so batch sizes vary around B. Epoch e ends after
 *   step ceil(e·N/B), so E epochs are exactly the ceil(E·N/B) steps the accountant counts. This is
 *   the sampled Gaussian mechanism the RDP analysis assumes (arXiv:1908.10530). 'shuffle': the
 *   same fixed shuffled batches as ordinary training (the last one shorter); the accountant's ε is
 *   then the customary estimate, not a proof (arXiv:2303.00654, §5.6).
 * - Microbatches of size m (TF Privacy's trick when per-example gradients cost too much): the mean
 *   gradient of each microbatch is clipped instead of each example's. With m = 1 every sampled
 *   record is its own microbatch and one record moves the clipped sum by at most C. With m > 1,
 *   Poisson mode spreads the sampled records over K = ceil(B/m) microbatches, each record to a
 *   uniformly random one (so adding a record changes its own microbatch only, never the grouping
 *   of the others); shuffle mode cuts the batch into consecutive groups of m. Either way adding or
 *   removing one record can turn a clipped vector of norm ≤ C into another of norm ≤ C, a change
 *   of up to 2C: the sensitivity doubles, and the noise σ·C buys only an effective noise
 *   multiplier σ/2. DpSgdAccounting.effectiveNoiseMultiplier is the number to give the accountant.
 * - Per-example gradients (m = 1) cost one forward and one backward pass over the whole batch, not
 *   one gradient per example: per-example-grads.ts runs the model's layers with probes, gets every
 *   example's norm from its layer inputs and output gradients (dense: ‖a_i‖²·‖δ_i‖²,
 *   arXiv:1510.01799; convolutions: per-example im2col, or the ghost norm of arXiv:2110.05679 where
 *   cheaper) and forms the clipped sum from the same pass, so dropout draws one mask per batch (the
 *   loop drew one per example). The result equals the loop's to float rounding. A model with a layer
 *   that pass does not know (batch normalisation, say) and every m > 1 go through the loop below,
 *   one tf.variableGrads per microbatch. Noise, divisor and accounting do not depend on the route.
 * - The divisor is a constant, as the analysis needs: the expected batch size B when m = 1 under
 *   Poisson sampling, the number of microbatches K otherwise (TF Privacy divides by it too).
 * - Everything after the noise (Adam, the L2 term, which does not depend on the data) is
 *   post-processing and leaves the guarantee unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { gaussianArray } from './sampling';

import type { DpSgdSettings } from './accounting';
import { clippedSumInOnePass, planFor } from './per-example-grads';

/** One step's work: which training positions form each microbatch, and what to divide the sum by. */
export interface DpSgdBatch {
  readonly microbatches: readonly Int32Array[];
  readonly divisor: number;
}


/** √(Σ‖g‖²) over all tensors of a gradient. */
export function globalNorm(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/** g · min(1, C/‖g‖) with ‖g‖ the norm over all tensors together (arXiv:1607.00133, Algorithm 1). */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], clipNorm: number): tf.Tensor[] {
  if (!(clipNorm > 0)) throw new RangeError(`dp-sgd: clipNorm must be > 0, got ${clipNorm}`);
  return tf.tidy(() => {
    const factor = tf.div(clipNorm, tf.maximum(globalNorm(grads), clipNorm));
    return grads.map((g) => tf.mul(g, factor));
  });
}

/** The gradient of `loss` with respect to `variables` (in their order), clipped to norm C. */
export function clippedGradient(variables: readonly tf.Variable[], loss: () => tf.Scalar, clipNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, [...variables]);
    return clipByGlobalNorm(
      variables.map((v) => grads[v.name]),
      clipNorm,
    );
  });
}

/** Σ_microbatches clip(∇ mean loss of the microbatch), one tf.variableGrads per microbatch; the caller owns them. */
export function microbatchClippedSum(
  variables: readonly tf.Variable[],
  microbatches: readonly Int32Array[],
  lossOf: (positions: Int32Array) => tf.Scalar,
  clipNorm: number,
): tf.Tensor[] {
  let sums: tf.Tensor[] = variables.map((v) => tf.zerosLike(v));
  for (const microbatch of microbatches) {
    const previous = sums;
    sums = tf.tidy(() => {
      const clipped = clippedGradient(variables, () => lossOf(microbatch), clipNorm);
      return previous.map((s, i) => tf.add(s, clipped[i]));
    });
    previous.forEach((s) => s.dispose());
  }
  return sums;
}

/**
 * What the one-pass path needs: the model, and a batch's inputs and (soft) targets built exactly
 * as `lossOf` builds them (augmentation included), for all its positions at once.
 */
export interface BatchedExamples {
  readonly model: tf.LayersModel;
  readonly examplesOf: (positions: Int32Array) => { xs: tf.Tensor4D; targets: tf.Tensor2D };
}

/**
 * Σ_i clip(∇ℓ_i) by clippedSumInOnePass when every microbatch is one example and the model's
 * layers allow it (per-example-grads.ts); undefined otherwise. The positions are taken in the
 * microbatches' order, so augmentation draws its random choices in the same order as the loop.
 */
function onePassClippedSum(
  variables: readonly tf.Variable[],
  batch: DpSgdBatch,
  clipNorm: number,
  batched: BatchedExamples | undefined,
): tf.Tensor[] | undefined {
  if (!batched || batch.microbatches.length === 0 || !batch.microbatches.every((m) => m.length === 1)) return undefined;
  const plan = planFor(batched.model, variables);
  if ('reason' in plan) return undefined;
  const positions = Int32Array.from(batch.microbatches, (m) => m[0]);
  const { xs, targets } = batched.examplesOf(positions);
  try {
    const { norms, sums } = clippedSumInOnePass(plan, variables, xs, targets, clipNorm);
    norms.dispose();
    return sums;
  } finally {
    tf.dispose([xs, targets]);
  }
}

/**
 * (Σ_microbatches clip(∇loss) + N(0, σ²C²·I)) / divisor, one tensor per variable; the caller owns
 * them (arXiv:1607.00133, Algorithm 1). `lossOf(positions)` is the mean loss of those training
 * positions; noise seeds come from `noiseRng`. With `batched`, microbatches of one example are
 * clipped in one pass over the batch (per-example-grads.ts); otherwise, or for a model with a
 * layer that pass does not handle, one gradient per microbatch.
 */
export function privateGradients(
  variables: readonly tf.Variable[],
  batch: DpSgdBatch,
  lossOf: (positions: Int32Array) => tf.Scalar,
  settings: DpSgdSettings,
  noiseRng: Rng,
  batched?: BatchedExamples,
): tf.Tensor[] {
  const sums =
    onePassClippedSum(variables, batch, settings.clipNorm, batched) ?? microbatchClippedSum(variables, batch.microbatches, lossOf, settings.clipNorm);
  const stddev = settings.noiseMultiplier * settings.clipNorm;
  const noisy = tf.tidy(() =>
    sums.map((s) => {
      // The Gaussian mechanism's N(0, σ²C²) per coordinate (Abadi et al., arXiv:1607.00133, Algorithm 1), drawn
      // by the ziggurat from the run's noise stream: tf.randomNormal took as long as the clipped sum itself.
      const noised = stddev > 0 ? tf.add(s, tf.tensor(gaussianArray(noiseRng, s.size, stddev), s.shape, 'float32')) : s;
      return tf.div(noised, batch.divisor);
    }),
  );
  sums.forEach((s) => s.dispose());
  return noisy;
}

/** Steps in epoch `epoch` (1-based) under Poisson sampling: ceil(e·N/B) − ceil((e−1)·N/B). */
export function poissonStepsInEpoch(epoch: number, datasetSize: number, batchSize: number): number {
  const b = Math.min(batchSize, datasetSize);
  return Math.ceil((epoch * datasetSize) / b) - Math.ceil(((epoch - 1) * datasetSize) / b);
}

/** One Poisson-sampled step: each position joins with probability B/N; microbatches as described above. */
export function samplePoissonBatch(datasetSize: number, batchSize: number, microbatchSize: number, rng: Rng): DpSgdBatch {
  const b = Math.min(batchSize, datasetSize);
  const q = b / datasetSize;
  const sampled: number[] = [];
  for (let i = 0; i < datasetSize; i++) if (rng.next() < q) sampled.push(i);
  if (microbatchSize === 1) return { microbatches: sampled.map((i) => Int32Array.of(i)), divisor: b };
  const k = Math.ceil(b / microbatchSize);
  const groups: number[][] = Array.from({ length: k }, () => []);
  for (const i of sampled) groups[rng.nextInt(k)].push(i);
  return { microbatches: groups.filter((g) => g.length > 0).map((g) => Int32Array.from(g)), divisor: k };
}

/** Fixed batches cut from a shuffled order, each into consecutive microbatches of m. */
export function shuffledBatches(order: Int32Array, batchSize: number, microbatchSize: number): DpSgdBatch[] {
  const batches: DpSgdBatch[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    const batch = order.subarray(start, Math.min(start + batchSize, order.length));
    const microbatches: Int32Array[] = [];
    for (let m = 0; m < batch.length; m += microbatchSize) microbatches.push(batch.slice(m, m + microbatchSize));
    batches.push({ microbatches, divisor: microbatches.length });
  }
  return batches;
}

