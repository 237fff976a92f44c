/**
 * The attack stage of an experiment: score the target model's members and non-members with
 * each requested attack, pick each threshold attack's cut-off on the shadow model (Shokri et
 * al., arXiv:1610.05820: the attacker mimics the target with a model whose membership it knows),
 * and measure how well every attack does on the target.
 */
import { createRng } from '../random';
import {
  accuracyAtThreshold,
  bestAccuracy,
  chooseThreshold,
  computeAdvantage,
  computeAuc,
  computeRoc,
  tprAtFpr,
  type RocCurve,
} from '../metrics/roc';
import { bootstrapIntervals, tprAtFprInterval, type Interval } from '../metrics/intervals';
import { ATTACKS, isAttackName, isMetricAttack, type AttackName, type MetricAttack } from './registry';
import type { Predictions } from './signals';

/** One model's predictions on the records it was trained on and on records it never saw. */
export interface MembershipSplit {
  readonly members: Predictions;
  readonly nonMembers: Predictions;
}

export interface EvaluateAttacksInput {
  readonly attacks: readonly AttackName[];
  /** Needed only by threshold attacks; baselines ignore it. */
  readonly shadow?: MembershipSplit;
  readonly target: MembershipSplit;
  readonly seed: number;
  /**
   * 'per-class' (the default): attacks whose registry entry says so (confidence, entropy, modified
   * entropy) take one threshold per class from the shadow records of that class, as Song & Mittal
   * do (arXiv:2003.10595); 'global': one threshold for every record.
   */
  readonly thresholdScope?: ThresholdScope;
}

export const THRESHOLD_SCOPES = ['per-class', 'global'] as const;
export type ThresholdScope = (typeof THRESHOLD_SCOPES)[number];

/** The low false-positive rates reported for every attack (Carlini et al., arXiv:2112.03570). */
export const REPORTED_FPRS = ['0.001', '0.01', '0.1'] as const;
export type ReportedFpr = (typeof REPORTED_FPRS)[number];

export interface AttackResult {
  readonly name: AttackName;
  /** Area under the target's ROC curve. */
  readonly auc: number;
  /** The target's accuracy at `threshold` over members then non-members: what the attacker gets. */
  readonly accuracy: number;
  /** The target's accuracy at its own best threshold: an oracle upper bound, not an attack. */
  readonly bestAccuracy: number;
  /** max(TPR − FPR) on the target. */
  readonly advantage: number;
  /** The largest TPR with FPR strictly below each rate (see tprAtFpr). */
  readonly tprAtFpr: { readonly [F in ReportedFpr]: number };
  /** 95 % intervals (metrics/intervals.ts): bootstrap for AUC, accuracy, advantage; Clopper–Pearson for TPR at FPR. Absent in results imported from before they existed. */
  readonly intervals?: AttackIntervals;
  /** Member iff score >= threshold. ±Infinity when the shadow says to call nobody / everybody a member. */
  readonly threshold: number;
  /** Per-class thresholds (index = class) when the attack used them; `accuracy` then follows these, not `threshold`. */
  readonly classThresholds?: readonly number[];
  /** Members (TP) and non-members (FP) the attack's own threshold(s) call members: what the ε heuristic bounds. */
  readonly calledMembers?: { readonly truePositives: number; readonly falsePositives: number };
  /** The target's ROC curve as [fpr, tpr] points from [0, 0] to [1, 1]. */
  readonly roc: [number, number][];
  /** Target scores, in the order of target.members and target.nonMembers. */
  readonly memberScores: Float64Array;
  readonly nonMemberScores: Float64Array;
}

export interface AttackIntervals {
  readonly auc: Interval;
  readonly accuracy: Interval;
  readonly advantage: Interval;
  readonly tprAtFpr: { readonly [F in ReportedFpr]: Interval };
}

/** Members' scores then non-members', with the matching mask. */
function concatenateScored(members: Float64Array, nonMembers: Float64Array) {
  const scores = new Float64Array(members.length + nonMembers.length);
  scores.set(members, 0);
  scores.set(nonMembers, members.length);
  const memberMask = new Uint8Array(scores.length).fill(1, 0, members.length);
  return { scores, memberMask };
}

