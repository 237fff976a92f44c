/**
 * Stage defend: from logits to what the attacker is shown. Softmax (float64), then the config's
 * output defenses in registry order, for the target, every shadow model and, when a reference
 * attack runs, every reference model and the target's query views. Pure arithmetic, no model:
 * a changed output defense recomputes this and the attacks, nothing upstream.
 */
import type { MembershipSplit } from '../attacks/evaluate';
import { logitsOfReleased, type QueryLogits } from '../attacks/reference';
import type { Predictions } from '../attacks/signals';
import type { ExperimentConfig } from '../config';
import { applyOutputDefenses } from '../defenses/output';
import { selectRecords } from '../defenses/early-stopping';
import type { DefenseConfig } from '../defenses/registry';
import { logSoftmaxOf, softmaxOf } from '../math/softmax';
import type { ReferenceSet } from '../models/references';
import { createRng } from '../random';
import type { PipelineData } from './data';
import type { RunPlan } from './plan';
import type { TargetQueries } from './predict';
import type { TrainedShadow } from './train-shadows';
import type { TrainedModelRecord } from './trained-model';

/** What every attack reads: the target's and the attacker's models' outputs as released. */
export interface AttackSurface {
  /** The target's undefended predictions on the evaluated members and non-members (for its summary). */
  readonly raw: MembershipSplit;
  /** The same through the output defenses: what the attacks score. */
  readonly defended: MembershipSplit;
  /** Positions in target-train of the evaluated members (early stopping's validation slice left out) and in target-test of the non-members. */
  readonly memberPositions: Int32Array;
  readonly nonMemberPositions: Int32Array;
  /** Each shadow model's outputs through the same defenses; raw ones for their summaries. */
  readonly shadows: readonly MembershipSplit[];
  readonly rawShadows: readonly MembershipSplit[];
  /** The reference attacks' inputs through the same defenses (as logits of the released probabilities). */
  readonly reference?: {
    readonly target: { readonly pool: QueryLogits; readonly population: Float32Array };
    readonly references: ReferenceSet;
    readonly populationLabels: Uint8Array;
  };
}

/** The seeded output-defense function of a run: each stream gets its own generator. */
export function outputDefender(config: ExperimentConfig): (predictions: Predictions, stream: string) => Predictions {
  return (predictions, stream) => applyOutputDefenses(predictions, config.defenses, createRng(config.seed, `output-defense/${stream}`));
}

/** The model's own outputs: probabilities and, exact where they round to 1, log-probabilities (attacks/signals.ts). */
function toPredictions(logits: Float32Array, labels: Uint8Array, numClasses: number): Predictions {
  return {
    // The first labels.length rows: a target's train logits may carry the audit's canaries after them.
    probabilities: softmaxOf(logits, numClasses).subarray(0, labels.length * numClasses),
    logProbabilities: logSoftmaxOf(logits, numClasses).subarray(0, labels.length * numClasses),
    labels,
    count: labels.length,
    numClasses,
  };
}

/** 0..count-1 without the (ascending) `removed` positions. */
function keptPositions(count: number, removed: Int32Array | undefined): Int32Array {
  const all = Int32Array.from({ length: count }, (_, i) => i);
  if (!removed) return all;
  const drop = new Set(removed);
  return all.filter((i) => !drop.has(i));
}

export interface DefendInput {
  readonly config: ExperimentConfig;
  readonly data: PipelineData;
  readonly plan: RunPlan;
  readonly target: TrainedModelRecord;
  /** The shadows' outputs as defendShadows gave them (computed once, before the target trains). */
  readonly shadowSplits: ShadowSplits;
  readonly references?: ReferenceSet;
  readonly queries?: TargetQueries;
  /** Awaited between the reference models' outputs (RunContext.checkpoint): a cancel is heard there. */
  readonly checkpoint: () => Promise<void>;
}

/** The shadow models' outputs, raw (for their summaries) and as the attacker sees them. */
export interface ShadowSplits {
  readonly raw: readonly MembershipSplit[];
  readonly defended: readonly MembershipSplit[];
}

export function defendShadows(config: ExperimentConfig, data: PipelineData, shadows: readonly TrainedShadow[]): ShadowSplits {
  const defend = outputDefender(config);
  const { numClasses } = data.dataset;
  const raw = shadows.map((s) => ({
    members: selectRecords(toPredictions(s.record.trainLogits, s.trainLabels, numClasses), keptPositions(s.trainLabels.length, s.record.validationIndices)),
    nonMembers: toPredictions(s.record.testLogits, s.testLabels, numClasses),
  }));
  return {
    raw,
    defended: raw.map((s, i) => ({ members: defend(s.members, `shadow/${i}/members`), nonMembers: defend(s.nonMembers, `shadow/${i}/non-members`) })),
  };
}

