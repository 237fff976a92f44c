/**
 * Output-side defenses: pure functions from the model's prediction vectors to what the attacker
 * is shown. The model and its accuracy are untouched except where a defense changes the argmax
 * (noise, rounding ties). Inputs are never modified; every function returns new arrays.
 */
import { ATTACK_NAMES, ATTACKS, attackNeeds, type AttackName } from '../attacks/registry';
import { validatePredictions, type Predictions } from '../attacks/signals';
import type { Rng } from '../random';
import { OUTPUT_DEFENSE_IDS, resolveDefenses, type DefenseConfig, type DefenseParams, type OutputDefenseId, type ResolvedDefenses } from './registry';
import { standardNormal } from './sampling';

/** Predictions as the attacker receives them, saying which output defenses made them. */
export interface DefendedPredictions extends Predictions {
  /**
   * True when only the predicted label was released: each row is then the one-hot vector of that
   * label, a valid Predictions value that carries no score. Only the attacks in
   * applicableAttacks(true) may be run on it.
   */
  readonly labelOnly: boolean;
  /** The output defenses applied, in order. */
  readonly outputDefenses: readonly OutputDefenseId[];
}

/** Attacks that need nothing but the predicted label: their registry entries say `needs: 'labels'`. */
export const LABEL_ONLY_ATTACKS: readonly AttackName[] = ATTACK_NAMES.filter((name) => attackNeeds(ATTACKS[name]) === 'labels');

/** The sentence to show for an attack that cannot run on label-only outputs. */
export const NOT_APPLICABLE_REASON = 'not applicable: the target returns only labels, and this attack thresholds a score';

/** Whether `attack` means anything against outputs that are (labelOnly) or are not only labels. */
export function isAttackApplicable(attack: AttackName, labelOnly: boolean): boolean {
  return !labelOnly || LABEL_ONLY_ATTACKS.includes(attack);
}

/** The attacks that apply, in registry order. */
export function applicableAttacks(labelOnly: boolean): readonly AttackName[] {
  return ATTACK_NAMES.filter((name) => isAttackApplicable(name, labelOnly));
}

/** True for predictions released as labels only. */
export function isLabelOnly(predictions: Predictions): boolean {
  return (predictions as Partial<DefendedPredictions>).labelOnly === true;
}

function withProbabilities(predictions: Predictions, probabilities: Float64Array): Predictions {
  return { probabilities, labels: predictions.labels, count: predictions.count, numClasses: predictions.numClasses };
}

/**
 * Each row's class indices, largest value first; equal values keep class order. Kept as long as
 * the probabilities' buffer lives (keyed by its view), since the ranking does not depend on k: a
 * top-k slider moved over the same model outputs ranks their rows once. An insertion sort per row,
 * on offsets rather than a view per row: rows are short, and a view costs more than the row.
 */
function classRanking(probabilities: Float64Array, count: number, numClasses: number): Uint8Array | Uint16Array {
  const view = `${probabilities.byteOffset}/${probabilities.length}/${numClasses}`;
  let byView = rankings.get(probabilities.buffer);
  if (!byView) rankings.set(probabilities.buffer, (byView = new Map()));
  const known = byView.get(view);
  if (known) return known;
  const ranked = numClasses <= 256 ? new Uint8Array(count * numClasses) : new Uint16Array(count * numClasses);
  for (let i = 0; i < count; i++) {
    const offset = i * numClasses;
    for (let c = 0; c < numClasses; c++) {
      const value = probabilities[offset + c];
      let j = c;
      while (j > 0 && probabilities[offset + ranked[offset + j - 1]] < value) {
        ranked[offset + j] = ranked[offset + j - 1];
        j--;
      }
      ranked[offset + j] = c;
    }
  }
  byView.set(view, ranked);
  return ranked;
}

/** classRanking's memo. Inputs are never modified (see the top of this file), so a view's ranking stays true. */
const rankings = new WeakMap<ArrayBufferLike, Map<string, Uint8Array | Uint16Array>>();

/**
 * Keeps the k largest probabilities of each row and sets the rest to 0, without renormalising, so
 * every row has exactly k entries that may be non-zero (Shokri et al., arXiv:1610.05820, §VI).
 * Ties at the k-th place go to the lower class index.
 */
export function maskTopK(predictions: Predictions, k: number): Predictions {
  validatePredictions(predictions);
  return keepTopK(predictions, k);
}

function keepTopK(predictions: Predictions, k: number): Predictions {
  const { probabilities, count, numClasses } = predictions;
  if (!Number.isInteger(k) || k < 1 || k > numClasses) {
    throw new RangeError(`top-k: k must be an integer in [1, ${numClasses}] (the number of classes), got ${k}`);
  }
  const ranked = classRanking(probabilities, count, numClasses);
  const out = new Float64Array(probabilities.length);
  for (let offset = 0; offset < probabilities.length; offset += numClasses) {
    for (let r = 0; r < k; r++) {
      const at = offset + ranked[offset + r];
      out[at] = probabilities[at];
    }
  }
  return withProbabilities(predictions, out);
}

/**
 * Rounds each probability to `decimals` places by largest remainder (Hamilton's method): every
 * value becomes its floor or ceiling on the 10^−d grid, and the row keeps its rounded total, so a
 * distribution stays a distribution (Shokri et al., arXiv:1610.05820, §VI, round to d digits).
 * Equal remainders go to the lower class index.
 */
export function roundProbabilities(predictions: Predictions, decimals: number): Predictions {
  validatePredictions(predictions);
  return roundRows(predictions, decimals);
}