/** Score both halves of a split with one generator, members first, so the draw order is fixed. */
function scoreSplit(attack: MetricAttack, split: MembershipSplit, seed: number, stream: string) {
  const rng = createRng(seed, stream);
  const members = attack.score(split.members, rng);
  const nonMembers = attack.score(split.nonMembers, rng);
  return { members, nonMembers };
}

/** Refuse the whole request up front rather than fail halfway through the list. */
function checkInput(input: EvaluateAttacksInput): void {
  if (!Number.isFinite(input.seed)) throw new RangeError(`seed is ${input.seed}; it must be a finite number`);
  const seen = new Set<string>();
  for (const name of input.attacks) {
    if (!isAttackName(name)) throw new RangeError(`unknown attack "${String(name)}"`);
    if (seen.has(name)) throw new RangeError(`attack "${name}" is listed twice`);
    seen.add(name);
    const attack = ATTACKS[name];
    if (!isMetricAttack(attack)) {
      throw new Error(`attack "${name}" needs ${attack.kind === 'model' ? 'shadow models' : 'reference models'}; runExperiment runs it`);
    }
    if (attack.kind === 'threshold' && !input.shadow) {
      throw new Error(
        `attack "${name}" picks its threshold on a shadow model, but no shadow predictions were given; ` +
          'train a shadow model or run only the baselines (random, correctness)',
      );
    }
  }
}

/** One threshold for all records, or one per class with the global one where a class lacks a side. */
export interface ChosenThresholds {
  readonly threshold: number;
  readonly classThresholds?: readonly number[];
}

/** A metric attack's threshold(s) from the shadow models' members and non-members (the live curves take theirs here too). */
export function thresholdsFor(attack: MetricAttack, shadow: MembershipSplit | undefined, seed: number, scope: ThresholdScope): ChosenThresholds {
  if (attack.kind === 'baseline') return { threshold: attack.fixedThreshold };
  const split = shadow as MembershipSplit;
  const scored = scoreSplit(attack, split, seed, `attack/${attack.name}/shadow`);
  const { scores, memberMask } = concatenateScored(scored.members, scored.nonMembers);
  const threshold = chooseThreshold(scores, memberMask);
  if (scope !== 'per-class' || !attack.perClassThreshold) return { threshold };
  const labels = [...Array.from(split.members.labels), ...Array.from(split.nonMembers.labels)];
  return { threshold, classThresholds: chooseClassThresholds(scores, memberMask, labels, split.members.numClasses, threshold) };
}

/**
 * One threshold per class, each chosen on the shadow records of that class (Song & Mittal,
 * arXiv:2003.10595, §3.2: class-dependent thresholds for confidence, entropy, modified entropy).
 * A class without both members and non-members among the shadow records keeps `fallback`.
 */
export function chooseClassThresholds(scores: Float64Array, memberMask: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, fallback: number): number[] {
  return Array.from({ length: numClasses }, (_, c) => {
    const picked: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) picked.push(i);
    const members = picked.filter((i) => memberMask[i] === 1).length;
    if (members === 0 || members === picked.length) return fallback;
    return chooseThreshold(picked.map((i) => scores[i]), picked.map((i) => memberMask[i]));
  });
}

function evaluateAttack(attack: MetricAttack, input: EvaluateAttacksInput): AttackResult {
  const chosen = thresholdsFor(attack, input.shadow, input.seed, input.thresholdScope ?? 'per-class');
  const target = scoreSplit(attack, input.target, input.seed, `attack/${attack.name}`);
  const labels = chosen.classThresholds ? [...Array.from(input.target.members.labels), ...Array.from(input.target.nonMembers.labels)] : undefined;
  return measureAttack(attack.name, target.members, target.nonMembers, chosen.threshold, { seed: input.seed, classThresholds: chosen.classThresholds, labels });
}

