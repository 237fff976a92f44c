/**
 * From Rényi DP to (ε, δ)-DP: given ε_RDP(α) at several orders, the smallest ε that a conversion
 * theorem certifies at the given δ. Each conversion is a registry entry carrying its citation.
 */

export const RDP_CONVERSIONS = {
  balle: {
    label: 'Balle et al. (2020)',
    explanation:
      'Hypothesis-testing conversion: ε = ε_RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1). Never looser than ' +
      'the classic one and the default of TF Privacy and Opacus today. Balle, Barthe, Gaboardi, Hsu & Sato, ' +
      '"Hypothesis Testing Interpretations and Rényi Differential Privacy", arXiv:1905.09982, Theorem 21.',
  },
  classic: {
    label: 'Mironov (2017)',
    explanation:
      'The original conversion: ε = ε_RDP(α) + log(1/δ)/(α−1). Reproduces figures published before 2020, ' +
      'such as the TF Privacy MNIST tutorial. Mironov, "Rényi Differential Privacy", arXiv:1702.07476, Proposition 3.',
  },
} as const;

export type RdpConversion = keyof typeof RDP_CONVERSIONS;
export const RDP_CONVERSION_NAMES = Object.keys(RDP_CONVERSIONS) as RdpConversion[];
export const DEFAULT_RDP_CONVERSION: RdpConversion = 'balle';

export function isRdpConversion(name: string): name is RdpConversion {
  return Object.hasOwn(RDP_CONVERSIONS, name);
}

export interface EpsilonAtOrder {
  /** The certified ε, ≥ 0 (Infinity when no order gives a finite bound). */
  readonly epsilon: number;
  /** The Rényi order that gave it (NaN when every order gives Infinity). */
  readonly order: number;
}

/** ε certified at one order α by one conversion. */
function epsilonAtOrder(rdp: number, alpha: number, logDelta: number, conversion: RdpConversion): number {
  if (conversion === 'classic') {
    // ε = ε_RDP(α) + log(1/δ)/(α − 1)   (Mironov, arXiv:1702.07476, Proposition 3)
    return rdp - logDelta / (alpha - 1);
  }
  // ε = ε_RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1)   (Balle et al., arXiv:1905.09982, Theorem 21)
  return rdp + Math.log1p(-1 / alpha) - (logDelta + Math.log(alpha)) / (alpha - 1);
}

/**
 * The best (ε, δ) guarantee over the given orders: min over α of the conversion, clamped at 0
 * (a negative value would only mean δ alone already covers everything).
 */
export function rdpToEpsilon(
  orders: readonly number[],
  rdp: ArrayLike<number>,
  delta: number,
  conversion: RdpConversion = DEFAULT_RDP_CONVERSION,
): EpsilonAtOrder {
  if (orders.length !== rdp.length) throw new RangeError(`orders has ${orders.length} entries but rdp has ${rdp.length}`);
  if (orders.length === 0) throw new RangeError('orders must not be empty');
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  if (!isRdpConversion(conversion)) throw new RangeError(`conversion must be one of ${RDP_CONVERSION_NAMES.join(', ')}, got ${String(conversion)}`);
  const logDelta = Math.log(delta);
  let best: EpsilonAtOrder = { epsilon: Infinity, order: NaN };
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k];
    if (!(alpha > 1 && Number.isFinite(alpha))) throw new RangeError(`orders[${k}] must be finite and > 1, got ${alpha}`);
    if (Number.isNaN(rdp[k]) || rdp[k] < 0) throw new RangeError(`rdp[${k}] must be >= 0, got ${rdp[k]}`);
    const epsilon = epsilonAtOrder(rdp[k], alpha, logDelta, conversion);
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  }
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}
