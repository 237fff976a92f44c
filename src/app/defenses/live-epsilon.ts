/**
 * DP-SGD's ε while the sliders move: the accountant (computeDpSgdEpsilon, RDP of the sampled
 * Gaussian, Balle et al. conversion) on the schedule the target will train with, from the same
 * rules the training loop records after it (core/defenses/accounting.ts plannedDpSgdAccounting):
 * N less the early-stopping slice, σ/2 for microbatches of m > 1, Poisson sampling assumed (with
 * "shuffle" the figure is only the customary estimate). Early stopping may stop sooner, so the ε
 * shown is then an upper bound on the one the run will report.
 */
import type { ExperimentConfig } from '../../core/config';
import { plannedDpSgdAccounting } from '../../core/defenses/accounting';
import { resolveDefenses } from '../../core/defenses/registry';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from '../../core/privacy/dp-sgd';

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

export function liveDpSgdEpsilon(config: ExperimentConfig, delta = PRIVACY_DELTA): LiveEpsilon {
  const planned = plannedDpSgdAccounting(config);
  if (!planned) return { kind: 'none' };
  try {
    const figures = computeDpSgdEpsilon({
      datasetSize: planned.datasetSize,
      batchSize: planned.batchSize,
      epochs: planned.epochs,
      delta,
      noiseMultiplier: planned.effectiveNoiseMultiplier,
    });
    return {
      kind: 'epsilon',
      epsilon: figures.epsilon,
      order: figures.order,
      delta,
      datasetSize: planned.datasetSize,
      batchSize: planned.batchSize,
      epochs: config.target.epochs,
      steps: figures.steps,
      samplingRate: figures.samplingRate,
      noiseMultiplier: planned.noiseMultiplier,
      effectiveNoiseMultiplier: planned.effectiveNoiseMultiplier,
      poisson: planned.samplingMatchesAccountant,
      upperBound: resolveDefenses(config.defenses)['early-stopping'] !== undefined,
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