export interface MeasureOptions {
  /** Seed of the bootstrap's resampling (stream `interval/<attack>`); 0 when not given. */
  readonly seed?: number;
  /** Per-class thresholds, with each record's label (members then non-members). */
  readonly classThresholds?: readonly number[];
  readonly labels?: ArrayLike<number>;
}

/** 1 where the threshold (of the record's class, if given) calls the record a member. */
function callMembers(scores: Float64Array, threshold: number, options: MeasureOptions): Uint8Array {
  const { classThresholds, labels } = options;
  if (classThresholds && (!labels || labels.length !== scores.length)) throw new RangeError('per-class thresholds need one label per scored record');
  return Uint8Array.from(scores, (score, i) => (score >= (classThresholds && labels ? classThresholds[labels[i]] : threshold) ? 1 : 0));
}

function tprIntervals(roc: RocCurve): AttackIntervals['tprAtFpr'] {
  return { '0.001': tprAtFprInterval(roc, 0.001), '0.01': tprAtFprInterval(roc, 0.01), '0.1': tprAtFprInterval(roc, 0.1) };
}

/** Every figure of an attack from its scores on the target's members and non-members and its threshold(s). */
export function measureAttack(name: AttackName, memberScores: Float64Array, nonMemberScores: Float64Array, threshold: number, options: MeasureOptions = {}): AttackResult {
  const target = { members: memberScores, nonMembers: nonMemberScores };
  const { scores, memberMask } = concatenateScored(target.members, target.nonMembers);
  const roc = computeRoc(scores, memberMask);
  const called = callMembers(scores, threshold, options);
  let truePositives = 0;
  let correct = 0;
  for (let i = 0; i < called.length; i++) {
    if (called[i] === memberMask[i]) correct++;
    if (called[i] === 1 && memberMask[i] === 1) truePositives++;
  }
  const calledTotal = called.reduce((sum, c) => sum + c, 0);
  const boot = bootstrapIntervals({ memberScores, nonMemberScores, calledMember: called, seed: options.seed ?? 0 });
  return {
    name,
    auc: computeAuc(roc),
    accuracy: options.classThresholds ? correct / called.length : accuracyAtThreshold(scores, memberMask, threshold),
    bestAccuracy: bestAccuracy(roc),
    advantage: computeAdvantage(roc),
    tprAtFpr: { '0.001': tprAtFpr(roc, 0.001), '0.01': tprAtFpr(roc, 0.01), '0.1': tprAtFpr(roc, 0.1) },
    intervals: { ...boot, tprAtFpr: tprIntervals(roc) },
    threshold,
    ...(options.classThresholds ? { classThresholds: [...options.classThresholds] } : {}),
    calledMembers: { truePositives, falsePositives: calledTotal - truePositives },
    roc: Array.from(roc.fpr, (fpr, i): [number, number] => [fpr, roc.tpr[i]]),
    memberScores: target.members,
    nonMemberScores: target.nonMembers,
  };
}

/**
 * Run `attacks` in the order given against the target. Baselines use their fixed threshold;
 * threshold attacks take theirs from the shadow model (per class where the registry and
 * `thresholdScope` say so), so `accuracy` is what a real attacker would get and `bestAccuracy` is
 * the oracle figure. Randomness (the random attack, the bootstrap) comes from `seed` and the
 * attack's name alone. Throws if a threshold attack is asked for without a shadow.
 */
export function evaluateAttacks(input: EvaluateAttacksInput): AttackResult[] {
  return input.attacks.map(metricAttackRunner(input));
}

/**
 * evaluateAttacks one attack at a time: the input is checked once, here, and each call runs one of
 * `input.attacks`. The pipeline lets the event loop in between attacks, where all of them in one
 * call held a worker for tens of milliseconds (a run asked meanwhile waited for them).
 */
export function metricAttackRunner(input: EvaluateAttacksInput): (name: AttackName) => AttackResult {
  checkInput(input);
  return (name) => {
    if (!input.attacks.includes(name)) throw new RangeError(`${name} is not one of the attacks this runner was checked for`);
    return evaluateAttack(ATTACKS[name] as MetricAttack, input);
  };
}
