/**
 * DP-SGD's price (issue 11): one DP-SGD epoch against one plain epoch of the same architecture on
 * the same seeded pool, on the active backend. The DP-SGD epoch is runPrivateEpoch's loop
 * (Poisson-sampled batches of expected size B, per-example clipping at C = 1, σ = 1.1, Adam on the
 * noisy mean through train.ts's adamStepper as runPrivateEpoch does, so both epochs run the same
 * Adam), with the one-pass clipped sum (src/core/defenses/per-example-grads.ts) and, on a smaller
 * pool because it is slow, with the microbatch loop it replaced. Plain and one-pass epochs
 * alternate within each repeat, so a load that comes and goes hits both alike.
 */
import * as tf from '@tensorflow/tfjs';
import { privateGradients, poissonStepsInEpoch, samplePoissonBatch, type BatchedExamples } from '../src/core/defenses/dp-sgd';
import { ARCHITECTURES, type ArchitectureId } from '../src/core/models/architectures';
import { adamStepper } from '../src/core/models/train';
import { yieldSometimes } from '../src/core/pace';
import { createRng } from '../src/core/random';
import { CLASSES, randomPool, SHAPE, summarise, trainer, type Pool, type Timing } from './workloads';

const BATCH = 128;
const SETTINGS = { clipNorm: 1, noiseMultiplier: 1.1, microbatchSize: 1, sampling: 'poisson' as const };
/** The microbatch loop costs one gradient per example: time it on this many samples only. */
const LOOP_SAMPLES = 512;

export interface DpSgdRow {
  readonly workload: string;
  readonly backend: string;
  readonly items: number;
  readonly unit: 'samples/s';
  readonly timing: Timing;
  readonly note?: string;
}

/** A DP-SGD trainer whose epoch is runPrivateEpoch's loop on `pool`, one pass or microbatch loop. */
function privateTrainer(architecture: ArchitectureId, pool: Pool, onePass: boolean) {
  const model = ARCHITECTURES[architecture].build(SHAPE, CLASSES, 1);
  const stepper = adamStepper(model, 1e-3);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const sampling = createRng(1, 'bench/dp-sgd/sampling');
  const noise = createRng(1, 'bench/dp-sgd/noise');
  const examplesOf = (positions: Int32Array) =>
    tf.tidy(() => {
      const indices = tf.tensor1d(positions, 'int32');
      return { xs: tf.gather(pool.x, indices) as tf.Tensor4D, targets: tf.oneHot(tf.gather(pool.y, indices), CLASSES).toFloat() as tf.Tensor2D };
    });
  const lossOf = (positions: Int32Array) =>
    tf.tidy(() => {
      const { xs, targets } = examplesOf(positions);
      return tf.losses.softmaxCrossEntropy(targets, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar;
    });
  const batched: BatchedExamples | undefined = onePass ? { model, examplesOf } : undefined;
  let epoch = 0;
  return {
    async epoch(): Promise<void> {
      epoch++;
      for (let step = poissonStepsInEpoch(epoch, pool.count, BATCH); step > 0; step--) {
        const batch = samplePoissonBatch(pool.count, BATCH, 1, sampling);
        const gradients = privateGradients(variables, batch, lossOf, SETTINGS, noise, batched);
        tf.tidy(() => stepper.apply(Object.fromEntries(variables.map((v, i) => [v.name, gradients[i]]))));
        tf.dispose(gradients);
        await yieldSometimes();
      }
      await model.getWeights()[0].data();
    },
    dispose(): void {
      model.dispose();
      stepper.dispose();
    },
  };
}

async function seconds(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/**
 * Rows for MLP and CNN: plain, DP-SGD one pass (note: its time over the plain epoch's, target ≤ 2×)
 * and DP-SGD with the microbatch loop (on LOOP_SAMPLES). One warm-up epoch each, then `repeats`.
 */
export async function timeDpSgd(repeats: number, samples: number, log: (line: string) => void): Promise<DpSgdRow[]> {
  const backend = tf.getBackend();
  const rows: DpSgdRow[] = [];
  const pool = randomPool(samples);
  const loopPool = randomPool(Math.min(samples, LOOP_SAMPLES));
  try {
    for (const architecture of ['mlp', 'cnn'] as const) {
      log(`  ${backend} ${architecture} plain vs DP-SGD epochs`);
      const plain = trainer(architecture, pool, BATCH);
      const onePass = privateTrainer(architecture, pool, true);
      const loop = privateTrainer(architecture, loopPool, false);
      try {
        await plain.epoch();
        await onePass.epoch();
        await loop.epoch();
        const times = { plain: [] as number[], onePass: [] as number[], loop: [] as number[] };
        for (let r = 0; r < repeats; r++) {
          times.plain.push(await seconds(() => plain.epoch()));
          times.onePass.push(await seconds(() => onePass.epoch()));
          times.loop.push(await seconds(() => loop.epoch()));
        }
        const [p, o, l] = [summarise(times.plain), summarise(times.onePass), summarise(times.loop)];
        const ratio = o.median / p.median;
        const loopRatio = l.median / loopPool.count / (p.median / pool.count);
        rows.push({ workload: `${architecture} plain epoch (DP-SGD baseline)`, backend, items: pool.count, unit: 'samples/s', timing: p });
        rows.push({
          workload: `${architecture} DP-SGD epoch, one pass`,
          backend,
          items: pool.count,
          unit: 'samples/s',
          timing: o,
          note: `${ratio.toFixed(2)}× the plain epoch; target ≤ 2×: ${ratio <= 2 ? 'met' : 'missed'}`,
        });
        rows.push({
          workload: `${architecture} DP-SGD epoch, microbatch loop (before)`,
          backend,
          items: loopPool.count,
          unit: 'samples/s',
          timing: l,
          note: `${loopPool.count} samples; per sample ${loopRatio.toFixed(1)}× the plain epoch`,
        });
      } finally {
        plain.dispose();
        onePass.dispose();
        loop.dispose();
      }
    }
  } finally {
    pool.dispose();
    loopPool.dispose();
  }
  return rows;
}
