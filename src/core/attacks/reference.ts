/**
 * Attacks that read a record's fate off reference models: N models trained on random halves of a
 * pool that holds the target's evaluation records, so each record is IN for half of them and OUT
 * for the rest. The target's output on a record is compared with the IN and OUT distributions.
 * Everything here is plain arithmetic on logits; training the reference models is elsewhere
 * (models/references.ts).
 */
import { logSoftmaxOf, logSumExp, rememberLogSoftmax, softmaxOf } from '../math/softmax';

/** Logits of several models on the same records, with which records each model trained on. */
export interface ReferenceOutputs {
  /** One Float32Array per model: count × numClasses logits per query (queries × count × numClasses). */
  readonly logits: readonly Float32Array[];
  /** One mask per model over the records: 1 = the model trained on it (IN). */
  readonly inMask: readonly Uint8Array[];
  readonly labels: ArrayLike<number>;
  readonly count: number;
  readonly numClasses: number;
  /** Augmented versions of each record queried (1 = the record alone). */
  readonly queries: number;
}

/** A model's logits on the records (and queries) of a ReferenceOutputs. */
export interface QueryLogits {
  readonly logits: Float32Array;
}

/** The population sample z of RMIA: logits of the target and of each reference model on records no model trained on. */
export interface Population {
  readonly target: Float32Array;
  readonly references: readonly Float32Array[];
  readonly labels: ArrayLike<number>;
  readonly count: number;
}

export interface LiraOptions {
  /** One variance for all records (Carlini et al.: better with few reference models). */
  readonly fixedVariance: boolean;
}

export interface RmiaOptions {
  /** Offline scaling of OUT probabilities for the missing IN models (Zarifzadeh et al., arXiv:2312.03262). */
  readonly a: number;
  /** x dominates z when its likelihood ratio against z exceeds gamma. */
  readonly gamma: number;
}

/** Variances below this are floored, so a record every model fits identically does not divide by 0. */
const MIN_VARIANCE = 1e-8;

/** What the reference attacks read of one model's logits on one query: φ and p_y per record. */
interface LabelSignals {
  /** φ = log(p_y / (1 − p_y)) = z_y − logsumexp_{j≠y} z_j. */
  readonly phi: Float64Array;
  /** p_y = exp(z_y − logsumexp_j z_j). */
  readonly trueProbability: Float64Array;
}

/**
 * Every attack and its calibration read the same models' signals: each logits array is reduced
 * once per (labels, query) and kept as long as the array lives. The labels are compared by
 * content: a re-run from the cache brings the same logits arrays but freshly gathered labels.
 */
const signalMemo = new WeakMap<Float32Array, { labels: Uint8Array; source: ArrayLike<number>; byQuery: Map<number, LabelSignals> }[]>();

function sameLabels(kept: Uint8Array, labels: ArrayLike<number>, count: number): boolean {
  return kept.length === count && sameFirst(kept, labels, count);
}

function sameFirst(a: ArrayLike<number>, b: ArrayLike<number>, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The memo's signals of `logits` under `labels`, by query (made empty the first time). */
function signalsByQuery(logits: Float32Array, labels: ArrayLike<number>, count: number): Map<number, LabelSignals> {
  let entries = signalMemo.get(logits);
  if (!entries) signalMemo.set(logits, (entries = []));
  // The labels array last matched is met again by every attack of a run: its identity answers
  // without comparing thousands of labels each time.
  let entry = entries.find((e) => e.source === labels && e.labels.length === count) ?? entries.find((e) => sameLabels(e.labels, labels, count));
  if (!entry) {
    const kept = new Uint8Array(count);
    for (let i = 0; i < count; i++) kept[i] = labels[i];
    entries.push((entry = { labels: kept, source: labels, byQuery: new Map() }));
  }
  entry.source = labels;
  return entry.byQuery;
}

function labelSignals(logits: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, query: number): LabelSignals {
  const byQuery = signalsByQuery(logits, labels, count);
  const known = byQuery.get(query);
  if (known) return known;
  const phi = new Float64Array(count);
  const trueProbability = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const offset = (query * count + i) * numClasses;
    const label = labels[i];
    const zy = logits[offset + label];
    const others = logSumExp(logits, offset, numClasses, label);
    phi[i] = zy - others;
    // logsumexp over all classes from the two parts: log(e^{z_y} + e^{others}).
    const all = Math.max(zy, others) + Math.log1p(Math.exp(-Math.abs(zy - others)));
    trueProbability[i] = Math.exp(zy - all);
  }
  const signals = { phi, trueProbability };
  byQuery.set(query, signals);
  return signals;
}

