/**
 * The records behind the numbers: which records each attack ranks as most exposed, how an attack
 * does on each class and on records the target gets right or wrong, and which attacks flag a
 * record at a low false-positive rate. Pure arithmetic on the scores an experiment returns, shared
 * by records.csv, results.json and the app's Records view, whose part (exposeRecords) runs in a
 * worker: a few typed-array sorts per attack (ranks by binary search, not a comparator sort over
 * every record: 16–20 → 5–6 ms for 11 attacks on 2,000 records, issue 10).
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

/** How many of `ascending` (sorted, no NaN) are strictly greater than `value`. */
function countAbove(ascending: Float64Array, value: number): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascending[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return ascending.length - lo;
}

/**
 * The competition rank of any record (rankScores), from one typed sort of the scores per group and
 * a binary search per record asked: the Records view asks for 24 records of 2,000, and a sort by a
 * comparator over every record had cost most of its worker's time (issue 10).
 */
function competitionRanker(scores: ArrayLike<number>, within?: ArrayLike<number>): (i: number) => number {
  if (!within) {
    const sorted = Float64Array.from(scores).sort();
    return (i) => 1 + countAbove(sorted, scores[i]);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const list = groups.get(within[i]);
    if (list) list.push(scores[i]);
    else groups.set(within[i], [scores[i]]);
  }
  const sorted = new Map<number, Float64Array>();
  for (const [key, values] of groups) sorted.set(key, Float64Array.from(values).sort());
  return (i) => 1 + countAbove(sorted.get(within[i])!, scores[i]);
}

/**
 * Competition ranks, 1 = the highest score (the most member-like); tied records share the best
 * rank of their group ("1224"), so a rank never depends on record order: 1 + how many records (of
 * the same `within` group) score strictly higher.
 */
export function rankScores(scores: ArrayLike<number>, within?: ArrayLike<number>): Int32Array {
  const rank = competitionRanker(scores, within);
  return Int32Array.from({ length: scores.length }, (_, i) => rank(i));
}

/**
 * Which records an attack calls members at false-positive rate `fpr` on these records: score
 * strictly above the (k + 1)-th highest non-member score, where k is the most non-members whose
 * share stays strictly below `fpr` (⌈fpr·N⌉ − 1; none at fpr = 0): the operating point of TPR at
 * `fpr` under LiRA's `<` convention (Carlini et al., arXiv:2112.03570; metrics/roc.ts tprAtFpr).
 * An analysis threshold set on the target's own non-members, not an attacker's.
 */
export function flagAtFpr(scores: ArrayLike<number>, member: ArrayLike<number>, fpr: number): { flagged: Uint8Array; threshold: number } {
  let count = 0;
  for (let i = 0; i < scores.length; i++) if (!member[i]) count++;
  const nonMember = new Float64Array(count);
  for (let i = 0, k = 0; i < scores.length; i++) if (!member[i]) nonMember[k++] = scores[i];
  const threshold = flagThreshold(descending(nonMember), fpr);
  const flagged = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) flagged[i] = scores[i] > threshold ? 1 : 0;
  return { flagged, threshold };
}

/** Sorted highest first, in place: a typed array's own numeric sort, several times faster than a comparator. */
function descending(values: Float64Array): Float64Array {
  return values.sort().reverse();
}

/**
 * flagAtFpr's threshold from the non-members' scores sorted highest first: the score a record must
 * beat to be flagged at `fpr` (LiRA's `<` convention, as flagAtFpr). O(1), so the Records view can
 * follow the mouse over the ROC chart without sorting again.
 */
