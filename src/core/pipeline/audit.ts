/**
 * Stage audit: the privacy figures of the run —
 * - under DP-SGD, the accountant's guarantee for the target (RDP of the sampled Gaussian, Mironov
 *   et al., arXiv:1908.10530; Balle et al.'s conversion, arXiv:1905.09982), with μ-GDP by the CLT
 *   (Dong, Roth & Su, arXiv:1905.02383) for the ROC chart where the sampling is Poisson;
 * - for every attack, a HEURISTIC ε lower bound at the threshold it calibrated without the
 *   target's membership (Jagielski et al., arXiv:2006.07709; privacy/audit.ts);
 * - when config.audit.canaries > 0, the one-run audit (Steinke, Nasr & Jagielski,
 *   arXiv:2305.08846): the canaries the target trained on by their coins, scored by the target's
 *   loss on their wrong labels, guessed and counted.
 */
import type { AttackResult } from '../attacks/evaluate';
import type { ExperimentConfig } from '../config';
import { predictLogits } from '../models/predict';
import { HEURISTIC_EPSILON_NOTE, heuristicEpsilon } from '../privacy/audit';
import { canaryImages, canaryScores, drawCanaries, type Canaries } from '../privacy/canaries';
import { dpSgdGdpMu } from '../privacy/dp-region';
import { computeDpSgdEpsilon, PRIVACY_DELTA } from '../privacy/dp-sgd';
import { runOneRunAudit } from '../privacy/one-run-audit';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import type { RunPlan } from './plan';
import { withModel, type TrainedModelRecord } from './trained-model';
import type { PrivacySummary } from './types';

/** The run's canaries, the same in the train-target stage (which trains on the IN ones) and here; undefined when the audit is off. */
export function runCanaries(config: ExperimentConfig, data: PipelineData): Canaries | undefined {
  if (config.audit.canaries === 0) return undefined;
  const { dataset, split } = data;
  return drawCanaries(dataset.count, split, dataset.labels, dataset.numClasses, config.audit.canaries, config.seed);
}

function accountantFigures(target: TrainedModelRecord): PrivacySummary['accountant'] {
  const dp = target.dpSgd;
  if (!dp) return undefined;
  const figures = computeDpSgdEpsilon({ datasetSize: dp.datasetSize, batchSize: dp.batchSize, epochs: dp.epochs, delta: PRIVACY_DELTA, noiseMultiplier: dp.effectiveNoiseMultiplier });
  return {
    epsilon: figures.epsilon,
    order: figures.order,
    noiseMultiplier: dp.noiseMultiplier,
    effectiveNoiseMultiplier: dp.effectiveNoiseMultiplier,
    steps: figures.steps,
    samplingRate: figures.samplingRate,
    samplingMatchesAccountant: dp.samplingMatchesAccountant,
    ...(dp.samplingMatchesAccountant && dp.effectiveNoiseMultiplier > 0
      ? { gdpMu: dpSgdGdpMu(figures.samplingRate, dp.effectiveNoiseMultiplier, figures.steps) }
      : {}),
  };
}

/** The target, rebuilt from its weights, asked about every canary under its wrong label. */
async function auditCanaries(ctx: RunContext, data: PipelineData, plan: RunPlan, target: TrainedModelRecord, canaries: Canaries): Promise<PrivacySummary['audit']> {
  const { config } = ctx;
  const { dataset } = data;
  const images = canaryImages(dataset, canaries, 'all');
  const part = ctx.upload({ ...dataset, ...images }, Int32Array.from({ length: images.count }, (_, i) => i));
  try {
    const recipe = { architecture: config.target.architecture, inputShape: dataset.shape, numClasses: dataset.numClasses, defenses: plan.trainingDefenses };
    const logits = await withModel(target, recipe, (model) => predictLogits(model, part.x));
    return runOneRunAudit({
      scores: canaryScores(logits, canaries.wrongLabel, dataset.numClasses),
      included: canaries.included,
      guessesIn: config.audit.guessesIn,
      guessesOut: config.audit.guessesOut,
      delta: PRIVACY_DELTA,
      confidence: config.audit.confidence,
    });
  } finally {
    ctx.release(part);
  }
}

export async function auditPrivacy(ctx: RunContext, target: TrainedModelRecord, attacks: readonly AttackResult[], run?: { data: PipelineData; plan: RunPlan }): Promise<PrivacySummary> {
  return ctx.stage('audit', async () => {
    const accountant = accountantFigures(target);
    const empirical = attacks
      .filter((a) => a.name !== 'random' && a.calledMembers)
      .map((a) => {
        const called = a.calledMembers as NonNullable<AttackResult['calledMembers']>;
        const counts = { ...called, members: a.memberScores.length, nonMembers: a.nonMemberScores.length };
        return { attack: a.name, epsilon: heuristicEpsilon(counts, PRIVACY_DELTA).epsilon, threshold: a.threshold };
      });
    const canaries = run && runCanaries(ctx.config, run.data);
    const audit = canaries && run ? await auditCanaries(ctx, run.data, run.plan, target, canaries) : undefined;
    return { delta: PRIVACY_DELTA, ...(accountant ? { accountant } : {}), empirical, empiricalNote: HEURISTIC_EPSILON_NOTE, ...(audit ? { audit } : {}) };
  });
}
