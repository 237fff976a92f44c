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
