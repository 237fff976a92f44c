/**
 * Stage attack: every applicable attack scores the evaluated records (higher = member) and gets a
 * threshold without looking at the target's membership — baselines fixed, threshold attacks from
 * all k shadows together, the ML attack at member probability 0.5, reference attacks calibrated on
 * reference model 0 played as the target against the other N − 1. What each kind does is the
 * registry's; this file only routes each attack to the inputs its kind reads.
 */
import { measureAttack, metricAttackRunner, type AttackResult, type MembershipSplit } from '../attacks/evaluate';
import { runMlAttack } from '../attacks/ml';
import { leaveOneOut, type Population } from '../attacks/reference';
import { ATTACKS, isMetricAttack, type AttackName, type ReferenceAttack } from '../attacks/registry';
import type { Predictions } from '../attacks/signals';
import type { ExperimentConfig } from '../config';
import { chooseThreshold } from '../metrics/roc';
import type { RunContext } from './context';
import type { AttackSurface } from './defend';
import type { RunPlan } from './plan';
import type { PipelineData } from './data';
import type { ExtraQueries } from './query-labels';
import { runLabelQueryAttack, runQuantile } from './query-attacks';
import type { TrainedShadow } from './train-shadows';

/** What the label-only and quantile attacks read beyond the surface: the data, the shadows' records and their query views. */
export interface QueryAttackInputs {
  readonly data: PipelineData;
  readonly shadows: readonly TrainedShadow[];
  readonly extra?: ExtraQueries;
}

/** Predictions of several splits joined member-to-member and non-member-to-non-member. */
export function joinSplits(splits: readonly MembershipSplit[]): MembershipSplit {
  const join = (parts: readonly Predictions[]): Predictions => {
    const probabilities = new Float64Array(parts.reduce((n, p) => n + p.probabilities.length, 0));
    // Log-probabilities travel only when every part has them (undefended outputs), so the signals stay exact.
    const logProbabilities = parts.every((p) => p.logProbabilities) ? new Float64Array(probabilities.length) : undefined;
    const labels = new Uint8Array(parts.reduce((n, p) => n + p.count, 0));
    let at = 0;
    let row = 0;
    for (const part of parts) {
      probabilities.set(part.probabilities, at);
      if (logProbabilities && part.logProbabilities) logProbabilities.set(part.logProbabilities, at);
      for (let i = 0; i < part.count; i++) labels[row + i] = part.labels[i];
      at += part.probabilities.length;
      row += part.count;
    }
    return { probabilities, ...(logProbabilities ? { logProbabilities } : {}), labels, count: row, numClasses: parts[0].numClasses };
  };
  return { members: join(splits.map((s) => s.members)), nonMembers: join(splits.map((s) => s.nonMembers)) };
}

/**
 * A reference attack's scores on the evaluation pool and its threshold. The threshold is
 * calibrated without the target's membership: reference model 0 plays the target, scored against
 * the others, and the threshold that best separates its own members from its non-members is kept
 * (Carlini et al., arXiv:2112.03570, evaluate the same way, one reference model at a time).
 */
function runReferenceAttack(attack: ReferenceAttack, config: ExperimentConfig, reference: NonNullable<AttackSurface['reference']>): { threshold: number; scores: Float64Array } {
  const { references, target, populationLabels } = reference;
  const refs = references.outputs;
  const population = (targetLogits: Float32Array, models: readonly Float32Array[]): Population => ({
    target: targetLogits,
    references: models,
    labels: populationLabels,
    count: populationLabels.length,
  });
  const settings = { lira: { fixedVariance: config.reference.fixedVariance }, rmia: config.rmia };
  const held = leaveOneOut(refs, 0);
  const calibration = attack.scoreAgainstReferences({
    target: held.target,
    refs: held.refs,
    population: population(references.populationLogits[0], references.populationLogits.slice(1)),
    ...settings,
  });
  return {
    threshold: chooseThreshold(calibration, held.members),
    scores: attack.scoreAgainstReferences({ target: target.pool, refs, population: population(target.population, references.populationLogits), ...settings }),
  };
}

export async function runAttacks(ctx: RunContext, plan: RunPlan, surface: AttackSurface, queried?: QueryAttackInputs): Promise<AttackResult[]> {
  const { config } = ctx;
  return ctx.stage('attack', async () => {
    const metric = plan.attacks.filter((name) => isMetricAttack(ATTACKS[name]));
    const runMetric = metricAttackRunner({
      attacks: metric,
      target: surface.defended,
      shadow: surface.shadows.length > 0 ? joinSplits(surface.shadows) : undefined,
      seed: config.seed,
      thresholdScope: config.thresholdScope,
    });
    const n = config.partSize;
    const evaluated = (scores: Float64Array) => ({
      members: Float64Array.from(surface.memberPositions, (p) => scores[p]),
      nonMembers: Float64Array.from(surface.nonMemberPositions, (p) => scores[n + p]),
    });
    const results: AttackResult[] = [];
    for (const name of plan.attacks) {
      // Each attack is some milliseconds of arithmetic: let a cancel in between them.
      await ctx.checkpoint();
      results.push(await runOne(name));
    }
    return results;

    async function runOne(name: AttackName): Promise<AttackResult> {
      const attack = ATTACKS[name];
      switch (attack.kind) {
        case 'baseline':
        case 'threshold':
          return runMetric(name);
        case 'model': {
          const scores = await runMlAttack({ shadows: surface.shadows, target: surface.defended, config: config.mlAttack, seed: config.seed, signal: ctx.deps.signal });
          return measureAttack(name, scores.members, scores.nonMembers, 0.5, { seed: config.seed });
        }
        case 'reference': {
          if (!surface.reference) throw new Error(`${attack.label} needs reference models, and none were trained`);
          const { threshold, scores } = runReferenceAttack(attack, config, surface.reference);
          const picked = evaluated(scores);
          return measureAttack(name, picked.members, picked.nonMembers, threshold, { seed: config.seed });
        }
        case 'label-query':
          if (!queried?.extra) throw new Error(`${attack.label} needs label queries, and none were made`);
          return runLabelQueryAttack(attack, config, queried.data, surface, queried.shadows, queried.extra);
        case 'quantile':
          if (!queried?.extra) throw new Error(`${attack.label} needs the target's outputs on public records, and none were queried`);
          return runQuantile(attack, config, queried.data, surface, queried.extra);
      }
    }
  });
}
