/**
 * The attack stage's part for the label-only and quantile attacks: released labels of every query
 * view (softmax, the output defenses, argmax), scores, and the thresholds — label-only ones from
 * the shadow models' own members and non-members queried the same way, the quantile attack's fixed
 * at 0 (a record above its own predicted quantile).
 */
import { measureAttack, type AttackResult } from '../attacks/evaluate';
import { argmaxRows, releasedLabels, type ViewLogits } from '../attacks/label-queries';
import { runQuantileAttack } from '../attacks/query-attacks';
import { scoreLabelQueries } from '../attacks/query-attacks';
import type { LabelQueryAttack, QuantileAttack } from '../attacks/registry';
import type { ExperimentConfig } from '../config';
import { gatherImages } from '../datasets/split';
import { chooseThreshold } from '../metrics/roc';
import { softmaxRows } from '../math/softmax';
import type { PipelineData } from './data';
import type { AttackSurface } from './defend';
import { outputDefender } from './defend';
import type { ExtraQueries } from './query-labels';
import type { TrainedShadow } from './train-shadows';

/** The labels an attacker is told for each view: the argmax of the output-defended probabilities. */
function released(config: ExperimentConfig, views: ViewLogits, labels: Uint8Array, numClasses: number, stream: string) {
  const defend = outputDefender(config);
  return releasedLabels(views, labels, numClasses, (logits, v) => {
    const defended = defend({ probabilities: softmaxRows(logits, views.count, numClasses), labels, count: views.count, numClasses }, `${stream}/view-${v}`);
    return argmaxRows(defended.probabilities, views.count, numClasses);
  });
}

/** Positions 0..count-1 without `removed` (early stopping's validation slice). */
function kept(count: number, removed: Int32Array | undefined): Int32Array {
  const drop = new Set(removed ?? []);
  return Int32Array.from({ length: count }, (_, i) => i).filter((i) => !drop.has(i));
}

export function runLabelQueryAttack(attack: LabelQueryAttack, config: ExperimentConfig, data: PipelineData, surface: AttackSurface, shadows: readonly TrainedShadow[], queries: ExtraQueries): AttackResult {
  const views = queries.labels.get(attack.name);
  if (!views) throw new Error(`${attack.label}: its label queries were not made`);
  if (shadows.length === 0) throw new Error(`${attack.label} picks its threshold on shadow models, and none were trained`);
  const { numClasses, labels } = data.dataset;
  const score = (v: ViewLogits, recordLabels: Uint8Array, stream: string) => scoreLabelQueries(attack, released(config, v, recordLabels, numClasses, stream));
  // The threshold: all shadows' members (validation slices left out) against their non-members.
  const shadowScores: number[] = [];
  const shadowMask: number[] = [];
  shadows.forEach((shadow, i) => {
    const members = score(views.shadows[i].members, shadow.trainLabels, `label-query/shadow/${i}/members`);
    const nonMembers = score(views.shadows[i].nonMembers, shadow.testLabels, `label-query/shadow/${i}/non-members`);
    for (const p of kept(members.length, shadow.record.validationIndices)) {
      shadowScores.push(members[p]);
      shadowMask.push(1);
    }
    for (const s of nonMembers) {
      shadowScores.push(s);
      shadowMask.push(0);
    }
  });
  const threshold = chooseThreshold(shadowScores, shadowMask);
  const members = score(views.target.members, Uint8Array.from(data.split.targetTrain, (r) => labels[r]), 'label-query/target/members');
  const nonMembers = score(views.target.nonMembers, Uint8Array.from(data.split.targetTest, (r) => labels[r]), 'label-query/target/non-members');
  return measureAttack(
    attack.name,
    Float64Array.from(surface.memberPositions, (p) => members[p]),
    Float64Array.from(surface.nonMemberPositions, (p) => nonMembers[p]),
    threshold,
    { seed: config.seed },
  );
}

export function runQuantile(attack: QuantileAttack, config: ExperimentConfig, data: PipelineData, surface: AttackSurface, queries: ExtraQueries): AttackResult {
  if (!queries.quantile) throw new Error(`${attack.label}: the target was not queried on public records`);
  const { dataset } = data;
  const { numClasses } = dataset;
  const { indices, logits } = queries.quantile;
  const publicRecords = gatherImages(dataset, indices);
  const publicPredictions = outputDefender(config)({ probabilities: softmaxRows(logits, indices.length, numClasses), labels: publicRecords.labels, count: indices.length, numClasses }, 'quantile/public');
  const evaluated = Int32Array.from([...Array.from(surface.memberPositions, (p) => data.split.targetTrain[p]), ...Array.from(surface.nonMemberPositions, (p) => data.split.targetTest[p])]);
  const records = gatherImages(dataset, evaluated);
  const probabilities = new Float64Array(evaluated.length * numClasses);
  probabilities.set(surface.defended.members.probabilities, 0);
  probabilities.set(surface.defended.nonMembers.probabilities, surface.defended.members.probabilities.length);
  const scores = runQuantileAttack({ publicRecords, publicProbabilities: publicPredictions.probabilities, records, probabilities, numClasses });
  const m = surface.memberPositions.length;
  return measureAttack(attack.name, scores.slice(0, m), scores.slice(m), attack.fixedThreshold, { seed: config.seed });
}
