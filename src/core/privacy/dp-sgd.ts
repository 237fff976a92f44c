/**
 * The privacy budget of DP-SGD training (Abadi et al., "Deep Learning with Differential Privacy",
 * arXiv:1607.00133) in the terms a user sets: dataset size, batch size, noise multiplier, epochs.
 *
 * Assumption, stated once and relied on everywhere: Poisson sampling. Each step is taken to
 * include every record independently with probability q = B/N, as the RDP analysis of the sampled
 * Gaussian mechanism (arXiv:1908.10530) requires. Training loops that shuffle and cut fixed
 * batches do not sample this way; for them the figure is the customary estimate, not a proof
 * (Ponomareva et al., "How to DP-fy ML", arXiv:2303.00654, Section 5.6). This is also what TF
 * Privacy's `compute_dp_sgd_privacy` and Opacus's RDP accountant report.
 */
import { DEFAULT_RDP_CONVERSION, rdpToEpsilon, type EpsilonAtOrder, type RdpConversion } from './conversion';
import { DEFAULT_RDP_ORDERS, computeRdp } from './rdp';

/** δ of every (ε, δ) figure the lab reports: the accountant's and the empirical audit's. */
export const PRIVACY_DELTA = 1e-5;

export interface DpSgdSchedule {
  /** Training records N, an integer ≥ 1. */
  readonly datasetSize: number;
  /** Expected records per step B, an integer in [1, N]. */
  readonly batchSize: number;
  /** Passes over the data, > 0 (fractions allowed). */
  readonly epochs: number;
  /** The δ of the (ε, δ) guarantee, in (0, 1); customarily below 1/N. */
  readonly delta: number;
  /** RDP → (ε, δ) conversion; default 'balle'. */
  readonly conversion?: RdpConversion;
  /** Rényi orders to optimise over; default DEFAULT_RDP_ORDERS. */
  readonly orders?: readonly number[];
}

export interface DpSgdParams extends DpSgdSchedule {
  /** Noise standard deviation over the clipping norm, ≥ 0. */
  readonly noiseMultiplier: number;
}

export interface DpSgdEpsilon extends EpsilonAtOrder {
  /** q = B/N. */
  readonly samplingRate: number;
  /** ceil(epochs · N / B). */
  readonly steps: number;
}

/** q = B/N and steps = ceil(epochs · N/B), after checking the schedule. */
export function dpSgdSteps(schedule: DpSgdSchedule): { samplingRate: number; steps: number } {
  const { datasetSize, batchSize, epochs, delta } = schedule;
  if (!Number.isInteger(datasetSize) || datasetSize < 1) throw new RangeError(`datasetSize must be an integer >= 1, got ${datasetSize}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > datasetSize) {
    throw new RangeError(`batchSize must be an integer in [1, datasetSize=${datasetSize}], got ${batchSize}`);
  }
  if (!(epochs > 0) || !Number.isFinite(epochs)) throw new RangeError(`epochs must be a finite number > 0, got ${epochs}`);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  // The product is formed first so that whole epochs give whole steps without rounding up a 1e-16 excess.
  return { samplingRate: batchSize / datasetSize, steps: Math.ceil((epochs * datasetSize) / batchSize) };
}

/** The (ε, δ) guarantee of DP-SGD with the given schedule and noise multiplier. */
export function computeDpSgdEpsilon(params: DpSgdParams): DpSgdEpsilon {
  const { samplingRate, steps } = dpSgdSteps(params);
  const { noiseMultiplier, delta } = params;
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier)) {
    throw new RangeError(`noiseMultiplier must be a finite number >= 0, got ${noiseMultiplier}`);
  }
  const orders = params.orders ?? DEFAULT_RDP_ORDERS;
  const rdp = computeRdp({ samplingRate, noiseMultiplier, steps }, orders);
  const { epsilon, order } = rdpToEpsilon(orders, rdp, delta, params.conversion ?? DEFAULT_RDP_CONVERSION);
  return { epsilon, order, samplingRate, steps };
}

export interface NoiseSearch extends DpSgdSchedule {
  /** The ε to stay within, > 0. */
  readonly targetEpsilon: number;
  /** Stop when the bracket on σ is this tight relative to σ; default 1e-6. */
  readonly relativeTolerance?: number;
}

export interface NoiseMultiplierFound extends EpsilonAtOrder {
  /** The smallest σ found (to the tolerance) whose ε is ≤ targetEpsilon. */
  readonly noiseMultiplier: number;
}

/** Past this σ the search gives up: no practical schedule needs it. */
const MAX_NOISE_MULTIPLIER = 1e6;

/**
 * The smallest noise multiplier whose ε stays within the target, by bisection: ε falls as σ grows
 * (each order's RDP does, so their minimum after conversion does too). Returns the upper end of
 * the final bracket, so the guarantee always holds. Throws when even infinite noise cannot reach
 * the target: with δ fixed, every conversion leaves a floor on ε through its log(1/δ)/(α − 1) term.
 */
export function findNoiseMultiplier(search: NoiseSearch): NoiseMultiplierFound {
  const { targetEpsilon } = search;
  if (!(targetEpsilon > 0) || !Number.isFinite(targetEpsilon)) throw new RangeError(`targetEpsilon must be a finite number > 0, got ${targetEpsilon}`);
  const relativeTolerance = search.relativeTolerance ?? 1e-6;
  if (!(relativeTolerance > 0 && relativeTolerance < 1)) throw new RangeError(`relativeTolerance must be in (0, 1), got ${relativeTolerance}`);
  dpSgdSteps(search);
  const orders = search.orders ?? DEFAULT_RDP_ORDERS;
  const epsilonAt = (noiseMultiplier: number) => computeDpSgdEpsilon({ ...search, noiseMultiplier });

  // With infinite noise the RDP is 0 at every order; what remains is the conversion's floor.
  const floor = rdpToEpsilon(orders, new Float64Array(orders.length), search.delta, search.conversion ?? DEFAULT_RDP_CONVERSION);
  if (floor.epsilon >= targetEpsilon) {
    throw new RangeError(
      `targetEpsilon ${targetEpsilon} is unreachable: at delta=${search.delta} even infinite noise gives epsilon ${floor.epsilon.toPrecision(4)} ` +
        `with these orders (largest ${Math.max(...orders)}); raise the target, raise delta or add larger orders`,
    );
  }

  let low = 0; // σ = 0 gives ε = ∞ > target.
  let high = 1;
  let atHigh = epsilonAt(high);
  while (atHigh.epsilon > targetEpsilon) {
    low = high;
    high *= 2;
    if (high > MAX_NOISE_MULTIPLIER) {
      throw new RangeError(`targetEpsilon ${targetEpsilon} is unreachable with a noise multiplier up to ${MAX_NOISE_MULTIPLIER}`);
    }
    atHigh = epsilonAt(high);
  }
  while (high - low > relativeTolerance * high) {
    const middle = 0.5 * (low + high);
    const atMiddle = epsilonAt(middle);
    if (atMiddle.epsilon > targetEpsilon) low = middle;
    else {
      high = middle;
      atHigh = atMiddle;
    }
  }
  return { noiseMultiplier: high, epsilon: atHigh.epsilon, order: atHigh.order };
}
