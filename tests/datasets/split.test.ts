import { describe, expect, it } from 'vitest';
import { SPLIT_PARTS, gatherImages, splitPool, type DataSplit } from '../../src/core/datasets/split';
import type { LabelledImages } from '../../src/core/datasets/types';

const partsOf = (split: DataSplit) => [split.targetTrain, split.targetTest, split.shadowTrain, split.shadowTest];

describe('splitPool', () => {
  it('cuts four disjoint parts of partSize indices, all inside the pool', () => {
    for (const [poolSize, partSize] of [[1000, 100], [100, 25], [4, 1], [70_000, 2_500]]) {
      const parts = partsOf(splitPool(poolSize, partSize, 42));
      expect(parts).toHaveLength(SPLIT_PARTS);
      const seen = new Set<number>();
      for (const part of parts) {
        expect(part).toBeInstanceOf(Int32Array);
        expect(part.length).toBe(partSize);
        for (const index of part) {
          expect(index >= 0 && index < poolSize).toBe(true);
          seen.add(index);
        }
      }
      expect(seen.size).toBe(4 * partSize); // no index in two parts, nor twice in one
    }
  });

  it('uses the whole pool when a part is exactly a quarter of it', () => {
    const parts = partsOf(splitPool(100, 25, 3));
    const all = parts.flatMap((part) => [...part]).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    expect(splitPool(1000, 100, 7)).toEqual(splitPool(1000, 100, 7));
    expect(splitPool(1000, 100, 7).targetTrain).not.toEqual(splitPool(1000, 100, 8).targetTrain);
    expect(splitPool(1000, 100, 7).shadowTest).not.toEqual(splitPool(1000, 100, 8).shadowTest);
  });

  it('shuffles: the target members are not simply the first indices', () => {
    const { targetTrain } = splitPool(1000, 100, 1);
    expect([...targetTrain]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Math.max(...targetTrain)).toBeGreaterThan(500);
  });

  it('refuses a part larger than a quarter of the pool', () => {
    expect(() => splitPool(99, 25, 1)).toThrow(RangeError);
    expect(() => splitPool(99, 25, 1)).toThrow('partSize must be at most 24 (a quarter of the pool of 99), got 25');
    expect(() => splitPool(3, 1, 1)).toThrow(RangeError);
  });

  it('refuses sizes that are not positive integers', () => {
    expect(() => splitPool(100, 0, 1)).toThrow(/partSize must be an integer ≥ 1/);
    expect(() => splitPool(100, 2.5, 1)).toThrow(RangeError);
    expect(() => splitPool(-4, 1, 1)).toThrow(/poolSize must be a non-negative integer/);
    expect(() => splitPool(10.5, 1, 1)).toThrow(RangeError);
  });
});

describe('gatherImages', () => {
  // Five 2×2×3 images; image i holds the bytes 12·i .. 12·i + 11, and its label is 9 - i.
  const dataset: LabelledImages = {
    images: Uint8Array.from({ length: 5 * 12 }, (_, k) => k),
    labels: Uint8Array.from([9, 8, 7, 6, 5]),
    count: 5,
    shape: [2, 2, 3],
  };
  const imageOf = (i: number) => Array.from({ length: 12 }, (_, k) => 12 * i + k);

  it('copies the images and labels at the indices, in their order, repeats included', () => {
    const gathered = gatherImages(dataset, [3, 0, 3]);
    expect(gathered.count).toBe(3);
    expect(gathered.shape).toEqual([2, 2, 3]);
    expect([...gathered.labels]).toEqual([6, 9, 6]);
    expect([...gathered.images]).toEqual([...imageOf(3), ...imageOf(0), ...imageOf(3)]);
  });

  it('returns copies: changing them leaves the dataset alone', () => {
    const gathered = gatherImages(dataset, Int32Array.from([1]));
    gathered.images.fill(0);
    gathered.labels.fill(0);
    expect([...dataset.images.subarray(12, 24)]).toEqual(imageOf(1));
    expect(dataset.labels[1]).toBe(8);
  });

  it('gathers nothing from no indices', () => {
    const gathered = gatherImages(dataset, []);
    expect(gathered.count).toBe(0);
    expect(gathered.images.length).toBe(0);
  });

  it('refuses an index outside the dataset, saying which', () => {
    expect(() => gatherImages(dataset, [0, 5])).toThrow('gatherImages: index 5 at position 1 is outside the dataset of 5');
    expect(() => gatherImages(dataset, [-1])).toThrow(RangeError);
    expect(() => gatherImages(dataset, [1.5])).toThrow(RangeError);
  });

  it('gathers each part of a split into a dataset of partSize images', () => {
    const split = splitPool(dataset.count, 1, 9);
    const gathered = partsOf(split).map((part) => gatherImages(dataset, part));
    expect(gathered.map((g) => g.count)).toEqual([1, 1, 1, 1]);
    expect(new Set(gathered.map((g) => g.labels[0])).size).toBe(4);
  });
});
