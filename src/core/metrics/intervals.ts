/**
 * 95 % intervals on every figure an attack reports, so that "TPR 0.006 at 0.1 % FPR" is read as
 * the handful of records it rests on.
 *
 * - AUC, accuracy and advantage: a percentile bootstrap over records, stratified (members are
 *   resampled among members, non-members among non-members, so every resample keeps P and N;
 *   Efron & Tibshirani 1993, "An Introduction to the Bootstrap", ch. 13). The scores are sorted
 *   once; a resample is a vector of multiplicities, so each costs one pass over the sorted records.
 *   The pass is planned once as a list of operations (bootstrap-sweep.ts) and run for all
 *   resamples at once, in WebAssembly SIMD where the engine has it (kernels/wasm-bootstrap.ts),
 *   else in JavaScript: the same whole-number sums either way, so the same intervals bit for bit.
 * - TPR at a fixed FPR: the exact Clopper–Pearson interval for TP out of P members at the ROC point
 *   the budget picks. The non-members fix the threshold; given it, each member lands above it or
 *   not, a binomial count (Clopper & Pearson 1934, doi:10.1093/biomet/26.4.404). A bootstrap would
 *   be degenerate here: at 0.1 % of 1,000 non-members the point rests on zero false positives.
 *
 * The intervals reflect sampling of records for ONE trained model; they say nothing of how much
 * another training run of the same recipe would differ.
 */
import { clopperPearson } from '../privacy/clopper-pearson';
import { createRng } from '../random';
import { simdSweepFor, SIMD_LANES } from '../kernels/wasm-bootstrap';
import { planSweep, sweepInJs, type ResampleCounts, type SweepSums } from './bootstrap-sweep';
import { computeRoc, lastPointBelowFpr, type RocCurve } from './roc';

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** The bootstrap's defaults: 200 resamples keep the app responsive (cost measured in the bench note of the README). */
export const DEFAULT_RESAMPLES = 200;
export const DEFAULT_CONFIDENCE = 0.95;

export interface BootstrapInput {
  readonly memberScores: ArrayLike<number>;
  readonly nonMemberScores: ArrayLike<number>;
  /** 1 where the attack's own threshold calls the record a member: members first, then non-members. */
  readonly calledMember: ArrayLike<number>;
  /** Seeds the resamples, which every attack measured under this seed shares. */
  readonly seed: number;
  readonly resamples?: number;
  readonly confidence?: number;
}

export interface BootstrapIntervals {
  readonly auc: Interval;
  readonly accuracy: Interval;
  readonly advantage: Interval;
}

/**
 * Multiplicities of each resample, record after record: counts[r·stride + b] is how often record r
 * (members, then non-members) is drawn in resample b, so one record's B counts sit side by side
 * and the sweep walks the sorted records once, all resamples at a time. The stride is B rounded up
 * to the SIMD sweep's lane group (the padding stays 0).
 */
type Resamples = ResampleCounts;

/** The drawn resamples of recent (seed, P, N, count): every attack of a run reads the same ones. */
const drawn = new Map<string, Resamples>();
/** Above this many entries the resamples are drawn again for every attack rather than kept. */
const MAX_KEPT_ENTRIES = 4_000_000;

/**
 * `resamples` stratified resamples of P members and N non-members, seeded by `seed` alone: every
 * attack of a run is measured on the same resamples (a paired bootstrap, so attacks compare
 * fairly), and they are drawn once per run rather than once per attack.
 */
function stratifiedResamples(seed: number, P: number, N: number, resamples: number): Resamples {
  const key = `${seed}:${P}:${N}:${resamples}`;
  const kept = drawn.get(key);
  if (kept) return kept;
  const total = P + N;
  const B = resamples;
  const stride = strideOf(B);
  const counts = total < 0x10000 ? new Uint16Array(stride * total) : new Uint32Array(stride * total);
  const rng = createRng(seed, 'interval/resamples');
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < P; k++) counts[Math.floor(rng.next() * P) * stride + b]++;
    for (let k = 0; k < N; k++) counts[(P + Math.floor(rng.next() * N)) * stride + b]++;
  }
  if (counts.length <= MAX_KEPT_ENTRIES) {
    drawn.clear();
    drawn.set(key, counts);
  }
  return counts;
}

/**
 * The percentile interval of `values` at `confidence`, symmetric in ranks: with k =
 * ceil(n·(1 − confidence)/2), the k-th smallest and the k-th largest (ranks 5 and 196 of 200 at 95 %).
 */
export function percentileInterval(values: Float64Array, confidence: number): Interval {
  const sorted = Float64Array.from(values).sort();
  // The tiny slack keeps 0.025·200 = 5.000000000000001 from rounding up to 6.
  const k = Math.max(1, Math.ceil(((1 - confidence) / 2) * sorted.length - 1e-9));
  return { lower: sorted[k - 1], upper: sorted[sorted.length - k] };
}

/** Which engine runs the sweep: WebAssembly SIMD (kernels/wasm-bootstrap.ts) or float64 JavaScript; the same sums either way. */
export type SweepRoute = 'simd' | 'js';

/** The row stride of the resample counts: B rounded up to whole SIMD lane groups. */
const strideOf = (resamples: number) => Math.ceil(resamples / SIMD_LANES) * SIMD_LANES;