function roundRows(predictions: Predictions, decimals: number): Predictions {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15) {
    throw new RangeError(`rounding: decimals must be an integer in [0, 15], got ${decimals}`);
  }
  const { probabilities, count, numClasses } = predictions;
  const scale = 10 ** decimals;
  const out = new Float64Array(probabilities.length);
  // The row's classes with a remainder, and their remainders: only they can take a unit more.
  const candidates = new Int32Array(numClasses);
  const remainders = new Float64Array(numClasses);
  for (let i = 0; i < count; i++) {
    const offset = i * numClasses;
    let total = 0;
    let assigned = 0;
    let n = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probabilities[offset + c];
      if (!(p > 0)) continue;
      const scaled = p * scale;
      const units = Math.floor(scaled);
      total += scaled;
      assigned += units;
      out[offset + c] = units;
      if (scaled > units) {
        candidates[n] = c;
        remainders[n++] = scaled - units;
      }
    }
    // The `extra` largest remainders get one unit more (ties to the lower class: candidates are in
    // class order), picked by one scan per unit: a confident row has an `extra` of 0 or 1, where
    // sorting the row would cost more. Each remainder is under 1, so `extra` is at most n.
    for (let extra = Math.min(Math.round(total) - assigned, n); extra > 0; extra--) {
      let best = 0;
      for (let j = 1; j < n; j++) if (remainders[j] > remainders[best]) best = j;
      out[offset + candidates[best]] += 1;
      remainders[best] = -1;
    }
    for (let c = 0; c < numClasses; c++) out[offset + c] /= scale;
  }
  return withProbabilities(predictions, out);
}

/**
 * Adds N(0, σ²) to every probability, clips at 0 and renormalises each row to sum to 1 (the
 * untargeted baseline of MemGuard, Jia et al., arXiv:1909.10594). A row clipped to all zeros
 * becomes uniform. Draws come from `rng` row by row, so the result is seeded.
 */
export function addOutputNoise(predictions: Predictions, sigma: number, rng: Rng): Predictions {
  validatePredictions(predictions);
  return addNoise(predictions, sigma, rng);
}

function addNoise(predictions: Predictions, sigma: number, rng: Rng): Predictions {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`output-noise: sigma must be a finite number >= 0, got ${sigma}`);
  const { probabilities, count, numClasses } = predictions;
  const out = new Float64Array(probabilities.length);
  for (let i = 0; i < count; i++) {
    const offset = i * numClasses;
    let sum = 0;
    for (let c = 0; c < numClasses; c++) {
      const noisy = Math.max(0, probabilities[offset + c] + sigma * standardNormal(rng));
      out[offset + c] = noisy;
      sum += noisy;
    }
    for (let c = 0; c < numClasses; c++) out[offset + c] = sum > 0 ? out[offset + c] / sum : 1 / numClasses;
  }
  return withProbabilities(predictions, out);
}

/** The one-hot vector of each row's argmax (the first on ties, as correctnessSignal reads it). */
export function releaseLabelsOnly(predictions: Predictions): Predictions {
  validatePredictions(predictions);
  return oneHotOfArgmax(predictions);
}

function oneHotOfArgmax(predictions: Predictions): Predictions {
  const { probabilities, count, numClasses } = predictions;
  const out = new Float64Array(probabilities.length);
  for (let i = 0; i < count; i++) {
    const offset = i * numClasses;
    let argmax = 0;
    for (let c = 1; c < numClasses; c++) if (probabilities[offset + c] > probabilities[offset + argmax]) argmax = c;
    out[offset + argmax] = 1;
  }
  return withProbabilities(predictions, out);
}

/**
 * What the attacker sees of `predictions` under the config's output defenses, applied in registry
 * order: output-noise, top-k, rounding, label-only. Training defenses in the config are ignored.
 * `rng` feeds the noise; give members, non-members and the shadow model separate streams.
 */
export function applyOutputDefenses(predictions: Predictions, defenses: DefenseConfig, rng: Rng): DefendedPredictions {
  const resolved = resolveDefenses(defenses);
  // Checked once here: each release below gives valid predictions of valid ones.
  validatePredictions(predictions);
  let current: Predictions = predictions;
  const applied: OutputDefenseId[] = [];
  for (const id of OUTPUT_DEFENSE_IDS) {
    const next = release(id, current, resolved, rng);
    if (!next) continue;
    current = next;
    applied.push(id);
  }
  return { ...current, labelOnly: resolved['label-only'] !== undefined, outputDefenses: applied };
}

/**
 * Each output defense's release function, on predictions already checked: adding one is an entry
 * here and one in the registry.
 */
const RELEASE: { readonly [K in OutputDefenseId]: (predictions: Predictions, settings: DefenseParams[K], rng: Rng) => Predictions } = {
  'output-noise': (predictions, { sigma }, rng) => addNoise(predictions, sigma, rng),
  'top-k': (predictions, { k }) => keepTopK(predictions, k),
  rounding: (predictions, { decimals }) => roundRows(predictions, decimals),
  'label-only': (predictions) => oneHotOfArgmax(predictions),
};

/** `predictions` through defense `id` when the config has it, else undefined. */
function release<K extends OutputDefenseId>(id: K, predictions: Predictions, resolved: ResolvedDefenses, rng: Rng): Predictions | undefined {
  const settings = resolved[id] as DefenseParams[K] | undefined;
  return settings ? RELEASE[id](predictions, settings, rng) : undefined;
}
