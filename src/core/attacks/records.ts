/**
 * The records behind the numbers: which records each attack ranks as most exposed, how an attack
 * does on each class and on records the target gets right or wrong, and which attacks flag a
 * record at a low false-positive rate. Pure arithmetic on the scores an experiment returns, shared
 * by records.csv, results.json and the app's Records view (small enough to run on the page for a
 * few thousand records: a sort per attack).
 */
import { computeAuc, computeRoc, tprAtFpr } from '../metrics/roc';

/** The evaluated records, members first, in the order of every attack's scores. */
export interface ScoredRecords {
  readonly member: ArrayLike<number>;
  readonly label: ArrayLike<number>;
  /** The target's predicted class per record (its argmax), when known. */
  readonly predicted?: ArrayLike<number>;
}

/** An attack's scores over ScoredRecords: members' then non-members'. */
export interface AttackScores {
  readonly name: string;
  readonly memberScores: Float64Array;
  readonly nonMemberScores: Float64Array;
}

/** Members' scores then non-members', in record order. */
export function joinScores(attack: AttackScores): Float64Array {
  const out = new Float64Array(attack.memberScores.length + attack.nonMemberScores.length);
  out.set(attack.memberScores, 0);
  out.set(attack.nonMemberScores, attack.memberScores.length);
  return out;
}

/**
 * Competition ranks, 1 = the highest score (the most member-like); tied records share the best
 * rank of their group ("1224"), so a rank never depends on record order.
 */
export function rankScores(scores: ArrayLike<number>, within?: ArrayLike<number>): Int32Array {
  const n = scores.length;
  const ranks = new Int32Array(n);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = within ? within[i] : 0;
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  }
  for (const indices of groups.values()) {
    indices.sort((a, b) => scores[b] - scores[a]);
    for (let r = 0; r < indices.length; r++) {
      const i = indices[r];
      ranks[i] = r > 0 && scores[indices[r - 1]] === scores[i] ? ranks[indices[r - 1]] : r + 1;
    }
  }
  return ranks;
}

/**
 * Which records an attack calls members at false-positive rate `fpr` on these records: score
 * strictly above the (k + 1)-th highest non-member score, where k is the most non-members whose
 * share stays strictly below `fpr` (⌈fpr·N⌉ − 1; none at fpr = 0): the operating point of TPR at
 * `fpr` under LiRA's `<` convention (Carlini et al., arXiv:2112.03570; metrics/roc.ts tprAtFpr).
 * An analysis threshold set on the target's own non-members, not an attacker's.
 */
export function flagAtFpr(scores: ArrayLike<number>, member: ArrayLike<number>, fpr: number): { flagged: Uint8Array; threshold: number } {
  if (!(fpr >= 0 && fpr <= 1)) throw new RangeError(`fpr must lie in [0, 1], got ${fpr}`);
  const nonMember: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!member[i]) nonMember.push(scores[i]);
  if (nonMember.length === 0) throw new RangeError('flagging at a false-positive rate needs non-members');
  nonMember.sort((a, b) => b - a);
  const allowed = fpr === 0 ? 0 : Math.max(0, Math.ceil(fpr * nonMember.length - 1e-9) - 1);
  const threshold = allowed >= nonMember.length ? -Infinity : nonMember[allowed];
  const flagged = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) flagged[i] = scores[i] > threshold ? 1 : 0;
  return { flagged, threshold };
}

/**
 * AUC and TPR at 1 % FPR on a subset of records; both absent (not null, not NaN: results.json
 * holds neither) where the subset lacks members or non-members.
 */
export interface GroupFigures {
  readonly members: number;
  readonly nonMembers: number;
  readonly auc?: number;
  readonly tprAt1PctFpr?: number;
}

function groupFigures(scores: Float64Array, member: ArrayLike<number>, keep: (i: number) => boolean): GroupFigures {
  const picked: number[] = [];
  const mask: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!keep(i)) continue;
    picked.push(scores[i]);
    mask.push(member[i] ? 1 : 0);
  }
  const members = mask.reduce((s, m) => s + m, 0);
  const nonMembers = mask.length - members;
  if (members === 0 || nonMembers === 0) return { members, nonMembers };
  const roc = computeRoc(picked, mask);
  return { members, nonMembers, auc: computeAuc(roc), tprAt1PctFpr: tprAtFpr(roc, 0.01) };
}

/** An attack's figures per class and by whether the target classifies the record correctly. */
export interface AttackBreakdown {
  readonly name: string;
  readonly byClass: readonly ({ readonly label: number } & GroupFigures)[];
  /** Present when predicted labels are known. */
  readonly byCorrectness?: { readonly correct: GroupFigures; readonly misclassified: GroupFigures };
}

export function breakdownAttack(attack: AttackScores, records: ScoredRecords, numClasses: number): AttackBreakdown {
  const scores = joinScores(attack);
  if (scores.length !== records.member.length) throw new RangeError(`attack ${attack.name}: ${scores.length} scores for ${records.member.length} records`);
  const byClass = Array.from({ length: numClasses }, (_, label) => ({ label, ...groupFigures(scores, records.member, (i) => records.label[i] === label) }));
  const { predicted } = records;
  if (!predicted) return { name: attack.name, byClass };
  const right = (i: number) => predicted[i] === records.label[i];
  return {
    name: attack.name,
    byClass,
    byCorrectness: { correct: groupFigures(scores, records.member, right), misclassified: groupFigures(scores, records.member, (i) => !right(i)) },
  };
}

/** Members the target gets wrong: they are remembered as records, not as their class. */
export function misclassifiedMembers(records: ScoredRecords): number {
  if (!records.predicted) return 0;
  let n = 0;
  for (let i = 0; i < records.member.length; i++) if (records.member[i] && records.predicted[i] !== records.label[i]) n++;
  return n;
}

/** Per member: how many of the attacks flag it at `fpr`, and the tally of members flagged by none, one, several, all. */
export function overlapAtFpr(attacks: readonly AttackScores[], records: ScoredRecords, fpr: number) {
  const flags = attacks.map((attack) => flagAtFpr(joinScores(attack), records.member, fpr).flagged);
  const count = new Int32Array(records.member.length);
  for (const f of flags) f.forEach((x, i) => (count[i] += x));
  const tally = { none: 0, one: 0, several: 0, all: 0 };
  for (let i = 0; i < count.length; i++) {
    if (!records.member[i]) continue;
    const c = count[i];
    if (c === 0) tally.none++;
    else if (c === attacks.length) tally.all++;
    else if (c === 1) tally.one++;
    else tally.several++;
  }
  return { flags, count, tally };
}

/** Record positions sorted most exposed first under `scores`, members only; ties by position. */
export function mostExposedMembers(scores: ArrayLike<number>, member: ArrayLike<number>, limit: number): number[] {
  const picked: number[] = [];
  for (let i = 0; i < scores.length; i++) if (member[i]) picked.push(i);
  picked.sort((a, b) => scores[b] - scores[a] || a - b);
  return picked.slice(0, limit);
}
