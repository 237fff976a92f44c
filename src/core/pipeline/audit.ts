/**
 * Stage audit: the privacy figures of the run — under DP-SGD the accountant's guarantee for the
 * target (RDP of the sampled Gaussian, Mironov et al., arXiv:1908.10530; Balle et al.'s conversion,
 * arXiv:1905.09982), and for every attack an empirical lower bound on ε from its TPR and FPR
 * (Jagielski et al., arXiv:2006.07709).
 */
import type { AttackResult } from '../attacks/evaluate';
import { empiricalEpsilon } from '../privacy/audit';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from '../privacy/dp-sgd';
import type { RunContext } from './context';
import type { TrainedModelRecord } from './trained-model';
import type { PrivacySummary } from './types';

export async function auditPrivacy(ctx: RunContext, target: TrainedModelRecord, attacks: readonly AttackResult[]): Promise<PrivacySummary> {
  return ctx.stage('audit', async () => {
    const dp = target.dpSgd;
    const accountant = dp
      ? (() => {
          const figures = computeDpSgdEpsilon({ datasetSize: dp.datasetSize, batchSize: dp.batchSize, epochs: dp.epochs, delta: PRIVACY_DELTA, noiseMultiplier: dp.effectiveNoiseMultiplier });
          return {
            epsilon: figures.epsilon,
            order: figures.order,
            noiseMultiplier: dp.noiseMultiplier,
            effectiveNoiseMultiplier: dp.effectiveNoiseMultiplier,
            steps: figures.steps,
            samplingRate: figures.samplingRate,
            samplingMatchesAccountant: dp.samplingMatchesAccountant,
          };
        })()
      : undefined;
    const empirical = attacks
      .filter((a) => a.name !== 'random')
      .map((a) => {
        const bound = empiricalEpsilon({ memberScores: a.memberScores, nonMemberScores: a.nonMemberScores, delta: PRIVACY_DELTA });
        return { attack: a.name, epsilon: bound.epsilon, threshold: bound.threshold };
      });
    return { delta: PRIVACY_DELTA, ...(accountant ? { accountant } : {}), empirical };
  });
}
