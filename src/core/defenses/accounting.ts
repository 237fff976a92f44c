/**
 * What DP-SGD tells the privacy accountant (Abadi et al., arXiv:1607.00133): which records, how
 * many steps, at what sampling rate and effective noise. TensorFlow-free, so the page can show ε
 * before a run (plannedDpSgdAccounting) from the same rules the training loop records after it.
 */
import type { ExperimentConfig } from '../config';
import { resolveDefenses, type DefenseParams } from './registry';

export type DpSgdSettings = DefenseParams['dp-sgd'];

/** The numbers the privacy accountant needs (computeDpSgdEpsilon in src/core/privacy/dp-sgd.ts). */
export interface DpSgdAccounting {
  readonly sampling: 'poisson' | 'shuffle';
  /** N: records actually trained on (an early-stopping validation slice is not among them). */
  readonly datasetSize: number;
  /** B: the expected (Poisson) or fixed (shuffle) batch size, at most N. */
  readonly batchSize: number;
  /** Epochs to give the accountant: ceil(epochs·N/B) equals `steps` (fractional under shuffle). */
  readonly epochs: number;
  /** Noisy steps actually taken (up to an early stop). */
  readonly steps: number;
  readonly clipNorm: number;
  /** σ as configured: the noise added has standard deviation σ·C. */
  readonly noiseMultiplier: number;
  readonly microbatchSize: number;
  /** L2 sensitivity of the clipped sum to one record: C when m = 1, 2C when m > 1. */
  readonly sensitivity: number;
  /** σ·C / sensitivity: the noise multiplier the accountant must use. */
  readonly effectiveNoiseMultiplier: number;
  /** True when the accountant's sampling assumption holds (Poisson); false for shuffled batches. */
  readonly samplingMatchesAccountant: boolean;
}

/** What the accountant must be told after `steps` steps over `epochsCompleted` epochs. */
export function dpSgdAccounting(settings: DpSgdSettings, datasetSize: number, batchSize: number, steps: number, epochsCompleted: number): DpSgdAccounting {
  const b = Math.min(batchSize, datasetSize);
  const sensitivity = settings.microbatchSize === 1 ? settings.clipNorm : 2 * settings.clipNorm;
  const poisson = settings.sampling === 'poisson';
  return {
    sampling: settings.sampling,
    datasetSize,
    batchSize: b,
    epochs: poisson ? epochsCompleted : (steps * b) / datasetSize,
    steps,
    clipNorm: settings.clipNorm,
    noiseMultiplier: settings.noiseMultiplier,
    microbatchSize: settings.microbatchSize,
    sensitivity,
    effectiveNoiseMultiplier: (settings.noiseMultiplier * settings.clipNorm) / sensitivity,
    samplingMatchesAccountant: poisson,
  };
}

/** Records of a training part of `count` that early stopping holds out for validation (never trained on). */
export function validationSliceSize(count: number, fraction: number): number {
  return Math.min(count - 1, Math.max(1, Math.round(fraction * count)));
}

/**
 * The accounting a config's target will have if it trains all its epochs (early stopping can only
 * stop sooner, so the ε from this is then an upper bound): N is the target's part less the
 * early-stopping slice; Poisson sampling takes ceil(E·N/B) steps, shuffled batches E·ceil(N/B).
 */
export function plannedDpSgdAccounting(config: ExperimentConfig): DpSgdAccounting | undefined {
  const defenses = resolveDefenses(config.defenses);
  const dp = defenses['dp-sgd'];
  if (!dp) return undefined;
  const stopping = defenses['early-stopping'];
  const datasetSize = config.partSize - (stopping ? validationSliceSize(config.partSize, stopping.validationFraction) : 0);
  const batchSize = Math.min(config.target.batchSize, datasetSize);
  const epochs = config.target.epochs;
  const steps = dp.sampling === 'poisson' ? Math.ceil((epochs * datasetSize) / batchSize) : epochs * Math.ceil(datasetSize / batchSize);
  return dpSgdAccounting(dp, datasetSize, batchSize, steps, epochs);
}
