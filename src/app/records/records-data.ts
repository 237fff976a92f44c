/**
 * The Records view's model: from a result, the chosen attack and the worker's exposure of it
 * (core/attacks/records.ts exposeRecords, run in workers/pool-images.worker.ts) to the cards it
 * draws. No per-record work here: the page picks the shown members' fields and labels them.
 */
import type { AttackResult } from '../../core/attacks/evaluate';
import { flagThreshold, type AttackExposure } from '../../core/attacks/records';
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

/** The cards of `attack`'s most exposed members, from the worker's exposure of that attack. */
export function exposedMemberCards(input: RecordsInput, attack: AttackResult, exposure: AttackExposure): RecordCard[] {
  if (exposure.name !== attack.name) throw new Error(`the exposure of ${exposure.name} cannot draw ${attack.name}`);
  const { records, references } = input;
  const isReference = ATTACKS[attack.name as AttackName]?.kind === 'reference';
  const members = attack.memberScores.length;
  return exposure.members.map(({ position, rank, classRank, flaggedBy }) => {
    const inOut = isReference && references?.confidence
      ? splitInOut(references.confidence.map((c) => c[position]), references.inMasks.map((m) => m[position]))
      : undefined;
    return {
      position,
      poolIndex: records.poolIndex[position],
      label: records.label[position],
      ...(records.predicted ? { predicted: records.predicted[position] } : {}),
      score: position < members ? attack.memberScores[position] : attack.nonMemberScores[position - members],
      rank,
      classRank,
      flaggedBy,
      ...(inOut ? { inOut } : {}),
    };
  });
}

function splitInOut(values: readonly number[], inMask: readonly number[]) {
  return { in: values.filter((_, m) => inMask[m] === 1), out: values.filter((_, m) => inMask[m] !== 1) };
}

/** The score above which the attack calls members at `fpr` of the non-members (the ROC point under the mouse): no sort per hover. */
export function thresholdAtFpr(exposure: AttackExposure, fpr: number): number {
  return flagThreshold(exposure.nonMemberScoresDescending, fpr);
}
