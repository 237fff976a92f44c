/** Small seeded datasets for tests that need images but not MNIST's 70,000. */
import type { ImageDataset } from '../src/core/datasets/types';
import { createRng } from '../src/core/random';

/** `count` images of `shape` in `numClasses` classes: a class-specific bright band plus noise. */
export function makeSyntheticDataset(count: number, shape: [number, number, number] = [28, 28, 1], numClasses = 10, seed = 1): ImageDataset {
  const rng = createRng(seed, 'synthetic');
  const [h, w, c] = shape;
  const images = new Uint8Array(count * h * w * c);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % numClasses;
    labels[i] = label;
    for (let y = 0; y < h; y++) {
      const band = Math.floor((y * numClasses) / h) === label;
      for (let x = 0; x < w * c; x++) {
        images[i * h * w * c + y * w * c + x] = Math.floor((band ? 160 : 0) + rng.next() * 95);
      }
    }
  }
  return { name: 'synthetic', images, labels, count, shape, numClasses };
}
