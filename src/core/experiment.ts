/**
 * The pipeline of one experiment, the engine's single entry point, as a chain of stages (ML
 * Privacy Meter's stage modules; src/core/pipeline/ has one file per stage):
 *
 *   load-data → train-shadow → train-target (live attacks) → train-undefended → train-references
 *             → predict → defend → attack → audit → assemble
 *
 * Each training stage and the predict stage keep their output (weights, logits) under a key of
 * exactly the config fields they read (pipeline/stage-cache.ts), so with a cache a changed output
 * defense or attack setting reruns only defend → attack → audit, from cached logits. Pure: the
 * caller supplies the dataset loader and receives plain numbers back; every tensor made here is
 * disposed before it returns, on success, error or cancellation alike.
 */
import type { AttackName } from './attacks/registry';
import { ATTACKS } from './attacks/registry';
import type { ExperimentConfig } from './config';
import { cacheKey } from './cache';
import { outputDefenses } from './pipeline/plan';
import { joinSplits, runAttacks } from './pipeline/attack';
import { auditPrivacy } from './pipeline/audit';
import { assembleResult } from './pipeline/assemble';
import { RunContext } from './pipeline/context';
import { settleAll } from './settle';
import { loadData } from './pipeline/data';
import { defendOutputs, defendShadows, outputDefender } from './pipeline/defend';
import { planRun } from './pipeline/plan';
import { queryTarget } from './pipeline/predict';
import { queryLabels } from './pipeline/query-labels';
import { trainReferences } from './pipeline/train-references';
import { shadowInputs } from './pipeline/keys';
import { trainShadows } from './pipeline/train-shadows';
import { reportedHistory, trainTarget } from './pipeline/train-target';
import { trainUndefended } from './pipeline/train-undefended';
import type { ExperimentDeps, ExperimentResult } from './pipeline/types';
import { thresholdsFor, type ChosenThresholds, type MembershipSplit } from './attacks/evaluate';

export type {
  DefenseSummary,
  EvaluationRecords,
  ExperimentDeps,
  ExperimentResult,
  ModelSummary,
  PrivacySummary,
  ProgressEvent,
  ReferenceSummary,
} from './pipeline/types';

/** Each threshold attack's threshold(s) from the shadows' outputs, exactly as the attack stage will choose them. */
function shadowThresholds(config: ExperimentConfig, attacks: readonly AttackName[], shadows: readonly MembershipSplit[]): Map<AttackName, ChosenThresholds> {
  const thresholds = new Map<AttackName, ChosenThresholds>();
  if (shadows.length === 0) return thresholds;
  const joined = joinSplits(shadows);
  for (const name of attacks) {
    const attack = ATTACKS[name];
    if (attack.kind === 'threshold') thresholds.set(name, thresholdsFor(attack, joined, config.seed, config.thresholdScope));
  }
  return thresholds;
}

/** Run `config` end to end. The config is already valid; failures are errors with clear messages. */
export async function runExperiment(config: ExperimentConfig, deps: ExperimentDeps): Promise<ExperimentResult> {
  const ctx = new RunContext(config, deps);
  const plan = planRun(config);
  try {
    const data = await loadData(ctx, plan.needsShadows);
    const shadowCount = plan.needsShadows ? config.shadow.count : 0;
    const liveKey = cacheKey({ output: outputDefenses(config), attacks: plan.attacks, shadows: Array.from({ length: shadowCount }, (_, i) => shadowInputs(config, data.identity, plan, i)) });
    // Without a pool the shadows train first, so their thresholds join the target's live attack
    // curves from its first epoch; with one, they train in the pool while the target trains here,
    // and the thresholds join the curves from the first snapshot after they are done.
    // Chosen on first use: a target from the cache draws no live curves and needs none.
    let thresholds: (() => Map<AttackName, ChosenThresholds>) | undefined;
    const shadowsTrained = (plan.needsShadows ? trainShadows(ctx, data, plan) : Promise.resolve([])).then((shadows) => {
      const splits = defendShadows(config, data, shadows);
      if (shadows.length > 0) {
        let chosen: Map<AttackName, ChosenThresholds> | undefined;
        thresholds = () => (chosen ??= shadowThresholds(config, plan.attacks, splits.defended));
      }
      return { shadows, splits };
    });
    if (!ctx.deps.pool) await shadowsTrained;
    const targetTrained = trainTarget(ctx, data, plan, { defend: outputDefender(config), thresholds: () => thresholds?.(), key: liveKey });
    // With a pool the undefended twin trains wherever is free first (a worker after the shadows, or
    // here after the target); without one, here after the target, as before.
    const undefendedTrained = plan.hasTrainingDefenses ? trainUndefended(ctx, data, targetTrained) : Promise.resolve(undefined);
    const [{ shadows, splits: shadowSplits }, trained, undefended] = await settleAll([shadowsTrained, targetTrained, undefendedTrained] as const);
    const target = { ...trained.value, history: reportedHistory(trained.value, liveKey) };
    const references = plan.needsReferences ? await trainReferences(ctx, data, plan) : undefined;
    const queries = await queryTarget(ctx, data, plan, target);
    const extra = await queryLabels(ctx, data, plan, target, shadows);
    const surface = await ctx.stage('defend', async () => defendOutputs({ config, data, plan, target, shadowSplits, references, queries, checkpoint: () => ctx.checkpoint() }));
    const attacks = await runAttacks(ctx, plan, surface, { data, shadows, extra });
    const privacy = await auditPrivacy(ctx, target, attacks, { data, plan });
    return assembleResult({ config, data, plan, target, undefended, shadows, references, surface, attacks, privacy, timings: ctx.timings });
  } finally {
    ctx.dispose();
  }
}
