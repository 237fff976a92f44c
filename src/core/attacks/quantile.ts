/**
 * Quantile-regression membership inference (Bertran et al., "Scalable Membership Inference
 * Attacks via Quantile Regression", arXiv:2307.03694). No shadow or reference model: a small
 * regression model learns, from public records the target never trained on, the (1 − α)-quantile
 * of the target's score as a function of the record. A record scoring above its own predicted
 * quantile is called a member; by construction about α of the non-members are, whatever their
 * difficulty. The regression model here is linear in coarse pixels and the one-hot label, trained
 * on the CPU in float64: small enough to read, fast at a few thousand records.
 */

export interface QuantileOptions {
  /** The false-positive rate aimed at: the model predicts the (1 − α)-quantile of non-member scores. */
  readonly alpha: number;
  /** Full-batch Adam steps. */
  readonly steps: number;
  readonly learningRate: number;
  /** L2 penalty on the weights (not the bias): 1,000 public records do not pin down hundreds of weights. */
  readonly l2: number;
}

export const DEFAULT_QUANTILE_OPTIONS: QuantileOptions = { alpha: 0.01, steps: 400, learningRate: 0.02, l2: 1e-3 };

/** Records as the regression model reads them: count rows of dim features. */
export interface FeatureMatrix {
  readonly values: Float64Array;
  readonly count: number;
  readonly dim: number;
}

/** Side of the pooling cells: a 28×28 digit becomes 7×7, a 32×32 colour image 8×8×3. */
const POOL = 4;

/**
 * Features of each record: its pixels averaged over 4×4 cells (in [0, 1]), then its one-hot label.
 * Coarse on purpose: the quantile should follow how a record looks (thick or faint strokes, its
 * class), not memorise it.
 */
export function quantileFeatures(images: Uint8Array, labels: ArrayLike<number>, count: number, shape: readonly [number, number, number], numClasses: number): FeatureMatrix {
  const [height, width, channels] = shape;
  if (images.length !== count * height * width * channels) throw new RangeError(`quantile features: ${images.length} pixels for ${count} images of ${shape.join('×')}`);
  const cellsY = Math.ceil(height / POOL);
  const cellsX = Math.ceil(width / POOL);
  const pixelDim = cellsY * cellsX * channels;
  const dim = pixelDim + numClasses;
  const values = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    const row = i * dim;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          const cell = (Math.floor(y / POOL) * cellsX + Math.floor(x / POOL)) * channels + c;
          const cellSize = Math.min(POOL, height - Math.floor(y / POOL) * POOL) * Math.min(POOL, width - Math.floor(x / POOL) * POOL);
          values[row + cell] += images[((i * height + y) * width + x) * channels + c] / 255 / cellSize;
        }
      }
    }
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) throw new RangeError(`quantile features: label ${label} of record ${i} is outside [0, ${numClasses})`);
    values[row + pixelDim + label] = 1;
  }
  return { values, count, dim };
}

/** A fitted linear quantile model: q(x) = w·x + b. */
export interface QuantileModel {
  readonly weights: Float64Array;
  readonly bias: number;
  /** τ = 1 − α, the quantile it predicts. */
  readonly tau: number;
}

/** The empirical τ-quantile (the ⌈τn⌉-th smallest), where a model with only a bias would settle. */
export function empiricalQuantile(values: ArrayLike<number>, tau: number): number {
  if (values.length === 0) throw new RangeError('a quantile of no values');
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(tau * sorted.length) - 1))];
}

/** Mean pinball loss ρ_τ(s − q) = max(τ(s − q), (τ − 1)(s − q)) (Koenker & Bassett 1978, Econometrica 46(1)). */
export function pinballLoss(targets: ArrayLike<number>, predictions: ArrayLike<number>, tau: number): number {
  let sum = 0;
  for (let i = 0; i < targets.length; i++) {
    const r = targets[i] - predictions[i];
    sum += r >= 0 ? tau * r : (tau - 1) * r;
  }
  return sum / targets.length;
}

