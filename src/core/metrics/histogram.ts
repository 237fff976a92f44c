/**
 * Members' and non-members' scores counted over shared equal bins: what every score histogram of
 * the lab draws (the worker's live ones and the page's final ones).
 */

export interface ScoreCounts {
  /** Bin edges, bins + 1 of them; empty when no score is finite. */
  readonly edges: readonly number[];
  readonly members: readonly number[];
  readonly nonMembers: readonly number[];
  /** Scores of ±Infinity, counted in the outermost bins. NaN scores are left out. */
  readonly clamped: number;
}

export function countScores(members: ArrayLike<number>, nonMembers: ArrayLike<number>, bins = 30): ScoreCounts {
  let lo = Infinity;
  let hi = -Infinity;
  let clamped = 0;
  for (const scores of [members, nonMembers]) {
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (Number.isFinite(s)) {
        lo = Math.min(lo, s);
        hi = Math.max(hi, s);
      } else if (!Number.isNaN(s)) clamped++;
    }
  }
  if (!Number.isFinite(lo)) return { edges: [], members: [], nonMembers: [], clamped };
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const count = (scores: ArrayLike<number>) => {
    const counts = new Array<number>(bins).fill(0);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i];
      if (Number.isNaN(s)) continue;
      counts[s === Infinity ? bins - 1 : s === -Infinity ? 0 : Math.min(bins - 1, Math.floor((s - lo) / width))]++;
    }
    return counts;
  };
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), members: count(members), nonMembers: count(nonMembers), clamped };
}