/** A released probability of 0 is read as this, so no −Infinity reaches the attacks. */
export const RELEASED_FLOOR = 1e-30;

/**
 * What a reference attack reads of a model behind output defenses: the log of the released
 * probabilities as its logits (rows of `numClasses`, queries × count of them; 0 floored at
 * RELEASED_FLOOR). The rows' log-softmax and softmax (made when asked) and each record's φ and p_y
 * are recorded from the float64 probabilities as they are made, not derived again from the float32
 * logs: one log per entry where deriving them again costs three exp, and exact where float32 rounds.
 */
export function logitsOfReleased(probabilities: Float64Array, labels: ArrayLike<number>, count: number, numClasses: number): Float32Array {
  const rows = probabilities.length / numClasses;
  const queries = rows / count;
  if (!Number.isInteger(queries)) throw new RangeError(`${rows} rows of released probabilities are not a whole number of queries of ${count} records`);
  const logits = new Float32Array(probabilities.length);
  const logSoftmax = new Float64Array(probabilities.length);
  /** Each row's sum of floored probabilities, kept for the softmax below. */
  const totals = new Float64Array(rows);
  const signals = Array.from({ length: queries }, () => ({ phi: new Float64Array(count), trueProbability: new Float64Array(count) }));
  const logFloor = Math.log(RELEASED_FLOOR);
  for (let row = 0; row < rows; row++) {
    const offset = row * numClasses;
    const record = row % count;
    const label = labels[record];
    let total = 0;
    let others = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = Math.max(probabilities[offset + c], RELEASED_FLOOR);
      const log = p === RELEASED_FLOOR ? logFloor : Math.log(p);
      logSoftmax[offset + c] = log;
      logits[offset + c] = log;
      total += p;
      if (c !== label) others += p;
    }
    totals[row] = total;
    const logTotal = Math.log(total);
    for (let c = 0; c < numClasses; c++) logSoftmax[offset + c] -= logTotal;
    const query = signals[(row - record) / count];
    // φ = log p_y − log Σ_{c≠y} p_c (Carlini et al., arXiv:2112.03570, §4), unchanged by normalising.
    query.phi[record] = logSoftmax[offset + label] + logTotal - Math.log(others);
    query.trueProbability[record] = Math.max(probabilities[offset + label], RELEASED_FLOOR) / total;
  }
  // The rows' softmax divides the floored probabilities by their total: no exp, and exact.
  rememberLogSoftmax(logits, numClasses, logSoftmax, () => {
    const softmax = new Float64Array(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) softmax[i] = Math.max(probabilities[i], RELEASED_FLOOR) / totals[(i / numClasses) | 0];
    return softmax;
  });
  const byQuery = signalsByQuery(logits, labels, count);
  signals.forEach((s, q) => byQuery.set(q, s));
  return logits;
}

/**
 * φ = log(p_y / (1 − p_y)) from logits, without forming p_y: z_y − logsumexp_{j≠y} z_j
 * (Carlini et al., arXiv:2112.03570, §4: the logit-scaled confidence is close to Gaussian).
 */
export function logitScaledConfidence(logits: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number, query = 0): Float64Array {
  return labelSignals(logits, labels, count, numClasses, query).phi;
}

/** p_y of every record on the first query, from the same memo as φ. */
export function trueClassProbabilities(logits: Float32Array, labels: ArrayLike<number>, count: number, numClasses: number): Float64Array {
  return labelSignals(logits, labels, count, numClasses, 0).trueProbability;
}

/** Per record and query: mean and variance of φ over the IN models and over the OUT models. */
interface GaussianFits {
  readonly inMean: Float64Array;
  readonly inVar: Float64Array;
  readonly outMean: Float64Array;
  readonly outVar: Float64Array;
}

/** The first reference set seen with the same logits arrays, masks and labels, keyed by its first model's logits. */
const knownSets = new WeakMap<Float32Array, ReferenceOutputs[]>();

/**
 * `refs`, or an equal set met before: a re-run from the cache rebuilds the set around the same
 * arrays, and this lets the memos below (keyed by the set) find what the last run computed.
 */
