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
  /**
   * The same rows as log-probabilities computed from the logits (models/predict.ts,
   * logSoftmaxRows), when the attacker sees the model's own outputs. A memorised record's p_y
   * rounds to exactly 1 in float64 once its logit margin passes ~37, and is coarsely quantised
   * from ~25, but log p_y = −log1p(Σ_{c≠y} e^{z_c − z_y}) stays exact, so the loss and the other
   * signals keep ranking such records instead of tying them. Absent behind an output defense:
   * the attacker then sees only the defended probabilities and the signals use their logs.
   */
  readonly logProbabilities?: Float64Array;
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

/** One record's row as the signals read it: log-probabilities, and 1 − p_c as the sum of the other classes. */
interface RecordRow {
  readonly numClasses: number;
  /** log p_c: from the logits when given, else the log of the probability (floored at log 0). */
  logP(c: number): number;
  /** p_c = exp(log p_c): exact for small p_c, which a subtraction from 1 would not be. */
  p(c: number): number;
  /** 1 − p_c, as Σ_{d≠c} p_d from the logits, so a memorised record's 1 − p_y is ~1e−20, not 0. */
  oneMinusP(c: number): number;
}

/**
 * The RecordRow of each record in turn: one reader per signal call, moved from row to row, rather
 * than three closures per record (a changed output defense recomputes every signal of every row).
 */
class RowReader implements RecordRow {
  offset = 0;

  constructor(
    readonly numClasses: number,
    private readonly probabilities: Float64Array,
    private readonly logProbabilities: Float64Array | undefined,
  ) {}

  logP(c: number): number {
    return this.logProbabilities ? this.logProbabilities[this.offset + c] : safeLog(this.probabilities[this.offset + c]);
  }

  p(c: number): number {
    return this.logProbabilities ? Math.exp(this.logProbabilities[this.offset + c]) : Math.max(0, this.probabilities[this.offset + c]);
  }

  oneMinusP(c: number): number {
    // From the logits a row sums to 1, so 1 − p_c is the other classes' mass, exact when tiny. A
    // defended row need not sum to 1 (top-k drops mass), so there 1 − p_c is taken as shown.
    if (!this.logProbabilities) return Math.max(0, 1 - this.probabilities[this.offset + c]);
    let sum = 0;
    for (let d = 0; d < this.numClasses; d++) if (d !== c) sum += this.p(d);
    return sum;
  }
}

/** Validate, then apply `signal` to each record's row and its label. */
function mapRecords(predictions: Predictions, signal: (row: RecordRow, label: number) => number): Float64Array {
  validatePredictions(predictions);
  const { labels, count, numClasses, logProbabilities } = predictions;
  if (logProbabilities && logProbabilities.length !== count * numClasses) {
    throw new RangeError(`logProbabilities has ${logProbabilities.length} entries; count × numClasses needs ${count * numClasses}`);
  }
  const out = new Float64Array(count);
  const row = new RowReader(numClasses, predictions.probabilities, logProbabilities);
  for (let i = 0; i < count; i++) {
    row.offset = i * numClasses;
    out[i] = signal(row, labels[i]);
  }
  return out;
}

/** The class with the largest probability (the first, on ties). */
function argmax(row: RecordRow): number {
  let best = 0;
  for (let c = 1; c < row.numClasses; c++) if (row.logP(c) > row.logP(best)) best = c;
  return best;
}

/**
 * Cross-entropy loss −log p_y = logsumexp(z) − z_y: low on records the model was trained on
 * (Yeom et al., arXiv:1709.01604). From the logits it stays exact for memorised records.
 */
export function lossSignal(predictions: Predictions): Float64Array {
  // 0 − x rather than −x, so a certain prediction gives a loss of 0, not −0.
  return mapRecords(predictions, (row, label) => 0 - row.logP(label));
}

/**
 * The highest probability in the row, whatever the label (Salem et al., arXiv:1806.01246), on
 * the logit scale log(p_max/(1 − p_max)) with 1 − p_max summed from the other classes: the same
 * order as p_max (so the same attack), without the ties of p_max = 1.
 */
export function confidenceSignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row) => {
    const top = argmax(row);
    return row.logP(top) - safeLog(row.oneMinusP(top));
  });
}

/** Prediction entropy −Σ p_i log p_i in nats: low when the model is sure (Salem et al., arXiv:1806.01246). */
export function entropySignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row) => {
    let sum = 0;
    for (let c = 0; c < row.numClasses; c++) {
      const p = row.p(c);
      if (p > 0) sum -= p * row.logP(c);
    }
    return sum;
  });
}

/**
 * Modified entropy (Song & Mittal, arXiv:2003.10595):
 * Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i).
 * Unlike plain entropy it uses the label: a confident WRONG prediction scores high, not low.
 * 1 − p is the sum of the other classes' probabilities, so memorised records do not tie at 0.
 */
export function modifiedEntropySignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row, label) => {
    let mentr = 0 - row.oneMinusP(label) * row.logP(label);
    for (let i = 0; i < row.numClasses; i++) {
      if (i !== label) mentr -= row.p(i) * safeLog(row.oneMinusP(i));
    }
    return mentr;
  });
}

/** 1 if the most probable class (the first, on ties) is the label, else 0. */
export function correctnessSignal(predictions: Predictions): Float64Array {
  return mapRecords(predictions, (row, label) => (argmax(row) === label ? 1 : 0));
}
