/**
 * What each training stage reads, as plain data (tf-free, so the page can use it too): a stage's
 * cache key is made of exactly this. Output defenses and attack settings appear in none of them,
 * which is why changing them after a run trains nothing. trainingStageKeys lists the keys a
 * config needs, so the page can tell before running whether a change needs training at all.
 */
import type { ExperimentConfig } from '../config';
import { planRun, type RunPlan } from './plan';
import { stageKey } from './stage-cache';

/** What identifies the data every model trains on. */
export interface DataIdentity {
  readonly dataset: ExperimentConfig['dataset'];
  /** From the loaded dataset; the page, which has not loaded it, uses the config's name and 0. */
  readonly datasetName: string;
  readonly poolSize: number;
  readonly partSize: number;
  readonly splitSeed: number;
}

export function targetInputs(config: ExperimentConfig, identity: DataIdentity, plan: RunPlan): unknown {
  // The one-run audit's canaries join the target's training set (their draw follows the split seed).
  const canaries = config.audit.canaries > 0 ? { canaries: config.audit.canaries } : {};
  return { data: identity, training: config.target, defenses: plan.trainingDefenses, ...canaries };
}

export function undefendedInputs(config: ExperimentConfig, identity: DataIdentity): unknown {
  return { data: identity, training: config.target };
}

/** Shadow i's inputs: not how many shadows there are, so adding one trains only the new one. */
export function shadowInputs(config: ExperimentConfig, identity: DataIdentity, plan: RunPlan, index: number): unknown {
  const { count: _count, ...training } = config.shadow;
  return { data: identity, training, defenses: plan.trainingDefenses, index };
}

/** The reference models' inputs (models/references.ts keys each model by these and its index). */
export function referenceInputs(config: ExperimentConfig, identity: DataIdentity, plan: RunPlan): unknown {
  const { fixedVariance: _attackSetting, ...training } = config.reference;
  return { data: identity, training, defenses: plan.referenceDefenses, populationSize: config.rmia.populationSize };
}

export function queryInputs(config: ExperimentConfig, identity: DataIdentity, plan: RunPlan): unknown {
  return { target: targetInputs(config, identity, plan), augmentedQueries: config.reference.augmentedQueries, populationSize: config.rmia.populationSize };
}

/** The identity the page can compute without loading the dataset: comparable only with itself. */
export function configIdentity(config: ExperimentConfig): DataIdentity {
  return { dataset: config.dataset, datasetName: config.dataset.name, poolSize: 0, partSize: config.partSize, splitSeed: config.seed };
}

/** The keys of every training stage `config` needs. A change whose keys were all trained before needs no training. */
export function trainingStageKeys(config: ExperimentConfig): string[] {
  const plan = planRun(config);
  const identity = configIdentity(config);
  return [
    stageKey('train-target', targetInputs(config, identity, plan)),
    ...(plan.hasTrainingDefenses ? [stageKey('train-undefended', undefendedInputs(config, identity))] : []),
    ...(plan.needsShadows ? Array.from({ length: config.shadow.count }, (_, i) => stageKey('train-shadow', shadowInputs(config, identity, plan, i))) : []),
    ...(plan.needsReferences ? [stageKey('train-references', referenceInputs(config, identity, plan)), stageKey('predict', queryInputs(config, identity, plan))] : []),
  ];
}
