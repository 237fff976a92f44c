/**
 * The Records view's model: from a result and the chosen attack to the cards it draws. The
 * per-record arithmetic (ranks, flags at 1 % FPR, the overlap) is the core's (attacks/records.ts);
 * this file only picks and labels. A few thousand records: one sort per attack, cheap on the page.
 */
import type { AttackResult } from '../../core/attacks/evaluate';
import { flagAtFpr, joinScores, mostExposedMembers, rankScores } from '../../core/attacks/records';
import { ATTACKS, type AttackName } from '../../core/attacks/registry';

/** The records part of a result the view needs (a stored run has it; an imported results.json does not). */
export interface RecordsInput {
  readonly attacks: readonly AttackResult[];
  readonly records: { readonly poolIndex: Int32Array; readonly member: Uint8Array; readonly label: Uint8Array; readonly predicted?: Uint8Array };
  readonly references?: { readonly inMasks: readonly Uint8Array[]; readonly confidence?: readonly Float32Array[] };
}

export interface RecordCard {
  /** Position in the result's records (members first). */
  readonly position: number;
  readonly poolIndex: number;
  readonly label: number;
  readonly predicted?: number;
  readonly score: number;
  /** 1 = the most member-like record under this attack, and within its class. */
  readonly rank: number;
  readonly classRank: number;
  /** The attacks (of this result) that call it a member at 1 % FPR. */
  readonly flaggedBy: readonly string[];
  /** Reference attacks only: the record's logit-scaled confidence under its IN and its OUT reference models. */
  readonly inOut?: { readonly in: readonly number[]; readonly out: readonly number[] };
}

/** Attacks whose per-record scores mean something to rank by: not the coin. */
export function rankableAttacks(attacks: readonly AttackResult[]): AttackResult[] {
  return attacks.filter((a) => a.name !== 'random' && a.memberScores.length > 0);
}

export function chooseAttack(attacks: readonly AttackResult[], wanted: string | undefined): AttackResult | undefined {
  const candidates = rankableAttacks(attacks);
  return candidates.find((a) => a.name === wanted) ?? candidates.find((a) => ATTACKS[a.name as AttackName]?.kind !== 'baseline') ?? candidates[0];
}

/** The `limit` most exposed members under `attack`, as cards. */
export function exposedMemberCards(input: RecordsInput, attack: AttackResult, limit: number): RecordCard[] {
  const scores = joinScores(attack);
  const { records } = input;
  const ranks = rankScores(scores);
  const classRanks = rankScores(scores, records.label);
  const flags = rankableAttacks(input.attacks).map((a) => ({ name: a.name, flagged: flagAtFpr(joinScores(a), records.member, 0.01).flagged }));
  const isReference = ATTACKS[attack.name as AttackName]?.kind === 'reference';
  return mostExposedMembers(scores, records.member, limit).map((position) => {
    const confidence = input.references?.confidence;
    const inOut = isReference && confidence && input.references
      ? splitInOut(confidence.map((c) => c[position]), input.references.inMasks.map((m) => m[position]))
      : undefined;
    return {
      position,
      poolIndex: records.poolIndex[position],
      label: records.label[position],
      ...(records.predicted ? { predicted: records.predicted[position] } : {}),
      score: scores[position],
      rank: ranks[position],
      classRank: classRanks[position],
      flaggedBy: flags.filter((f) => f.flagged[position] === 1).map((f) => f.name),
      ...(inOut ? { inOut } : {}),
    };
  });
}

function splitInOut(values: readonly number[], inMask: readonly number[]) {
  return { in: values.filter((_, m) => inMask[m] === 1), out: values.filter((_, m) => inMask[m] !== 1) };
}

/** The score above which the attack calls members at `fpr` of the non-members (the ROC point under the mouse). */
export function thresholdAtFpr(attack: AttackResult, member: Uint8Array, fpr: number): number {
  return flagAtFpr(joinScores(attack), member, fpr).threshold;
}