function canonicalSet(refs: ReferenceOutputs): ReferenceOutputs {
  if (refs.logits.length === 0) return refs;
  let sets = knownSets.get(refs.logits[0]);
  if (!sets) knownSets.set(refs.logits[0], (sets = []));
  const same = (a: ReferenceOutputs) =>
    a.count === refs.count &&
    a.numClasses === refs.numClasses &&
    a.queries === refs.queries &&
    a.logits.length === refs.logits.length &&
    a.logits.every((l, m) => l === refs.logits[m]) &&
    a.inMask.every((mask, m) => mask === refs.inMask[m] || (mask.length === refs.inMask[m].length && sameFirst(mask, refs.inMask[m], mask.length))) &&
    sameFirst(a.labels, refs.labels, refs.count);
  const known = sets.find(same);
  if (known) return known;
  sets.push(refs);
  return refs;
}

/** Fits per reference set and variance mode: online and offline LiRA read the same ones. */
const fitMemo = new WeakMap<ReferenceOutputs, Map<boolean, GaussianFits>>();

function fitGaussians(given: ReferenceOutputs, fixedVariance: boolean): GaussianFits {
  const refs = canonicalSet(given);
  let byMode = fitMemo.get(refs);
  if (!byMode) fitMemo.set(refs, (byMode = new Map()));
  let fits = byMode.get(fixedVariance);
  if (!fits) byMode.set(fixedVariance, (fits = computeFits(refs, fixedVariance)));
  return fits;
}

function computeFits(refs: ReferenceOutputs, fixedVariance: boolean): GaussianFits {
  const { count, queries, numClasses } = refs;
  const size = count * queries;
  const fits = { inMean: new Float64Array(size), inVar: new Float64Array(size), outMean: new Float64Array(size), outVar: new Float64Array(size) };
  const inCount = new Float64Array(count);
  const outCount = new Float64Array(count);
  for (const mask of refs.inMask) for (let i = 0; i < count; i++) (mask[i] ? inCount : outCount)[i]++;
  const phis = refs.logits.map((logits) =>
    Array.from({ length: queries }, (_, q) => logitScaledConfidence(logits, refs.labels, count, numClasses, q)),
  );
  // Two passes (mean, then squared deviations): numerically safer than sums of squares. Each
  // model's pass is a small function of its own: called once per model and query, it is optimised
  // after a few calls, where loops inlined here were compiled for on-stack replacement again on
  // every fit (a re-run fits once per held-out model).
  const { inMean, outMean, inVar, outVar } = fits;
  for (let m = 0; m < phis.length; m++) {
    for (let q = 0; q < queries; q++) addMeans(phis[m][q], refs.inMask[m], inCount, outCount, inMean, outMean, q * count);
  }
  for (let m = 0; m < phis.length; m++) {
    for (let q = 0; q < queries; q++) addVariances(phis[m][q], refs.inMask[m], inCount, outCount, inMean, outMean, inVar, outVar, q * count);
  }
  // The pooled variance: the mean over the records whose side had at least two models.
  // Carlini et al. (arXiv:2112.03570, §4.2): one variance estimated over all examples. Per-record
  // variance keeps each record's own, except where a side had fewer than two models: its variance
  // would be 0, floored to MIN_VARIANCE, and the scores would explode; the pooled one stands in.
  poolVariances(inVar, inCount, fixedVariance);
  poolVariances(outVar, outCount, fixedVariance);
  return fits;
}

/** One model's φ into the IN or OUT mean of each record (divided as it goes, in model order). */
function addMeans(phi: Float64Array, mask: Uint8Array, inCount: Float64Array, outCount: Float64Array, inMean: Float64Array, outMean: Float64Array, offset: number): void {
  for (let i = 0, k = offset; i < phi.length; i++, k++) {
    if (mask[i]) inMean[k] += phi[i] / inCount[i];
    else outMean[k] += phi[i] / outCount[i];
  }
}

