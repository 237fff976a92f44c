/**
 * The seed report's split of the pool into four disjoint parts of equal size: the target model
 * trains on one and is tested on another (its members and non-members), and the shadow model,
 * which imitates the target, gets the other two.
 */
import { createRng, permutation } from '../random';
import type { LabelledImages } from './types';

/** Four disjoint sets of pool indices, each `partSize` long. */
export interface DataSplit {
  readonly targetTrain: Int32Array;
  readonly targetTest: Int32Array;
  readonly shadowTrain: Int32Array;
  readonly shadowTest: Int32Array;
}

/** The number of parts `splitPool` cuts; a part can be at most poolSize / SPLIT_PARTS. */
export const SPLIT_PARTS = 4;

/**
 * Shuffles 0..poolSize-1 with the seed's "split" stream and cuts four consecutive parts, so the
 * same seed always gives the same members whatever else the experiment changes.
 */
export function splitPool(poolSize: number, partSize: number, seed: number): DataSplit {
  if (!Number.isInteger(poolSize) || poolSize < 0) {
    throw new RangeError(`splitPool: poolSize must be a non-negative integer, got ${poolSize}`);
  }
  if (!Number.isInteger(partSize) || partSize < 1) {
    throw new RangeError(`splitPool: partSize must be an integer ≥ 1, got ${partSize}`);
  }
  const maxPart = Math.floor(poolSize / SPLIT_PARTS);
  if (partSize > maxPart) {
    throw new RangeError(
      `splitPool: partSize must be at most ${maxPart} (a quarter of the pool of ${poolSize}), got ${partSize}`,
    );
  }
  const key = `${poolSize}:${partSize}:${seed}`;
  if (lastSplit?.key === key) return lastSplit.split;
  const order = permutation(poolSize, createRng(seed, 'split'));
  const part = (k: number) => order.slice(k * partSize, (k + 1) * partSize);
  const split = { targetTrain: part(0), targetTest: part(1), shadowTrain: part(2), shadowTest: part(3) };
  lastSplit = { key, split };
  return split;
}

/** The last split made: a re-run of the same data (an instant re-run) skips the 70,000-draw permutation. Read-only, like every split. */
let lastSplit: { readonly key: string; readonly split: DataSplit } | undefined;

/** The images and labels at `indices`, copied into new arrays in that order. */
export function gatherImages(dataset: LabelledImages, indices: ArrayLike<number>): LabelledImages {
  const [height, width, channels] = dataset.shape;
  const imageBytes = height * width * channels;
  const images = new Uint8Array(indices.length * imageBytes);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
      throw new RangeError(`gatherImages: index ${index} at position ${i} is outside the dataset of ${dataset.count}`);
    }
    images.set(dataset.images.subarray(index * imageBytes, (index + 1) * imageBytes), i * imageBytes);
    labels[i] = dataset.labels[index];
  }
  return { images, labels, count: indices.length, shape: dataset.shape };
}
