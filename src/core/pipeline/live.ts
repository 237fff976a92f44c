/**
 * Attack curves that move while the target trains: after an epoch, the metric attacks score the
 * predictions the training loop's evaluation already made (no second forward pass), and the
 * page receives chart-ready figures — a downsampled ROC, score histograms, AUC, advantage, TPR at
 * 1 % FPR and, once the shadow models are trained, the accuracy at their threshold.
 */
import type { ChosenThresholds } from '../attacks/evaluate';
import { ATTACKS, isMetricAttack, type AttackDefinition, type AttackName, type MetricAttack } from '../attacks/registry';
import type { Predictions } from '../attacks/signals';
import { accuracyAtThreshold, computeAdvantage, computeAuc, computeRoc, tprAtFpr, type RocCurve } from '../metrics/roc';
import { countScores, type ScoreCounts } from '../metrics/histogram';
import { createRng } from '../random';
import type { EpochAttackMetrics, EpochMetrics } from '../models/train';

export interface LiveAttackCurve extends EpochAttackMetrics {
  readonly name: AttackName;
  readonly threshold?: number;
  /** [fpr, tpr] points, at most ~80, dense at low FPR so the log-log chart keeps its shape. */
  readonly roc: readonly (readonly [number, number])[];
  readonly histogram: ScoreCounts;
}


export interface LiveAttackSnapshot {
  readonly epoch: number;
  readonly epochs: number;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  readonly generalizationGap: number;
  /** False until the shadow models are trained: no attack has a threshold of its own yet. */
  readonly shadowThresholds: boolean;
  readonly attacks: readonly LiveAttackCurve[];
}

/** The FPRs the downsampled ROC keeps: log-spaced below 10 %, then every 2 %. */
const ROC_GRID: readonly number[] = [
  ...Array.from({ length: 31 }, (_, i) => 10 ** (-4 + (3 * i) / 30)),
  ...Array.from({ length: 46 }, (_, i) => 0.1 + (0.9 * (i + 1)) / 46),
];

/** For each grid FPR, the highest point of the curve at or below it; the ends kept. */
export function downsampleRoc(roc: RocCurve): [number, number][] {
  const points: [number, number][] = [[0, 0]];
  let at = 0;
  for (const fpr of ROC_GRID) {
    while (at + 1 < roc.fpr.length && roc.fpr[at + 1] <= fpr) at++;
    const last = points[points.length - 1];
    if (roc.fpr[at] !== last[0] || roc.tpr[at] !== last[1]) points.push([roc.fpr[at], roc.tpr[at]]);
  }
  const end = roc.fpr.length - 1;
  if (points[points.length - 1][0] !== roc.fpr[end] || points[points.length - 1][1] !== roc.tpr[end]) points.push([roc.fpr[end], roc.tpr[end]]);
  return points;
}

export interface LiveScorerInput {
  /** The attacks of the run; only the metric ones (baselines and threshold attacks) are scored live. */
  readonly attacks: readonly AttackName[];
  /** What the attacker sees of a prediction (the output defenses, seeded per stream). */
  readonly defend: (predictions: Predictions, stream: string) => Predictions;
  /** Each threshold attack's threshold(s) from the shadows, when they are trained: the attack stage's own. */
  readonly thresholds?: ReadonlyMap<AttackName, ChosenThresholds>;
  readonly seed: number;
}

/** Score one epoch's predictions with every metric attack of the run. */
export function liveSnapshot(metrics: EpochMetrics, predictions: { train: Predictions; test: Predictions }, input: LiveScorerInput): LiveAttackSnapshot {
  const members = input.defend(predictions.train, 'live/members');
  const nonMembers = input.defend(predictions.test, 'live/non-members');
  const attacks = input.attacks.map((name): AttackDefinition => ATTACKS[name]).filter(isMetricAttack);
  return {
    epoch: metrics.epoch,
    epochs: metrics.epochs,
    trainAccuracy: metrics.trainAccuracy,
    testAccuracy: metrics.testAccuracy,
    generalizationGap: metrics.trainAccuracy - metrics.testAccuracy,
    shadowThresholds: input.thresholds !== undefined,
    attacks: attacks.map((attack) => liveCurve(attack, members, nonMembers, input)),
  };
}

function liveCurve(attack: MetricAttack, members: Predictions, nonMembers: Predictions, input: LiveScorerInput): LiveAttackCurve {
  const rng = createRng(input.seed, `live/${attack.name}`);
  const memberScores = attack.score(members, rng);
  const nonMemberScores = attack.score(nonMembers, rng);
  const scores = new Float64Array(memberScores.length + nonMemberScores.length);
  scores.set(memberScores, 0);
  scores.set(nonMemberScores, memberScores.length);
  const memberMask = new Uint8Array(scores.length).fill(1, 0, memberScores.length);
  const roc = computeRoc(scores, memberMask);
  const chosen = attack.kind === 'baseline' ? { threshold: attack.fixedThreshold } : input.thresholds?.get(attack.name);
  return {
    name: attack.name,
    auc: computeAuc(roc),
    advantage: computeAdvantage(roc),
    tprAt1: tprAtFpr(roc, 0.01),
    ...(chosen ? liveAccuracy(scores, memberMask, [...Array.from(members.labels), ...Array.from(nonMembers.labels)], chosen) : {}),
    roc: downsampleRoc(roc),
    histogram: countScores(memberScores, nonMemberScores),
  };
}

/** Accuracy at the attack's threshold(s); the histogram's line only when there is one threshold for all classes. */
function liveAccuracy(scores: Float64Array, memberMask: Uint8Array, labels: readonly number[], chosen: ChosenThresholds): { threshold?: number; accuracy: number } {
  const { threshold, classThresholds } = chosen;
  if (!classThresholds) return { threshold, accuracy: accuracyAtThreshold(scores, memberMask, threshold) };
  let correct = 0;
  for (let i = 0; i < scores.length; i++) if ((scores[i] >= classThresholds[labels[i]] ? 1 : 0) === memberMask[i]) correct++;
  return { accuracy: correct / scores.length };
}

/** The figures of a snapshot that go into the epoch's history (results.json), without the curves. */
export function epochAttackMetrics(snapshot: LiveAttackSnapshot): EpochAttackMetrics[] {
  return snapshot.attacks.map(({ name, auc, advantage, tprAt1, accuracy }) => ({ name, auc, advantage, tprAt1, ...(accuracy !== undefined ? { accuracy } : {}) }));
}

/**
 * When to score live: the first and last epochs, and every k-th between, k the smallest power of
 * two that keeps scoring under 15 % of the training time it rides on (measured as the run goes).
 */
export class LivePacer {
  private every = 1;
  private epochs = 0;
  private trainingSeconds = 0;
  private snapshots = 0;
  private scoringSeconds = 0;

  due(epoch: number, epochs: number): boolean {
    return epoch === 1 || epoch === epochs || epoch % this.every === 0;
  }

  /** After each epoch: its training time, and the scoring time when a snapshot was taken. */
  record(epochSeconds: number, scoringSeconds?: number): void {
    this.epochs++;
    this.trainingSeconds += epochSeconds;
    if (scoringSeconds !== undefined) {
      this.snapshots++;
      this.scoringSeconds += scoringSeconds;
    }
    if (this.snapshots === 0) return;
    const perSnapshot = this.scoringSeconds / this.snapshots;
    const perEpoch = this.trainingSeconds / this.epochs;
    while (perSnapshot > 0.15 * perEpoch * this.every && this.every < 64) this.every *= 2;
  }

  get interval(): number {
    return this.every;
  }
}
