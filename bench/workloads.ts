/**
 * What `npm run bench` times, each on seeded random 28×28×1 images (throughput does not depend on
 * the pixels): one training epoch and one inference pass of an architecture, and K MLPs trained
 * together or one after another. The training loop is the one train.ts runs (gather the batch and
 * its one-hot targets on the device, Adam on softmax cross-entropy through train.ts's adamStepper,
 * yield between batches).
 */
import * as tf from '@tensorflow/tfjs';
import { yieldSometimes } from '../src/core/pace';
import { ARCHITECTURES, type ArchitectureId } from '../src/core/models/architectures';
import { trainMlpBatch } from '../src/core/models/batched';
import { predictLogits } from '../src/core/models/predict';
import { adamStepper } from '../src/core/models/train';
import { createRng, permutation } from '../src/core/random';

export const SHAPE = [28, 28, 1] as const;
export const CLASSES = 10;

export interface Timing {
  /** Seconds of each timed repeat (after the warm-up). */
  readonly seconds: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function summarise(seconds: number[]): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { seconds, median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/**
 * Warm-up before timing: runs until this much time has passed (at least one run), so the JIT and
 * WebAssembly's optimising tier have settled; bench/torch_bench.py warms PyTorch the same way.
 */
export const WARM_UP_SECONDS = 1;

/** Warm-up calls for WARM_UP_SECONDS, then `repeats` timed calls. */
export async function time(repeats: number, run: () => Promise<void>): Promise<Timing> {
  const warming = performance.now();
  do await run();
  while (performance.now() - warming < WARM_UP_SECONDS * 1000);
  const seconds: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return summarise(seconds);
}

export interface Pool {
  readonly x: tf.Tensor4D;
  readonly y: tf.Tensor1D;
  readonly count: number;
  dispose(): void;
}

export function randomPool(count: number, seed = 1): Pool {
  const rng = createRng(seed, 'bench');
  const pixels = Float32Array.from({ length: count * SHAPE[0] * SHAPE[1] * SHAPE[2] }, () => rng.next());
  const labels = Int32Array.from({ length: count }, () => rng.nextInt(CLASSES));
  const x = tf.tensor4d(pixels, [count, ...SHAPE]);
  const y = tf.tensor1d(labels, 'int32');
  return { x, y, count, dispose: () => tf.dispose([x, y]) };
}

/** A model with its optimiser that trains epoch after epoch on `pool` (or the rows `members` of it). */
export function trainer(architecture: ArchitectureId, pool: Pool, batchSize: number, seed = 1, members?: Int32Array) {
  const model = ARCHITECTURES[architecture].build(SHAPE, CLASSES, seed);
  const stepper = adamStepper(model, 1e-3);
  const oneHot = tf.tidy(() => tf.oneHot(pool.y, CLASSES).toFloat());
  const rows = members ?? Int32Array.from({ length: pool.count }, (_, i) => i);
  const rng = createRng(seed, 'batches');
  return {
    async epoch(): Promise<void> {
      const order = permutation(rows.length, rng);
      for (let start = 0; start < order.length; start += batchSize) {
        const batch = Int32Array.from(order.subarray(start, Math.min(start + batchSize, order.length)), (i) => rows[i]);
        tf.tidy(() => {
          const indices = tf.tensor1d(batch, 'int32');
          const xs = tf.gather(pool.x, indices);
          const targets = tf.gather(oneHot, indices);
          stepper.step(() => tf.losses.softmaxCrossEntropy(targets, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar);
        });
        await yieldSometimes();
      }
      // GPU backends queue work and return: read one weight back so the epoch really finished.
      await model.getWeights()[0].data();
    },
    async predict(): Promise<void> {
      await predictLogits(model, pool.x);
    },
    dispose(): void {
      model.dispose();
      stepper.dispose();
      oneHot.dispose();
    },
  };
}

/** K random halves of the pool. */
export function halves(count: number, models: number, seed = 2): Uint8Array[] {
  const rng = createRng(seed, 'halves');
  return Array.from({ length: models }, () => {
    const mask = new Uint8Array(count);
    permutation(count, rng).subarray(0, count >> 1).forEach((i) => (mask[i] = 1));
    return mask;
  });
}

const membersOf = (mask: Uint8Array) => Int32Array.from(Array.from(mask.keys()).filter((i) => mask[i] === 1));

/** K MLPs, each one epoch on its half, trained together (trainMlpBatch, initialisation included). */
export async function batchedEpoch(pool: Pool, masks: Uint8Array[], batchSize: number, epochs = 1): Promise<void> {
  const models = await trainMlpBatch({
    x: pool.x,
    y: pool.y,
    memberships: masks,
    seeds: masks.map((_, k) => 100 + k),
    numClasses: CLASSES,
    epochs,
    batchSize,
    learningRate: 1e-3,
  });
  models.dispose();
}

/** The same K MLPs trained one after another (build, train, dispose), as the pipeline does today. */
export async function sequentialEpochs(pool: Pool, masks: Uint8Array[], batchSize: number, epochs = 1): Promise<void> {
  for (let k = 0; k < masks.length; k++) {
    const run = trainer('mlp', pool, batchSize, 100 + k, membersOf(masks[k]));
    for (let e = 0; e < epochs; e++) await run.epoch();
    run.dispose();
  }
}

/** The kernels `run` spends its time in, by total time: the `top` first, with calls and shares. */
export async function kernelTable(label: string, run: () => Promise<void>, top: number): Promise<void> {
  const profile = await tf.profile(run);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${label}: kernels ${total.toFixed(1)} ms in ${profile.kernels.length} calls`);
  for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} % ${String(e.calls).padStart(6)} calls`);
  }
}
