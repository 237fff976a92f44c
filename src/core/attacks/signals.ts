/**
 * Per-record signals read off a model's prediction vectors: the raw material of every
 * threshold attack. Each function returns one number per record and never NaN or Infinity.
 *
 * Logarithms are natural (nats). log 0 is floored at log(Number.MIN_VALUE / 2) ≈ −745.13, half
 * the smallest positive double: any probability the model can actually output (subnormals
 * included) keeps its exact log, so the order of records is never collapsed, and an exact 0
 * still ranks strictly below every positive value (a floor of log(Number.MIN_VALUE) itself would
 * tie 0 with Number.MIN_VALUE). 0·log 0 is taken as 0, its limit.
 */

/** A model's softmax outputs on `count` records, with each record's true label. */
export interface Predictions {
  /** Row-major count × numClasses; row i is record i's probability vector. */
  readonly probabilities: Float64Array;
  /** One class index per record, each in [0, numClasses). */
  readonly labels: ArrayLike<number>;
  readonly count: number;
  readonly numClasses: number;
}

/** Slack above 1 and below 0 for float32 softmax rounding (a few ulps at 1.19e-7 each). */
const PROBABILITY_TOLERANCE = 1e-6;

/** log(Number.MIN_VALUE / 2), one ln 2 below the log of any positive double: the floor for log 0. */
const LOG_FLOOR = Math.log(Number.MIN_VALUE) - Math.LN2;

/** log p, with log 0 (or a rounding-negative p) floored. */
function safeLog(p: number): number {
  return p > 0 ? Math.log(p) : LOG_FLOOR;
}

/** log(1 − p) via log1p for accuracy at small p, with log 0 (p = 1, or a rounding p > 1) floored. */
function safeLogOneMinus(p: number): number {
  return p < 1 ? Math.log1p(-p) : LOG_FLOOR;
}

/** −p log p, with 0·log 0 = 0. */
function entropyTerm(p: number): number {
  return p > 0 ? -p * Math.log(p) : 0;
}

/**
 * Throws a RangeError unless the shapes agree, every label is a class index and every
 * probability is a number in [0, 1] (give or take float32 rounding). Rows need not sum to 1.
 */
export function validatePredictions(predictions: Predictions): void {
  const { probabilities, labels, count, numClasses } = predictions;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count is ${count}; it must be a whole number`);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses is ${numClasses}; it must be a positive whole number`);
  }
  if (probabilities.length !== count * numClasses) {
    throw new RangeError(
      `probabilities has ${probabilities.length} entries; count × numClasses = ${count} × ${numClasses} needs ${count * numClasses}`,
    );
  }
  if (labels.length !== count) throw new RangeError(`labels has ${labels.length} entries; count is ${count}`);
  for (let i = 0; i < count; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new RangeError(`labels[${i}] is ${label}; it must be a class index in [0, ${numClasses})`);
    }
  }
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!(p >= -PROBABILITY_TOLERANCE && p <= 1 + PROBABILITY_TOLERANCE)) {
      const record = Math.floor(i / numClasses);
      throw new RangeError(`probabilities of record ${record}, class ${i % numClasses}, is ${p}; it must lie in [0, 1]`);
    }
  }
}

/** Validate, then apply `signal` to each record's row (a view, not a copy) and its label. */
function mapRecords(predictions: Predictions, signal: (row: Float64Array, label: number) => number): Float64Array {
  validatePredictions(predictions);
  const { probabilities, labels, count, numClasses } = predictions;
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = signal(probabilities.subarray(i * numClasses, (i + 1) * numClasses), labels[i]);
  }
  return out;
}

/** Cross-entropy loss −log p_y: low on records the model was trained on (Yeom et al., arXiv:1709.01604). */
export function lossSignal(predictions: Predictions): Float64Array {
  // 0 − x rather than −x, so a certain prediction gives a loss of 0, not −0.
  return mapRecords(predictions, (row, label) => 0 - safeLog(row[label]));
}

/** The highest probability in the row, whatever the label (Salem et al., arXiv:1806.01246). */
export function confidenceSignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row) => row.reduce((max, p) => (p > max ? p : max), 0));
}

/** Prediction entropy −Σ p_i log p_i in nats: low when the model is sure (Salem et al., arXiv:1806.01246). */
export function entropySignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row) => row.reduce((sum, p) => sum + entropyTerm(p), 0));
}

/**
 * Modified entropy (Song & Mittal, arXiv:2003.10595):
 * Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i).
 * Unlike plain entropy it uses the label: a confident WRONG prediction scores high, not low.
 */
export function modifiedEntropySignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row, label) => {
    let mentr = 0 - (1 - row[label]) * safeLog(row[label]);
    for (let i = 0; i < row.length; i++) {
      if (i !== label) mentr -= row[i] * safeLogOneMinus(row[i]);
    }
    return mentr;
  });
}

/** 1 if the most probable class (the first, on ties) is the label, else 0. */
export function correctnessSignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row, label) => {
    let argmax = 0;
    for (let i = 1; i < row.length; i++) if (row[i] > row[argmax]) argmax = i;
    return argmax === label ? 1 : 0;
  });
}
