/** The Node side of dataset loading: built-ins from public/, a user's files from disk. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DatasetConfig } from '../core/config';
import { loadBuiltinDataset } from '../core/datasets/builtin';
import { parseDatasetFiles } from '../core/datasets/load';
import type { ImageDataset, NamedBytes } from '../core/datasets/types';
import { readPublicAsset } from './assets';

async function readUserFile(path: string): Promise<NamedBytes> {
  try {
    return { name: basename(path), bytes: new Uint8Array(await readFile(path)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${path}: cannot read the dataset file (${code ?? (error as Error).message})`);
  }
}

export async function loadDataset(dataset: DatasetConfig): Promise<ImageDataset> {
  if (dataset.name !== 'custom') return loadBuiltinDataset(dataset.name, readPublicAsset);
  const files = await Promise.all((dataset.files ?? []).map(readUserFile));
  return parseDatasetFiles(files, { cifar100Labels: dataset.cifar100Labels });
}
