/**
 * Softmax and log-sum-exp over rows of logits, written once for the whole engine, in float64 with
 * the row's max subtracted so that large logits cannot overflow exp. A confident member's
 * p_y = 1 − 1e−12 stays distinguishable from 1 here, which float32 would lose (predict.ts).
 */

/** log Σ_c exp(z_c) over the row at `offset` of `numClasses` logits, leaving out class `skip` (−1: none). */
export function logSumExp(logits: ArrayLike<number>, offset: number, numClasses: number, skip = -1): number {
  let max = -Infinity;
  for (let c = 0; c < numClasses; c++) if (c !== skip) max = Math.max(max, logits[offset + c]);
  let sum = 0;
  for (let c = 0; c < numClasses; c++) if (c !== skip) sum += Math.exp(logits[offset + c] - max);
  return max + Math.log(sum);
}

/** One probability, p_c, of the softmax of the row at `offset`: exp(z_c − logSumExp). */
export function softmaxAt(logits: ArrayLike<number>, offset: number, numClasses: number, c: number): number {
  return Math.exp(logits[offset + c] - logSumExp(logits, offset, numClasses));
}

/** Row-wise softmax of `count` rows of float32 logits, as float64 probabilities. */
export function softmaxRows(logits: Float32Array, count: number, numClasses: number): Float64Array {
  const probabilities = new Float64Array(count * numClasses);
  for (let row = 0; row < count; row++) {
    const offset = row * numClasses;
    let max = -Infinity;
    for (let c = 0; c < numClasses; c++) max = Math.max(max, logits[offset + c]);
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      const e = Math.exp(logits[offset + c] - max);
      probabilities[offset + c] = e;
      sum += e;
    }
    for (let c = 0; c < numClasses; c++) probabilities[offset + c] /= sum;
  }
  return probabilities;
}

/**
 * Row-wise log-softmax in float64, exact where softmax is not: for the row's largest logit,
 * log p_c = −log1p(Σ_{d≠c} e^{z_d − z_c}), so a memorised record's log p_y ≈ −1e−20 survives where
 * p_y itself rounds to 1 (from a logit margin of ~37); the other classes take z_c − logsumexp(z).
 * The attacks' signals read these (attacks/signals.ts).
 */
export function logSoftmaxRows(logits: ArrayLike<number>, count: number, numClasses: number): Float64Array {
  const out = new Float64Array(count * numClasses);
  for (let row = 0; row < count; row++) {
    const offset = row * numClasses;
    let top = 0;
    for (let c = 1; c < numClasses; c++) if (logits[offset + c] > logits[offset + top]) top = c;
    const lse = logSumExp(logits, offset, numClasses);
    for (let c = 0; c < numClasses; c++) out[offset + c] = logits[offset + c] - lse;
    let others = 0;
    for (let d = 0; d < numClasses; d++) if (d !== top) others += Math.exp(logits[offset + d] - logits[offset + top]);
    out[offset + top] = 0 - Math.log1p(others);
  }
  return out;
}

/** Per logits array and class count: the rows' softmax and log-softmax, computed once (or how to, where recorded). */
const memo = new WeakMap<Float32Array, Map<string, Float64Array | (() => Float64Array)>>();

function remembered(logits: Float32Array, kind: string, compute: () => Float64Array): Float64Array {
  let byKind = memo.get(logits);
  if (!byKind) memo.set(logits, (byKind = new Map()));
  const known = byKind.get(kind);
  if (known instanceof Float64Array) return known;
  const out = (known ?? compute)();
  byKind.set(kind, out);
  return out;
}

/**
 * softmaxRows over every row of `logits`, kept as long as the array lives: the stage cache hands
 * a re-run the very arrays of the last one, so a changed output defense pays no exp for them.
 * Shared by every caller: read it, never write.
 */
export function softmaxOf(logits: Float32Array, numClasses: number): Float64Array {
  return remembered(logits, `softmax/${numClasses}`, () => softmaxRows(logits, logits.length / numClasses, numClasses));
}

/** logSoftmaxRows over every row of `logits`, kept like softmaxOf. */
export function logSoftmaxOf(logits: Float32Array, numClasses: number): Float64Array {
  return remembered(logits, `log-softmax/${numClasses}`, () => logSoftmaxRows(logits, logits.length / numClasses, numClasses));
}

/**
 * Records the rows' log-softmax of `logits` where the caller knows it more exactly than the float32
 * logits say: logits made as the log of released probabilities (attacks/reference.ts,
 * logitsOfReleased). logSoftmaxOf then returns it, and softmaxOf `softmax()`, made when first asked.
 */
export function rememberLogSoftmax(logits: Float32Array, numClasses: number, logSoftmax: Float64Array, softmax: () => Float64Array): void {
  let byKind = memo.get(logits);
  if (!byKind) memo.set(logits, (byKind = new Map()));
  byKind.set(`log-softmax/${numClasses}`, logSoftmax);
  byKind.set(`softmax/${numClasses}`, softmax);
}
