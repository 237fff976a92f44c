/**
 * The bootstrap's one pass over the sorted records (metrics/intervals.ts), split in two so that
 * there is one way to do it and two engines to run it:
 *
 * - `planSweep` sorts the records once and writes the pass as a list of operations, one 32-bit word
 *   each (record · 8 + kind): "add this member's draws to TP", "read the best TPR − FPR", … Every
 *   decision that depends on the scores (order, ties, where a run of members ends, which records
 *   the attack's threshold gets wrong) is taken here, in JavaScript, once.
 * - An engine applies the list to every resample at once: `sweepInJs` below, or the WebAssembly
 *   SIMD one in kernels/wasm-bootstrap.ts (four resamples a lane group), which reads the same list.
 *
 * Every quantity is a whole number of draws (TP, FP, twice the area, TP·N − FP·P), so the two
 * engines agree exactly, and with the figures divided once at the end.
 */

/** A resample's multiplicities, record-major: counts[record · stride + b] for resample b < B ≤ stride. */
export type ResampleCounts = Uint16Array | Uint32Array;

/** What each operation does to every resample b; c is the record's count in b. */
export const SweepOp = {
  /** TP += c: a member alone at its score. */
  member: 0,
  /** area += 2·c·TP, FP += c: a non-member alone at its score adds its column under the curve. */
  nonMember: 1,
  /** advantage = max(advantage, TP·N − FP·P): read where a run of members ends (no record). */
  best: 2,
  /** tiedTP += c: a member in a tie group. */
  tiedMember: 3,
  /** tiedFP += c: a non-member in a tie group. */
  tiedNonMember: 4,
  /** area += tiedFP·(2·TP + tiedTP), TP += tiedTP, FP += tiedFP, then both tied sums back to 0 (no record). */
  closeTie: 5,
  /** wrong += c: a record the attack's own threshold misclassifies. */
  wrong: 6,
} as const;

/** An operation's word is record << KIND_BITS | kind. */
export const KIND_BITS = 3;
const KIND_MASK = (1 << KIND_BITS) - 1;
/** Records beyond this would not fit an operation's 32-bit word. */
const MAX_RECORDS = 2 ** (31 - KIND_BITS);

/** The per-resample sums a sweep leaves, each of length B: whole numbers of draws. */
export interface SweepSums {
  /** Twice the area under the resample's ROC curve, in draws²: AUC = area / (2·P·N). */
  readonly area: ArrayLike<number>;
  /** The best TP·N − FP·P (0 at least): advantage = it / (P·N). */
  readonly advantage: ArrayLike<number>;
  /** Draws of the records the threshold gets wrong: accuracy = (P + N − wrong) / (P + N). */
  readonly wrong: ArrayLike<number>;
}

/** The operations of one attack's sweep, and the sizes its engines need. */
export interface SweepPlan {
  readonly ops: Int32Array;
  readonly members: number;
  readonly nonMembers: number;
}

/** Where a float64's high and low 32-bit words sit in a Uint32Array view (the platform's byte order). */
const HIGH = new Uint32Array(Float64Array.of(1).buffer)[1] === 0x3ff00000 ? 1 : 0;
const LOW = 1 - HIGH;
const RADIX_BITS = 8;
const BUCKETS = 1 << RADIX_BITS;

/**
 * Record indices (members 0..P−1, then non-members) by descending score, and where each tie group
 * ends. A radix sort, not a comparator sort: each score becomes a 64-bit key whose unsigned order
 * is the descending order of the scores (a non-negative score's bits all flipped but the sign, a
 * negative score's bits as they are; −0 made +0 first, so the two are one key), then eight stable
 * passes of one byte each, skipping a byte every key shares. For 2,000 records that is several
 * times faster than `order.sort((a, b) => …)`. Within a group the records stay in index order;
 * the sweep does not depend on it.
 */
function sortRecords(scores: Float64Array): { order: Uint32Array; groupEnd: Uint32Array } {
  const total = scores.length;
  const words = new Uint32Array(2 * total);
  const asFloats = new Float64Array(words.buffer);
  for (let i = 0; i < total; i++) asFloats[i] = scores[i] + 0;
  const histograms = new Uint32Array(8 * BUCKETS);
  for (let i = 0; i < total; i++) {
    if (words[2 * i + HIGH] < 0x80000000) {
      words[2 * i + HIGH] ^= 0x7fffffff;
      words[2 * i + LOW] ^= 0xffffffff;
    }
    for (let byte = 0; byte < 8; byte++) histograms[byte * BUCKETS + digitOf(words, i, byte)]++;
  }
  let order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  let next = new Uint32Array(total);
  const start = new Uint32Array(BUCKETS);
  for (let byte = 0; byte < 8; byte++) {
    const histogram = histograms.subarray(byte * BUCKETS, (byte + 1) * BUCKETS);
    if (histogram.includes(total)) continue;
    for (let d = 0, at = 0; d < BUCKETS; d++) {
      start[d] = at;
      at += histogram[d];
    }
    for (let k = 0; k < total; k++) next[start[digitOf(words, order[k], byte)]++] = order[k];
    [order, next] = [next, order];
  }
  const groupEnd = new Uint32Array(total);
  let groups = 0;
  for (let k = 1; k < total; k++) {
    const a = 2 * order[k - 1];
    const b = 2 * order[k];
    if (words[a] !== words[b] || words[a + 1] !== words[b + 1]) groupEnd[groups++] = k;
  }
  groupEnd[groups++] = total;
  return { order, groupEnd: groupEnd.subarray(0, groups) };
}

