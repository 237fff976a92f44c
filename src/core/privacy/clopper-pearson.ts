/**
 * Exact (Clopper–Pearson) confidence intervals for a binomial proportion, from beta quantiles:
 * with k successes out of n at confidence 1 − a,
 *   lower = B⁻¹(a/2; k, n − k + 1)   (0 when k = 0),
 *   upper = B⁻¹(1 − a/2; k + 1, n − k)   (1 when k = n).
 * Clopper & Pearson, Biometrika 26(4), 1934, doi:10.1093/biomet/26.4.404. Each end on its own is
 * a one-sided bound at confidence 1 − a/2.
 */
import { inverseRegularizedIncompleteBeta } from './special';

export interface ProportionInterval {
  readonly lower: number;
  readonly upper: number;
}

function checkCounts(successes: number, trials: number, confidence: number): void {
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`trials must be an integer >= 1, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`successes must be an integer in [0, trials=${trials}], got ${successes}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

/** The lower end of the two-sided interval at `confidence`. */
export function clopperPearsonLower(successes: number, trials: number, confidence: number): number {
  checkCounts(successes, trials, confidence);
  if (successes === 0) return 0;
  // B⁻¹(a/2; k, n − k + 1)   (Clopper & Pearson 1934)
  return inverseRegularizedIncompleteBeta((1 - confidence) / 2, successes, trials - successes + 1);
}

/** The upper end of the two-sided interval at `confidence`. */
export function clopperPearsonUpper(successes: number, trials: number, confidence: number): number {
  checkCounts(successes, trials, confidence);
  if (successes === trials) return 1;
  // B⁻¹(1 − a/2; k + 1, n − k)   (Clopper & Pearson 1934)
  return inverseRegularizedIncompleteBeta(1 - (1 - confidence) / 2, successes + 1, trials - successes);
}

/** The two-sided Clopper–Pearson interval for `successes` out of `trials`. */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): ProportionInterval {
  return {
    lower: clopperPearsonLower(successes, trials, confidence),
    upper: clopperPearsonUpper(successes, trials, confidence),
  };
}