/** One model's squared deviation from its side's mean into each record's variance (n − 1 in the denominator). */
function addVariances(
  phi: Float64Array,
  mask: Uint8Array,
  inCount: Float64Array,
  outCount: Float64Array,
  inMean: Float64Array,
  outMean: Float64Array,
  inVar: Float64Array,
  outVar: Float64Array,
  offset: number,
): void {
  for (let i = 0, k = offset; i < phi.length; i++, k++) {
    if (mask[i]) inVar[k] += (phi[i] - inMean[k]) ** 2 / Math.max(inCount[i] - 1, 1);
    else outVar[k] += (phi[i] - outMean[k]) ** 2 / Math.max(outCount[i] - 1, 1);
  }
}

/** The pooled variance (over the records whose side had two models or more) in place of each record's where `fixed`, or where the side had fewer. */
function poolVariances(variances: Float64Array, counts: Float64Array, fixed: boolean): void {
  const count = counts.length;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < variances.length; k++) {
    if (counts[k % count] >= 2) {
      sum += variances[k];
      n++;
    }
  }
  const pooled = n > 0 ? sum / n : 1;
  for (let k = 0; k < variances.length; k++) if (fixed || counts[k % count] < 2) variances[k] = pooled;
}

function requireBothSides(refs: ReferenceOutputs, needIn: boolean): void {
  const ins = new Int32Array(refs.count);
  for (const mask of refs.inMask) for (let i = 0; i < refs.count; i++) ins[i] += mask[i];
  for (let i = 0; i < refs.count; i++) {
    if (ins[i] === refs.inMask.length || (needIn && ins[i] === 0)) {
      throw new RangeError(
        `record ${i} is IN for ${ins[i]} of ${refs.inMask.length} reference models; ` +
          `${needIn ? 'online LiRA needs both IN and OUT models' : 'offline attacks need OUT models'} for every record`,
      );
    }
  }
}

/** log N(x; μ, σ²). */
function logNormal(x: number, mean: number, variance: number): number {
  const v = Math.max(variance, MIN_VARIANCE);
  return -0.5 * (Math.log(2 * Math.PI * v) + (x - mean) ** 2 / v);
}

/** Σ over queries of `perRecord(φ, fit index)` / queries: the two LiRA variants differ only in the per-record test. */
function liraScores(target: QueryLogits, refs: ReferenceOutputs, options: LiraOptions, needIn: boolean, perRecord: (phi: number, fits: GaussianFits, k: number) => number): Float64Array {
  requireBothSides(refs, needIn);
  const fits = fitGaussians(refs, options.fixedVariance);
  const scores = new Float64Array(refs.count);
  for (let q = 0; q < refs.queries; q++) {
    const phi = logitScaledConfidence(target.logits, refs.labels, refs.count, refs.numClasses, q);
    for (let i = 0; i < refs.count; i++) scores[i] += perRecord(phi[i], fits, q * refs.count + i) / refs.queries;
  }
  return scores;
}

/**
 * Online LiRA (Carlini et al., arXiv:2112.03570, Algorithm 1): the likelihood ratio
 * log N(φ; μ_in, σ_in²) − log N(φ; μ_out, σ_out²), averaged over the queries. Higher = member.
 */
export function liraOnlineScores(target: QueryLogits, refs: ReferenceOutputs, options: LiraOptions): Float64Array {
  return liraScores(target, refs, options, true, (phi, f, k) => logNormal(phi, f.inMean[k], f.inVar[k]) - logNormal(phi, f.outMean[k], f.outVar[k]));
}

/**
 * Offline LiRA (Carlini et al., arXiv:2112.03570, §VI-C): a one-sided test against the OUT
 * models alone, scored by the standardised confidence (φ − μ_out)/σ_out averaged over the
 * queries; the one-sided p-value is monotone in it. Needs no IN model.
 */
export function liraOfflineScores(target: QueryLogits, refs: ReferenceOutputs, options: LiraOptions): Float64Array {
  return liraScores(target, refs, options, false, (phi, f, k) => (phi - f.outMean[k]) / Math.sqrt(Math.max(f.outVar[k], MIN_VARIANCE)));
}

/**
 * RMIA, offline (Zarifzadeh et al., arXiv:2312.03262, Eq. 4 and §3 "offline"): with
 * Pr(x) ≈ ½((1 + a)·mean_OUT p(x) + (1 − a)), the ratio LR(x, z) = (p_θ(x)/Pr(x)) / (p_θ(z)/Pr(z));
 * the score is the fraction of population records z with LR(x, z) > γ. Uses the first query only.
 */