/** Byte `byte` (0 the lowest) of record i's 64-bit key. */
function digitOf(words: Uint32Array, i: number, byte: number): number {
  const word = words[2 * i + (byte < 4 ? LOW : HIGH)];
  return (word >>> ((byte & 3) * RADIX_BITS)) & (BUCKETS - 1);
}

/**
 * The sweep of one attack as operations: the ROC walk over its sorted scores (ties as a diagonal
 * step, counted half: Hanley & McNeil 1982, doi:10.1148/radiology.143.1.7063747), the best
 * TPR − FPR where each run of members ends, then the records its threshold gets wrong.
 */
export function planSweep(memberScores: ArrayLike<number>, nonMemberScores: ArrayLike<number>, calledMember: ArrayLike<number>): SweepPlan {
  const P = memberScores.length;
  const N = nonMemberScores.length;
  const total = P + N;
  if (total >= MAX_RECORDS) throw new RangeError(`bootstrap intervals take at most ${MAX_RECORDS - 1} records, got ${total}`);
  const scores = new Float64Array(total);
  scores.set(memberScores);
  scores.set(nonMemberScores, P);
  for (let i = 0; i < total; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`${i < P ? `memberScores[${i}]` : `nonMemberScores[${i - P}]`} is NaN; every score must be a number`);
  }
  const { order, groupEnd } = sortRecords(scores);
  // At most: one op per record, a best and a close per tie group, a best per non-member, one wrong per record.
  const ops = new Int32Array(4 * total + 1);
  let n = 0;
  const push = (record: number, kind: number) => (ops[n++] = (record << KIND_BITS) | kind);
  let afterMember = false;
  let start = 0;
  for (const end of groupEnd) {
    if (end - start === 1) {
      const record = order[start];
      if (record < P) {
        push(record, SweepOp.member);
        afterMember = true;
      } else {
        if (afterMember) push(0, SweepOp.best);
        push(record, SweepOp.nonMember);
        afterMember = false;
      }
    } else {
      if (afterMember) push(0, SweepOp.best);
      for (let k = start; k < end; k++) push(order[k], order[k] < P ? SweepOp.tiedMember : SweepOp.tiedNonMember);
      push(0, SweepOp.closeTie);
      push(0, SweepOp.best);
      afterMember = false;
    }
    start = end;
  }
  if (afterMember) push(0, SweepOp.best);
  for (let record = 0; record < total; record++) {
    if ((calledMember[record] === 1) !== record < P) push(record, SweepOp.wrong);
  }
  return { ops: ops.slice(0, n), members: P, nonMembers: N };
}

/** The plan applied to resamples 0..B−1 of `counts` (row stride `stride`) in float64, exact for whole numbers below 2^53. */
export function sweepInJs(plan: SweepPlan, counts: ResampleCounts, B: number, stride: number): SweepSums {
  const { ops, members: P, nonMembers: N } = plan;
  const tp = new Float64Array(B);
  const fp = new Float64Array(B);
  const area = new Float64Array(B);
  const advantage = new Float64Array(B);
  const tiedTp = new Float64Array(B);
  const tiedFp = new Float64Array(B);
  const wrong = new Float64Array(B);
  const addCounts = (into: Float64Array, base: number) => {
    for (let b = 0; b < B; b++) into[b] += counts[base + b];
  };
  for (const op of ops) {
    const base = (op >>> KIND_BITS) * stride;
    switch (op & KIND_MASK) {
      case SweepOp.member:
        addCounts(tp, base);
        break;
      case SweepOp.nonMember:
        for (let b = 0; b < B; b++) {
          const c = counts[base + b];
          area[b] += 2 * c * tp[b];
          fp[b] += c;
        }
        break;
      case SweepOp.best:
        for (let b = 0; b < B; b++) {
          const gain = tp[b] * N - fp[b] * P;
          if (gain > advantage[b]) advantage[b] = gain;
        }
        break;
      case SweepOp.tiedMember:
        addCounts(tiedTp, base);
        break;
      case SweepOp.tiedNonMember:
        addCounts(tiedFp, base);
        break;
      case SweepOp.closeTie:
        for (let b = 0; b < B; b++) {
          area[b] += tiedFp[b] * (2 * tp[b] + tiedTp[b]);
          tp[b] += tiedTp[b];
          fp[b] += tiedFp[b];
        }
        tiedTp.fill(0);
        tiedFp.fill(0);
        break;
      case SweepOp.wrong:
        addCounts(wrong, base);
        break;
    }
  }
  return { area, advantage, wrong };
}
