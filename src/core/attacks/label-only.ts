/**
 * Label-only membership inference (Choquette-Choo et al., "Label-Only Membership Inference
 * Attacks", arXiv:2007.14321): the attacker sees only the predicted label, so it asks the model
 * about perturbed copies of each record and counts how often the label stays right. A model is more
 * robust around the records it trained on. Pure arithmetic on predicted labels; making the
 * perturbed copies and querying the model is attacks/label-queries.ts.
 */
import type { Rng } from '../random';
import { standardNormal } from '../defenses/sampling';

/** One augmented view of every record: shifted by (dx, dy) pixels (zeros fill), mirrored first when flip. */
export interface AugmentationView {
  readonly dx: number;
  readonly dy: number;
  readonly flip: boolean;
}

/**
 * The training-time augmentations as a fixed set of views (arXiv:2007.14321, §4.1: the attack
 * queries the translations and flips the model was trained with): every shift (dx, dy) with
 * |dx|, |dy| ≤ maxShift, each also mirrored for colour images (a mirrored digit is another digit).
 * The unshifted, unmirrored record is the first view.
 */
export function augmentationViews(maxShift: number, colour: boolean): AugmentationView[] {
  if (!Number.isInteger(maxShift) || maxShift < 0 || maxShift > 4) throw new RangeError(`label-only augmentation: maxShift must be an integer in [0, 4], got ${maxShift}`);
  const views: AugmentationView[] = [{ dx: 0, dy: 0, flip: false }];
  for (const flip of colour ? [false, true] : [false]) {
    for (let dy = -maxShift; dy <= maxShift; dy++) {
      for (let dx = -maxShift; dx <= maxShift; dx++) if (flip || dx !== 0 || dy !== 0) views.push({ dx, dy, flip });
    }
  }
  return views;
}

/** Gaussian-noise robustness (arXiv:2007.14321, §4.2, the noise variant of the boundary distance): noise levels and copies per level. */
export interface NoisePlan {
  /** Standard deviations of the pixel noise, on pixels scaled to [0, 1]. */
  readonly sigmas: readonly number[];
  /** Noisy copies per record and level. */
  readonly copies: number;
}

export const DEFAULT_NOISE_PLAN: NoisePlan = { sigmas: [0.15, 0.3, 0.5], copies: 4 };

/**
 * One block of seeded N(0, σ²) pixel noise, `size` values: what one noisy query adds to the clean
 * pixels (then clipped to [0, 1]). Drawn one block at a time so a pool of records never holds
 * every copy in memory at once.
 */
export function drawNoiseBlock(sigma: number, size: number, rng: Rng): Float32Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`label-only boundary: sigma must be a finite number >= 0, got ${sigma}`);
  const block = new Float32Array(size);
  for (let k = 0; k < size; k++) block[k] = sigma * standardNormal(rng);
  return block;
}

/** Predicted labels of `views` perturbed copies of `count` records, view after view, with the true labels. */
export interface LabelQueries {
  /** views × count predicted classes; view 0 is the unperturbed record. */
  readonly predicted: Uint8Array;
  readonly labels: ArrayLike<number>;
  readonly count: number;
  readonly views: number;
}

function checkQueries(queries: LabelQueries): void {
  const { predicted, labels, count, views } = queries;
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(views) || views < 1) throw new RangeError(`label queries: count ${count} and views ${views} must be whole numbers, views ≥ 1`);
  if (predicted.length !== count * views) throw new RangeError(`label queries: ${predicted.length} predicted labels for ${count} records × ${views} views`);
  if (labels.length !== count) throw new RangeError(`label queries: ${labels.length} labels for ${count} records`);
}

/**
 * The augmentation attack's score (arXiv:2007.14321, §4.1, the threshold variant): whether the
 * model labels the record itself right (view 0), plus the fraction of its augmented views it
 * labels right, so in [0, 2]. Members, fitted under these very augmentations, keep their label
 * more often; counting the record itself first means the attack never does worse than the gap
 * attack it contains (Choquette-Choo et al. note it subsumes it), even where shifts carry no signal.
 */
export function augmentationConsistencyScores(queries: LabelQueries): Float64Array {
  checkQueries(queries);
  const { predicted, labels, count, views } = queries;
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (predicted[i] === labels[i]) scores[i] += 1;
    if (views === 1) continue;
    let kept = 0;
    for (let v = 1; v < views; v++) if (predicted[v * count + i] === labels[i]) kept++;
    scores[i] += kept / (views - 1);
  }
  return scores;
}

/**
 * The boundary attack's score by Gaussian-noise robustness (arXiv:2007.14321, §4.2: noise
 * robustness stands in for the HopSkipJump distance to the decision boundary): 0 for a record the
 * model gets wrong (it sits on the wrong side of the boundary), else 1 plus the fraction of noisy
 * copies still labelled right (view 0 is the clean record, views 1.. the noisy copies). The farther
 * from the boundary, the more copies survive.
 */
export function noiseRobustnessScores(queries: LabelQueries): Float64Array {
  checkQueries(queries);
  const { predicted, labels, count, views } = queries;
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (predicted[i] !== labels[i]) continue;
    let kept = 0;
    for (let v = 1; v < views; v++) if (predicted[v * count + i] === labels[i]) kept++;
    scores[i] = 1 + (views > 1 ? kept / (views - 1) : 0);
  }
  return scores;
}
