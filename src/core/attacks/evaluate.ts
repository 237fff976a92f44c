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
} from '../metrics/roc';
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
}

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
  /** The largest TPR with FPR at most each rate (see tprAtFpr). */
  readonly tprAtFpr: { readonly [F in ReportedFpr]: number };
  /** Member iff score >= threshold. ±Infinity when the shadow says to call nobody / everybody a member. */
  readonly threshold: number;
  /** The target's ROC curve as [fpr, tpr] points from [0, 0] to [1, 1]. */
  readonly roc: [number, number][];
  /** Target scores, in the order of target.members and target.nonMembers. */
  readonly memberScores: Float64Array;
  readonly nonMemberScores: Float64Array;
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

function thresholdFor(attack: MetricAttack, shadow: MembershipSplit | undefined, seed: number): number {
  if (attack.kind === 'baseline') return attack.fixedThreshold;
  const scored = scoreSplit(attack, shadow as MembershipSplit, seed, `attack/${attack.name}/shadow`);
  const { scores, memberMask } = concatenateScored(scored.members, scored.nonMembers);
  return chooseThreshold(scores, memberMask);
}

function evaluateAttack(attack: MetricAttack, input: EvaluateAttacksInput): AttackResult {
  const threshold = thresholdFor(attack, input.shadow, input.seed);
  const target = scoreSplit(attack, input.target, input.seed, `attack/${attack.name}`);
  return measureAttack(attack.name, target.members, target.nonMembers, threshold);
}

/** Every figure of an attack from its scores on the target's members and non-members and its threshold. */
export function measureAttack(name: AttackName, memberScores: Float64Array, nonMemberScores: Float64Array, threshold: number): AttackResult {
  const target = { members: memberScores, nonMembers: nonMemberScores };
  const { scores, memberMask } = concatenateScored(target.members, target.nonMembers);
  const roc = computeRoc(scores, memberMask);
  return {
    name,
    auc: computeAuc(roc),
    accuracy: accuracyAtThreshold(scores, memberMask, threshold),
    bestAccuracy: bestAccuracy(roc),
    advantage: computeAdvantage(roc),
    tprAtFpr: { '0.001': tprAtFpr(roc, 0.001), '0.01': tprAtFpr(roc, 0.01), '0.1': tprAtFpr(roc, 0.1) },
    threshold,
    roc: Array.from(roc.fpr, (fpr, i): [number, number] => [fpr, roc.tpr[i]]),
    memberScores: target.members,
    nonMemberScores: target.nonMembers,
  };
}

/**
 * Run `attacks` in the order given against the target. Baselines use their fixed threshold;
 * threshold attacks take theirs from the shadow model, so `accuracy` is what a real attacker
 * would get and `bestAccuracy` is the oracle figure. Randomness (the random attack) comes from
 * `seed` and the attack's name alone. Throws if a threshold attack is asked for without a shadow.
 */
export function evaluateAttacks(input: EvaluateAttacksInput): AttackResult[] {
  checkInput(input);
  return input.attacks.map((name) => evaluateAttack(ATTACKS[name] as MetricAttack, input));
}