export function rmiaScores(target: QueryLogits, refs: ReferenceOutputs, population: Population, options: RmiaOptions): Float64Array {
  requireBothSides(refs, false);
  const { count, numClasses } = refs;
  const scale = (outMean: number) => 0.5 * ((1 + options.a) * outMean + (1 - options.a));
  const py = (logits: Float32Array) => trueClassProbabilities(logits, refs.labels, count, numClasses);
  const models = refs.logits.map(py);
  const targetPy = py(target.logits);
  const ratioX = new Float64Array(count);
  const outSum = new Float64Array(count);
  const outs = new Int32Array(count);
  models.forEach((p, m) => {
    const inMask = refs.inMask[m];
    for (let i = 0; i < count; i++) {
      if (inMask[i]) continue;
      outSum[i] += p[i];
      outs[i]++;
    }
  });
  for (let i = 0; i < count; i++) ratioX[i] = targetPy[i] / scale(outSum[i] / outs[i]);
  const populationPy = (logits: Float32Array) => trueClassProbabilities(logits, population.labels, population.count, numClasses);
  const populationModels = population.references.map(populationPy);
  const populationTarget = populationPy(population.target);
  const ratioZ = new Float64Array(population.count);
  for (let j = 0; j < population.count; j++) {
    let sum = 0;
    for (const p of populationModels) sum += p[j];
    ratioZ[j] = populationTarget[j] / scale(sum / populationModels.length);
  }
  ratioZ.sort();
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) scores[i] = countBelow(ratioZ, ratioX[i] / options.gamma) / population.count;
  return scores;
}

/** How many entries of the ascending `sorted` are strictly below `value`. */
export function countBelow(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The similarity attack (Long et al., arXiv:1712.09136): the target's output on x is compared by
 * KL divergence with reference models trained with x and without it; the score is
 * mean KL(target ‖ OUT) − mean KL(target ‖ IN): a member's output sits nearer the IN models'.
 * Uses the first query only. KL(p ‖ q) = Σ_c p_c (log p_c − log q_c), from log-softmax in float64
 * (kept per logits array, so each model's rows are normalised once).
 */
export function similarityScores(target: QueryLogits, refs: ReferenceOutputs): Float64Array {
  requireBothSides(refs, true);
  const { count, numClasses } = refs;
  const p = softmaxOf(target.logits, numClasses);
  const logP = logSoftmaxOf(target.logits, numClasses);
  const inSum = new Float64Array(count);
  const outSum = new Float64Array(count);
  const inCount = new Float64Array(count);
  refs.logits.forEach((logits, m) => {
    const logQ = logSoftmaxOf(logits, numClasses);
    const inMask = refs.inMask[m];
    for (let i = 0; i < count; i++) {
      let kl = 0;
      for (let c = i * numClasses; c < (i + 1) * numClasses; c++) kl += p[c] * (logP[c] - logQ[c]);
      kl = Math.max(kl, 0);
      if (inMask[i]) {
        inSum[i] += kl;
        inCount[i]++;
      } else outSum[i] += kl;
    }
  });
  const models = refs.logits.length;
  return Float64Array.from({ length: count }, (_, i) => outSum[i] / (models - inCount[i]) - inSum[i] / inCount[i]);
}

/** The reference models with model `held` taken out, and that model's logits as a pseudo-target. */
export function leaveOneOut(given: ReferenceOutputs, held: number): LeftOut {
  const refs = canonicalSet(given);
  let byHeld = leftOutMemo.get(refs);
  if (!byHeld) leftOutMemo.set(refs, (byHeld = new Map()));
  let out = byHeld.get(held);
  if (!out) byHeld.set(held, (out = leaveOut(refs, held)));
  return out;
}

interface LeftOut {
  readonly target: QueryLogits;
  readonly refs: ReferenceOutputs;
  readonly members: Uint8Array;
}

/** One split per reference set and held model, so every reference attack's calibration shares its fits and signals. */
const leftOutMemo = new WeakMap<ReferenceOutputs, Map<number, LeftOut>>();

function leaveOut(refs: ReferenceOutputs, held: number): LeftOut {
  const keep = (_: unknown, m: number) => m !== held;
  return {
    target: { logits: refs.logits[held] },
    refs: { ...refs, logits: refs.logits.filter(keep), inMask: refs.inMask.filter(keep) },
    members: refs.inMask[held],
  };
}