export function predictQuantiles(model: QuantileModel, features: FeatureMatrix): Float64Array {
  if (features.dim !== model.weights.length) throw new RangeError(`quantile model: ${features.dim} features, the model has ${model.weights.length} weights`);
  const out = new Float64Array(features.count);
  for (let i = 0; i < features.count; i++) {
    let q = model.bias;
    for (let d = 0; d < features.dim; d++) q += model.weights[d] * features.values[i * features.dim + d];
    out[i] = q;
  }
  return out;
}

/**
 * Fit q(x) = w·x + b to the scores of public non-members by minimising the mean pinball loss at
 * τ = 1 − α plus l2‖w‖² (Bertran et al., arXiv:2307.03694, §3), with full-batch Adam (Kingma & Ba,
 * arXiv:1412.6980) from w = 0 and b at the empirical quantile. Deterministic: no random draw.
 */
export function fitQuantileRegression(features: FeatureMatrix, scores: ArrayLike<number>, options: QuantileOptions = DEFAULT_QUANTILE_OPTIONS): QuantileModel {
  const { alpha, steps, learningRate, l2 } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`quantile: alpha must lie in (0, 1), got ${alpha}`);
  if (scores.length !== features.count) throw new RangeError(`quantile: ${scores.length} scores for ${features.count} records`);
  if (features.count === 0) throw new RangeError('quantile: no public records to learn the quantile from');
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) throw new RangeError(`quantile: the score of public record ${i} is ${scores[i]}`);
  const tau = 1 - alpha;
  const { dim, count, values } = features;
  const params = new Float64Array(dim + 1); // weights, then the bias
  params[dim] = empiricalQuantile(scores, tau);
  const m = new Float64Array(dim + 1);
  const v = new Float64Array(dim + 1);
  const grad = new Float64Array(dim + 1);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= steps; t++) {
    grad.fill(0);
    for (let i = 0; i < count; i++) {
      let q = params[dim];
      for (let d = 0; d < dim; d++) q += params[d] * values[i * dim + d];
      // d/dq ρ_τ(s − q): −τ above the quantile, 1 − τ below it.
      const g = (scores[i] > q ? -tau : 1 - tau) / count;
      for (let d = 0; d < dim; d++) grad[d] += g * values[i * dim + d];
      grad[dim] += g;
    }
    for (let d = 0; d < dim; d++) grad[d] += 2 * l2 * params[d];
    for (let k = 0; k <= dim; k++) {
      m[k] = beta1 * m[k] + (1 - beta1) * grad[k];
      v[k] = beta2 * v[k] + (1 - beta2) * grad[k] * grad[k];
      params[k] -= (learningRate * (m[k] / (1 - beta1 ** t))) / (Math.sqrt(v[k] / (1 - beta2 ** t)) + eps);
    }
  }
  return { weights: params.slice(0, dim), bias: params[dim], tau };
}

/** The attack's score: the target's score minus the record's predicted quantile; member iff ≥ 0. */
export function quantileScores(model: QuantileModel, features: FeatureMatrix, targetScores: ArrayLike<number>): Float64Array {
  const q = predictQuantiles(model, features);
  if (targetScores.length !== features.count) throw new RangeError(`quantile: ${targetScores.length} scores for ${features.count} records`);
  return q.map((quantile, i) => targetScores[i] - quantile);
}

/**
 * The score the regression follows: the logit-scaled confidence log(p_y/(1 − p_y)) of the target's
 * (released) probabilities, near Gaussian per record (Carlini et al., arXiv:2112.03570, §4), which a
 * linear model fits far better than p_y itself. p_y is clipped to [1e-12, 1 − 1e-12] so that
 * rounded or top-k outputs stay finite.
 */
export function logitConfidence(probabilities: Float64Array, labels: ArrayLike<number>, count: number, numClasses: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const p = Math.min(Math.max(probabilities[i * numClasses + labels[i]], 1e-12), 1 - 1e-12);
    out[i] = Math.log(p) - Math.log(1 - p);
  }
  return out;
}
