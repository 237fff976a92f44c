/**
 * The attacks that need more than the target's prediction vectors on the evaluated records, as the
 * pipeline runs them: label-only attacks query a model (target or shadow) on perturbed copies of a
 * part's records; the quantile attack reads the target's released scores on public records and
 * the records' pixels. Each function takes what its stage has at hand.
 */
import type * as tf from '@tensorflow/tfjs';
import type { LabelledImages } from '../datasets/types';
import type { TensorPart } from '../models/predict';
import type { Rng } from '../random';
import { augmentationConsistencyScores, augmentationViews, DEFAULT_NOISE_PLAN, noiseRobustnessScores, type LabelQueries, type NoisePlan } from './label-only';
import { augmentationViewLogits, noiseViewLogits, type ViewLogits } from './label-queries';
import { DEFAULT_QUANTILE_OPTIONS, fitQuantileRegression, logitConfidence, quantileFeatures, quantileScores, type QuantileOptions } from './quantile';
import type { LabelQueryAttack } from './registry';

export interface LabelQuerySettings {
  /** The largest shift of the augmentation views: the augmentation defense's, else 1 pixel. */
  readonly maxShift: number;
  /** Colour images are also queried mirrored (digits and clothing are not: a mirrored 3 is no 3). */
  readonly mirror: boolean;
  readonly noise: NoisePlan;
}

/**
 * The views to query: the augmentation defense's shifts and flips when the target trained with it,
 * else one-pixel shifts and, for colour images, mirror images (the usual training augmentations).
 */
export function labelQuerySettings(shape: readonly number[], augmentation?: { readonly shift?: number; readonly flip?: 'none' | 'horizontal' }): LabelQuerySettings {
  return {
    maxShift: Math.min(4, Math.max(1, augmentation?.shift ?? 1)),
    mirror: augmentation?.flip !== undefined ? augmentation.flip === 'horizontal' : shape[2] === 3,
    noise: DEFAULT_NOISE_PLAN,
  };
}

/** A label-query attack's views of `part` through `model`; `rng` draws the noise (seed it per model and part). */
export function queryViews(attack: LabelQueryAttack, model: tf.LayersModel, part: TensorPart, settings: LabelQuerySettings, rng: Rng): Promise<ViewLogits> {
  return attack.queries === 'augmentations'
    ? augmentationViewLogits(model, part, augmentationViews(settings.maxShift, settings.mirror))
    : noiseViewLogits(model, part, settings.noise, rng);
}

/** A label-query attack's scores from the labels released for its views. */
export function scoreLabelQueries(attack: LabelQueryAttack, queries: LabelQueries): Float64Array {
  return attack.queries === 'augmentations' ? augmentationConsistencyScores(queries) : noiseRobustnessScores(queries);
}

export interface QuantileInput {
  /** Public records the target never trained on (the shadow parts), with the target's released probabilities on them. */
  readonly publicRecords: LabelledImages;
  readonly publicProbabilities: Float64Array;
  /** The evaluated records, with the target's released probabilities. */
  readonly records: LabelledImages;
  readonly probabilities: Float64Array;
  readonly numClasses: number;
  readonly options?: QuantileOptions;
}

/**
 * Quantile-regression scores (Bertran et al., arXiv:2307.03694): fit the (1 − α)-quantile of the
 * target's logit-scaled confidence on the public records, then score each evaluated record by its
 * confidence minus its predicted quantile.
 */
export function runQuantileAttack(input: QuantileInput): Float64Array {
  const { publicRecords, records, numClasses } = input;
  const publicFeatures = quantileFeatures(publicRecords.images, publicRecords.labels, publicRecords.count, publicRecords.shape, numClasses);
  const publicScores = logitConfidence(input.publicProbabilities, publicRecords.labels, publicRecords.count, numClasses);
  const model = fitQuantileRegression(publicFeatures, publicScores, input.options ?? DEFAULT_QUANTILE_OPTIONS);
  const features = quantileFeatures(records.images, records.labels, records.count, records.shape, numClasses);
  return quantileScores(model, features, logitConfidence(input.probabilities, records.labels, records.count, numClasses));
}