export function flagThreshold(nonMemberScoresDescending: ArrayLike<number>, fpr: number): number {
  if (!(fpr >= 0 && fpr <= 1)) throw new RangeError(`fpr must lie in [0, 1], got ${fpr}`);
  const n = nonMemberScoresDescending.length;
  if (n === 0) throw new RangeError('flagging at a false-positive rate needs non-members');
  const allowed = fpr === 0 ? 0 : Math.max(0, Math.ceil(fpr * n - 1e-9) - 1);
  return allowed >= n ? -Infinity : nonMemberScoresDescending[allowed];
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

/** Members flagged by none of the attacks, by exactly one, by several (not all) and by all of them. */
export interface OverlapTally {
  readonly none: number;
  readonly one: number;
  readonly several: number;
  readonly all: number;
}

function tallyFlags(flags: readonly Uint8Array[], member: ArrayLike<number>): OverlapTally {
  const tally = { none: 0, one: 0, several: 0, all: 0 };
  for (let i = 0; i < member.length; i++) {
    if (!member[i]) continue;
    let c = 0;
    for (const f of flags) c += f[i];
    if (c === 0) tally.none++;
    else if (c === flags.length) tally.all++;
    else if (c === 1) tally.one++;
    else tally.several++;
  }
  return tally;
}

/** One member as the Records view draws it under one attack. */
export interface ExposedMember {
  /** Position in the records (members first). */
  readonly position: number;
  /** 1 = the most member-like record under this attack, and within its class (rankScores). */
  readonly rank: number;
  readonly classRank: number;
  /** The attacks (of those given) that flag it at the exposure's FPR. */
  readonly flaggedBy: readonly string[];
}

export interface AttackExposure {
  readonly name: string;
  /** The most exposed members under this attack, most exposed first. */
  readonly members: readonly ExposedMember[];
  /** The non-members' scores, highest first: flagThreshold at any FPR without sorting again. */
  readonly nonMemberScoresDescending: Float64Array;
}

/** What the app's Records view draws, for every attack it can switch to: no per-record work left for the page. */
export interface RecordsExposure {
  readonly fpr: number;
  readonly attacks: readonly AttackExposure[];
  readonly tally: OverlapTally;
}

/**
 * Per attack, the `limit` members it finds most member-like with their ranks (overall and within
 * their class) and the attacks that flag each at `fpr`; and how many members none, one, several
 * or all of the attacks flag. Each attack's scores must cover `records` (members first).
 */
export function exposeRecords(attacks: readonly AttackScores[], records: ScoredRecords, limit: number, fpr: number): RecordsExposure {
  if (!(fpr >= 0 && fpr <= 1)) throw new RangeError(`fpr must lie in [0, 1], got ${fpr}`);
  const scored = attacks.map((attack) => {
    const scores = joinScores(attack);
    if (scores.length !== records.member.length) throw new RangeError(`attack ${attack.name}: ${scores.length} scores for ${records.member.length} records`);
    const nonMemberScoresDescending = descending(Float64Array.from(attack.nonMemberScores));
    const threshold = flagThreshold(nonMemberScoresDescending, fpr);
    const flagged = new Uint8Array(scores.length);
    for (let i = 0; i < scores.length; i++) flagged[i] = scores[i] > threshold ? 1 : 0;
    return { name: attack.name, scores, nonMemberScoresDescending, flagged };
  });
  const flaggedBy = (position: number) => scored.filter((a) => a.flagged[position] === 1).map((a) => a.name);
  return {
    fpr,
    attacks: scored.map(({ name, scores, nonMemberScoresDescending }) => {
      const rank = competitionRanker(scores);
      const classRank = competitionRanker(scores, records.label);
      const members = mostExposedMembers(scores, records.member, limit).map((position) => ({
        position,
        rank: rank(position),
        classRank: classRank(position),
        flaggedBy: flaggedBy(position),
      }));
      return { name, members, nonMemberScoresDescending };
    }),
    tally: tallyFlags(scored.map((a) => a.flagged), records.member),
  };
}

/** Record positions sorted most exposed first under `scores`, members only; ties by position. */
export function mostExposedMembers(scores: ArrayLike<number>, member: ArrayLike<number>, limit: number): number[] {
  const memberScores: number[] = [];
  for (let i = 0; i < scores.length; i++) if (member[i]) memberScores.push(scores[i]);
  // Only members scoring at least the limit-th highest can be shown: sort those few by comparator.
  const cut = limit <= 0 ? Infinity : limit >= memberScores.length ? -Infinity : Float64Array.from(memberScores).sort()[memberScores.length - limit];
  const picked: number[] = [];
  for (let i = 0; i < scores.length; i++) if (member[i] && scores[i] >= cut) picked.push(i);
  picked.sort((a, b) => scores[b] - scores[a] || a - b);
  return picked.slice(0, Math.max(0, limit));
}
