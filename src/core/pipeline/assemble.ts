/**
 * The last step: the stages' outputs as one ExperimentResult of plain numbers and typed arrays,
 * the output contract of results.json, scores.csv and the worker's answer.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttackResult, MembershipSplit } from '../attacks/evaluate';
import { argmaxRows } from '../attacks/label-queries';
import { logitScaledConfidence, type ReferenceOutputs } from '../attacks/reference';
import type { ExperimentConfig } from '../config';
import type { ReferenceSet } from '../models/references';
import { accuracy, meanLoss, type EpochMetrics } from '../models/train';
import type { PipelineData } from './data';
import type { AttackSurface } from './defend';
import type { RunPlan } from './plan';
import type { TrainedShadow } from './train-shadows';
import type { UndefendedAccuracy } from './train-undefended';
import type { TrainedModelRecord } from './trained-model';
import type { ExperimentResult, ModelSummary, PrivacySummary } from './types';

function summarise(architecture: string, dataset: string, split: MembershipSplit, history: readonly EpochMetrics[]): ModelSummary {
  const { members, nonMembers } = split;
  const trainAccuracy = accuracy(members);
  const testAccuracy = accuracy(nonMembers);
  return {
    architecture,
    dataset,
    trainAccuracy,
    testAccuracy,
    generalizationGap: trainAccuracy - testAccuracy,
    trainLoss: meanLoss(members),
    testLoss: meanLoss(nonMembers),
    history,
  };
}

export interface AssembleInput {
  readonly config: ExperimentConfig;
  readonly data: PipelineData;
  readonly plan: RunPlan;
  readonly target: TrainedModelRecord;
  readonly undefended?: UndefendedAccuracy;
  readonly shadows: readonly TrainedShadow[];
  readonly references?: ReferenceSet;
  readonly surface: AttackSurface;
  readonly attacks: readonly AttackResult[];
  readonly privacy: PrivacySummary;
  readonly timings: ExperimentResult['timings'];
}

export function assembleResult(input: AssembleInput): ExperimentResult {
  const { config, data, plan, target, surface } = input;
  const { dataset, split } = data;
  const n = config.partSize;
  const evaluated = surface.memberPositions.length;
  const member = new Uint8Array(2 * evaluated).fill(1, 0, evaluated);
  const label = new Uint8Array(2 * evaluated);
  label.set(surface.raw.members.labels as Uint8Array, 0);
  label.set(surface.raw.nonMembers.labels as Uint8Array, evaluated);
  const poolIndex = new Int32Array(2 * evaluated);
  surface.memberPositions.forEach((p, i) => (poolIndex[i] = split.targetTrain[p]));
  surface.nonMemberPositions.forEach((p, i) => (poolIndex[evaluated + i] = split.targetTest[p]));
  const targetSummary = summarise(config.target.architecture, dataset.name, surface.raw, target.history);
  const evaluatedPositions = new Int32Array(2 * evaluated);
  evaluatedPositions.set(surface.memberPositions, 0);
  surface.nonMemberPositions.forEach((p, i) => (evaluatedPositions[evaluated + i] = n + p));
  return {
    config,
    backend: tf.getBackend(),
    dataset: { name: dataset.name, poolSize: dataset.count, shape: [...dataset.shape], numClasses: dataset.numClasses },
    target: targetSummary,
    shadows: input.shadows.map((s, i) => summarise(config.shadow.architecture, data.shadowDataset.name, surface.rawShadows[i], s.record.history)),
    ...(input.references
      ? {
          references: {
            count: config.reference.count,
            architecture: config.reference.architecture,
            epochs: config.reference.epochs,
            trained: input.references.trained,
            queries: input.references.outputs.queries,
            inMasks: input.references.outputs.inMask.map((mask) => pick(new Uint8Array(evaluatedPositions.length), mask, evaluatedPositions)),
            confidence: referenceConfidence(input.references.outputs, evaluatedPositions),
          },
        }
      : {}),
    attacks: input.attacks,
    notApplicable: plan.notApplicable,
    defense:
      plan.activeDefenses.length > 0
        ? {
            defenses: config.defenses,
            active: plan.activeDefenses,
            labelOnly: plan.labelOnly,
            testAccuracy: { defended: accuracy(surface.defended.nonMembers), undefended: input.undefended?.test ?? targetSummary.testAccuracy },
            trainAccuracy: { defended: accuracy(surface.defended.members), undefended: input.undefended?.train ?? targetSummary.trainAccuracy },
            ...(target.validationIndices ? { validationRecords: target.validationIndices.length } : {}),
            ...(target.earlyStopping ? { earlyStopping: { bestEpoch: target.earlyStopping.bestEpoch, stoppedEpoch: target.earlyStopping.stoppedEpoch } } : {}),
          }
        : undefined,
    privacy: input.privacy,
    records: { poolIndex, member, label, predicted: predictedLabels(surface.raw) },
    timings: input.timings,
  };
}

/** The target's argmax on the evaluated records, members then non-members. */
function predictedLabels(raw: AttackSurface['raw']): Uint8Array {
  const { members, nonMembers } = raw;
  const out = new Uint8Array(members.count + nonMembers.count);
  out.set(argmaxRows(members.probabilities, members.count, members.numClasses), 0);
  out.set(argmaxRows(nonMembers.probabilities, nonMembers.count, nonMembers.numClasses), members.count);
  return out;
}

/** Each reference model's φ on the evaluated records (Carlini et al., arXiv:2112.03570, §4), first query view. */
function referenceConfidence(outputs: ReferenceOutputs, evaluatedPositions: Int32Array): Float32Array[] {
  return outputs.logits.map((logits) => {
    const phi = logitScaledConfidence(logits, outputs.labels, outputs.count, outputs.numClasses, 0);
    return pick(new Float32Array(evaluatedPositions.length), phi, evaluatedPositions);
  });
}

/** out[i] = values[positions[i]]: a plain loop, since typed-array `from` with a map function is slow. */
function pick<T extends Uint8Array | Float32Array>(out: T, values: ArrayLike<number>, positions: Int32Array): T {
  for (let i = 0; i < positions.length; i++) out[i] = values[positions[i]];
  return out;
}