export async function defendOutputs(input: DefendInput): Promise<AttackSurface> {
  const { config, data, plan, target } = input;
  const { numClasses, labels } = data.dataset;
  const defend = outputDefender(config);
  const n = config.partSize;
  // Early stopping's validation slice never counts as members; as many non-members are dropped to keep the set balanced.
  const memberPositions = keptPositions(n, target.validationIndices);
  const nonMemberPositions = Int32Array.from({ length: memberPositions.length }, (_, i) => i);
  const raw = {
    members: selectRecords(toPredictions(target.trainLogits, Uint8Array.from(data.split.targetTrain, (r) => labels[r]), numClasses), memberPositions),
    nonMembers: selectRecords(toPredictions(target.testLogits, Uint8Array.from(data.split.targetTest, (r) => labels[r]), numClasses), nonMemberPositions),
  };
  const { shadowSplits } = input;
  return {
    raw,
    defended: { members: defend(raw.members, 'target/members'), nonMembers: defend(raw.nonMembers, 'target/non-members') },
    memberPositions,
    nonMemberPositions,
    rawShadows: shadowSplits.raw,
    shadows: shadowSplits.defended,
    ...(input.references && input.queries
      ? {
          reference: await seeThroughDefenses(
            input.references,
            input.queries,
            concatLabels(data, input.queries.population.length / numClasses),
            numClasses,
            { defenses: config.defenses, seed: config.seed, any: plan.hasOutputDefenses },
            input.checkpoint,
          ),
        }
      : {}),
  };
}

/** Labels of RMIA's population: the first `count` records of the shadow parts. */
function concatLabels(data: PipelineData, count: number): Uint8Array {
  const { shadowTrain, shadowTest } = data.split;
  const labels = data.dataset.labels;
  return Uint8Array.from({ length: count }, (_, i) => labels[i < shadowTrain.length ? shadowTrain[i] : shadowTest[i - shadowTrain.length]]);
}

/** Logits → probabilities → output defenses → log-probabilities: what a reference attack sees of a defended model. */
function defendLogits(logits: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, defenses: DefenseConfig, seed: number, stream: string): Float32Array {
  const size = count * numClasses;
  const queries = logits.length / size;
  const probabilities = softmaxOf(logits, numClasses);
  const releaseQuery = (q: number) =>
    applyOutputDefenses({ probabilities: probabilities.subarray(q * size, (q + 1) * size), labels, count, numClasses }, defenses, createRng(seed, `${stream}/${q}`)).probabilities;
  if (queries === 1) return logitsOfReleased(releaseQuery(0), labels, count, numClasses);
  const released = new Float64Array(logits.length);
  for (let q = 0; q < queries; q++) released.set(releaseQuery(q), q * size);
  return logitsOfReleased(released, labels, count, numClasses);
}

/** The target's and the reference models' logits as the attacker sees them under output defenses. */
async function seeThroughDefenses(
  references: ReferenceSet,
  queries: TargetQueries,
  populationLabels: Uint8Array,
  numClasses: number,
  output: { readonly defenses: DefenseConfig; readonly seed: number; readonly any: boolean },
  checkpoint: () => Promise<void>,
): Promise<NonNullable<AttackSurface['reference']>> {
  if (!output.any) return { target: { pool: { logits: queries.pool }, population: queries.population }, references, populationLabels };
  const { defenses, seed } = output;
  const { outputs } = references;
  const onPool = (logits: Float32Array, stream: string) => defendLogits(logits, outputs.labels, outputs.count, numClasses, defenses, seed, stream);
  const onPopulation = (logits: Float32Array, stream: string) => defendLogits(logits, populationLabels, populationLabels.length, numClasses, defenses, seed, stream);
  // Model by model, a checkpoint between: each is a few milliseconds of a re-run's largest stage.
  const pool: Float32Array[] = [];
  const population: Float32Array[] = [];
  for (let m = 0; m < outputs.logits.length; m++) {
    await checkpoint();
    pool.push(onPool(outputs.logits[m], `output-defense/reference/${m}/pool`));
    population.push(onPopulation(references.populationLogits[m], `output-defense/reference/${m}/population`));
  }
  return {
    target: { pool: { logits: onPool(queries.pool, 'output-defense/target/pool') }, population: onPopulation(queries.population, 'output-defense/target/population') },
    references: { ...references, outputs: { ...outputs, logits: pool }, populationLogits: population },
    populationLabels,
  };
}
