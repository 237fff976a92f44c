/**
 * DP-SGD's ε while the sliders move: the accountant (computeDpSgdEpsilon, RDP of the sampled
 * Gaussian, Balle et al. conversion) on the schedule the target will train with. It mirrors what
 * the core records after training (models/train.ts, defenses/dp-sgd.ts dpSgdAccounting):
 * - N is the target's training part, less the early-stopping validation slice when that is on
 *   (those records are never trained on);
 * - B is the target's batch size (at most N); E its epochs (early stopping may stop sooner, so
 *   the ε shown is then an upper bound on the one the run will report);
 * - microbatches of m > 1 records double the sensitivity, so the effective noise multiplier is σ/2;
 * - the accountant assumes Poisson sampling; with "shuffle" the figure is only the customary estimate.
 */
import type { ExperimentConfig } from '../../core/config';
import { resolveDefenses } from '../../core/defenses/registry';
import { computeDpSgdEpsilon } from '../../core/privacy/dp-sgd';

/**
 * δ of the (ε, δ) guarantee: the core's PRIVACY_DELTA (experiment.ts), repeated here because that
 * module pulls TensorFlow.js into the page (a test checks the two agree).
 */
export const LIVE_DELTA = 1e-5;

export type LiveEpsilon =
  | {
      readonly kind: 'epsilon';
      readonly epsilon: number;
      readonly order: number;
      readonly delta: number;
      readonly datasetSize: number;
      readonly batchSize: number;
      readonly epochs: number;
      readonly steps: number;
      readonly samplingRate: number;
      readonly noiseMultiplier: number;
      readonly effectiveNoiseMultiplier: number;
      readonly poisson: boolean;
      /** Early stopping is on: the run may stop sooner and report a smaller ε. */
      readonly upperBound: boolean;
    }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Records of `count` the early-stopping slice holds out (models/train.ts: validationSlice). */
export function validationSliceSize(count: number, fraction: number): number {
  return Math.min(count - 1, Math.max(1, Math.round(fraction * count)));
}

export function liveDpSgdEpsilon(config: ExperimentConfig, delta = LIVE_DELTA): LiveEpsilon {
  const defenses = resolveDefenses(config.defenses);
  const dp = defenses['dp-sgd'];
  if (!dp) return { kind: 'none' };
  const stopping = defenses['early-stopping'];
  const datasetSize = config.partSize - (stopping ? validationSliceSize(config.partSize, stopping.validationFraction) : 0);
  const batchSize = Math.min(config.target.batchSize, datasetSize);
  const sensitivity = dp.microbatchSize === 1 ? dp.clipNorm : 2 * dp.clipNorm;
  const effectiveNoiseMultiplier = (dp.noiseMultiplier * dp.clipNorm) / sensitivity;
  const poisson = dp.sampling === 'poisson';
  // Shuffled batches: ceil(N/B) steps of B records per epoch, which the accountant reads as this many epochs.
  const epochs = poisson ? config.target.epochs : (config.target.epochs * Math.ceil(datasetSize / batchSize) * batchSize) / datasetSize;
  try {
    const figures = computeDpSgdEpsilon({ datasetSize, batchSize, epochs, delta, noiseMultiplier: effectiveNoiseMultiplier });
    return {
      kind: 'epsilon',
      epsilon: figures.epsilon,
      order: figures.order,
      delta,
      datasetSize,
      batchSize,
      epochs: config.target.epochs,
      steps: figures.steps,
      samplingRate: figures.samplingRate,
      noiseMultiplier: dp.noiseMultiplier,
      effectiveNoiseMultiplier,
      poisson,
      upperBound: stopping !== undefined,
    };
  } catch (error) {
    return { kind: 'invalid', reason: (error as Error).message };
  }
}

/** "ε = 2.31", "ε = ∞" (no noise), or "ε > 1000". */
export function formatEpsilon(epsilon: number): string {
  if (epsilon === Infinity) return 'ε = ∞';
  if (!Number.isFinite(epsilon)) return 'ε unknown';
  if (epsilon > 1000) return 'ε > 1000';
  return `ε = ${epsilon < 10 ? epsilon.toFixed(2) : epsilon.toFixed(1)}`;
}