/** SIMD where this engine has it and P, N fit its int32 sums (P + N < 65,536 and 2·P·N < 2^31), else JS. */
export function sweepRouteFor(members: number, nonMembers: number): SweepRoute {
  return simdSweepFor(members, nonMembers) !== undefined ? 'simd' : 'js';
}

/**
 * Stratified percentile-bootstrap intervals for AUC, accuracy at the attack's threshold and
 * advantage. Deterministic for a given seed; attacks measured under one seed share the resamples.
 * `route` picks the sweep's engine (the default is the fastest this engine can run exactly; tests
 * pin each to compare them); the intervals are the same bit for bit.
 */
export function bootstrapIntervals(input: BootstrapInput, route: SweepRoute = sweepRouteFor(input.memberScores.length, input.nonMemberScores.length)): BootstrapIntervals {
  const { memberScores, nonMemberScores, calledMember } = input;
  const resamples = input.resamples ?? DEFAULT_RESAMPLES;
  const confidence = input.confidence ?? DEFAULT_CONFIDENCE;
  const P = memberScores.length;
  const N = nonMemberScores.length;
  if (P === 0 || N === 0) throw new RangeError('bootstrap intervals need at least one member and one non-member');
  if (calledMember.length !== P + N) throw new RangeError(`calledMember has ${calledMember.length} entries; members + non-members = ${P + N}`);
  if (!Number.isInteger(resamples) || resamples < 10) throw new RangeError(`resamples must be an integer >= 10, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);

  const plan = planSweep(memberScores, nonMemberScores, calledMember);
  const counts = stratifiedResamples(input.seed, P, N, resamples);
  const B = resamples;
  const stride = strideOf(B);
  let sums: SweepSums | undefined;
  if (route === 'simd') {
    const simd = simdSweepFor(P, N);
    if (simd === undefined || !(counts instanceof Uint16Array)) throw new Error(`the SIMD sweep cannot run here (no WebAssembly SIMD, or ${P} members and ${N} non-members exceed its int32 bound)`);
    sums = simd.run(plan, counts, B, stride);
  }
  sums ??= sweepInJs(plan, counts, B, stride);
  const total = P + N;
  const { area, wrong } = sums;
  const auc = Float64Array.from(area, (a) => a / (2 * P * N));
  const accuracy = Float64Array.from(wrong, (w) => (total - w) / total);
  const advantage = Float64Array.from(sums.advantage, (gain) => gain / (P * N));
  return {
    auc: percentileInterval(auc, confidence),
    accuracy: percentileInterval(accuracy, confidence),
    advantage: percentileInterval(advantage, confidence),
  };
}

/** Clopper–Pearson interval of the TPR at the point `tprAtFpr(roc, maxFpr)` reads (strict `<`). */
export function tprAtFprInterval(roc: RocCurve, maxFpr: number, confidence = DEFAULT_CONFIDENCE): Interval {
  const point = lastPointBelowFpr(roc, maxFpr);
  const truePositives = Math.round(roc.tpr[point] * roc.positives);
  return clopperPearson(truePositives, roc.positives, confidence);
}

/** Convenience for tests and tools: the ROC of members vs non-members, then the TPR interval. */
export function tprAtFprIntervalOf(members: ArrayLike<number>, nonMembers: ArrayLike<number>, maxFpr: number, confidence = DEFAULT_CONFIDENCE): Interval {
  const scores = [...Array.from(members), ...Array.from(nonMembers)];
  const mask = scores.map((_, i) => (i < members.length ? 1 : 0));
  return tprAtFprInterval(computeRoc(scores, mask), maxFpr, confidence);
}

/** A figure whose interval is wider than the figure itself says little: it is marked where shown. */
export function isWiderThanFigure(value: number, interval: Interval): boolean {
  return interval.upper - interval.lower > Math.abs(value);
}

/** The marker printed after such a figure, and the footnote that explains it. */
export const WIDE_INTERVAL_MARK = '*';
export const WIDE_INTERVAL_NOTE = '* the 95 % interval is wider than the figure itself: too few records to read it as a measurement';

/** `0.006 [0.002, 0.013]`, with WIDE_INTERVAL_MARK appended when the interval is wider than the figure. */
export function formatWithInterval(value: number, interval: Interval | undefined, digits = 3): string {
  const figure = value.toFixed(digits);
  if (!interval) return figure;
  const mark = isWiderThanFigure(value, interval) ? WIDE_INTERVAL_MARK : '';
  return `${figure} [${interval.lower.toFixed(digits)}, ${interval.upper.toFixed(digits)}]${mark}`;
}

/**
 * A pointwise 95 % band around an ROC curve: at each point, the Clopper–Pearson interval of its
 * TPR as TP out of P members (the FPR fixed by the threshold, as for tprAtFprInterval). Pointwise,
 * not simultaneous: each point's interval holds at 95 % on its own. Points are [fpr, tpr].
 */
export function rocTprBand(points: readonly (readonly [number, number])[], positives: number, confidence = DEFAULT_CONFIDENCE): [fpr: number, lower: number, upper: number][] {
  if (!Number.isInteger(positives) || positives < 1) throw new RangeError(`positives must be a whole number >= 1, got ${positives}`);
  return points.map(([fpr, tpr]) => {
    const { lower, upper } = clopperPearson(Math.round(tpr * positives), positives, confidence);
    return [fpr, lower, upper];
  });
}
