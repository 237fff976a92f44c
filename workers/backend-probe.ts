/**
 * The timing half of auto's backend choice (the decision is src/shared/backend-probe.ts): on each
 * backend that starts, build the config's model, take one warm-up training step (shader
 * compilation, kernel set-up) and then time real training steps (core/models/train.ts's
 * adamStepper on softmax cross-entropy, without defenses) on seeded random data of the dataset's shape.
 * Each group of steps is awaited to the end of its computation, so a GPU's queued work is counted.
 * Single-threaded and threaded wasm are separate candidates: `start` restarts the wasm backend
 * with the candidate's thread count (tfjs fixes it when the backend starts, backend.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../src/core/config';
import { ARCHITECTURES, type InputShape } from '../src/core/models/architectures';
import { adamStepper } from '../src/core/models/train';
import { createRng } from '../src/core/random';
import { probeInputShape, type BackendVariant, type ProbeTiming } from '../src/shared/backend-probe';
import type { BackendName } from './protocol';

export interface ProbeBudget {
  /** Timed steps stop once a backend has used this much (a step already started runs to its end). */
  readonly millisecondsPerBackend: number;
  readonly minSteps: number;
  readonly maxSteps: number;
}

/** A third of a second per candidate window (about a second over three backends, two more windows each for wasm's two variants where threads can run); at least two timed steps so one slow step does not decide. */
export const DEFAULT_PROBE_BUDGET: ProbeBudget = { millisecondsPerBackend: 330, minSteps: 2, maxSteps: 64 };

const NUM_CLASSES = 10;

/** The model the config trains most: its target's, unless a shadow or reference model is convolutional and the target not. */
function probedArchitecture(config: ExperimentConfig) {
  const trained = [config.target, config.shadow, config.reference];
  const convolutional = trained.find((training) => ARCHITECTURES[training.architecture].hasConvolutions);
  return ARCHITECTURES[config.target.architecture].hasConvolutions || !convolutional ? config.target.architecture : convolutional.architecture;
}

/** One batch of seeded random images and labels (values in [0, 1), as the datasets are scaled). */
function randomBatch(shape: InputShape, batchSize: number, seed: number): { xs: Float32Array; labels: Int32Array } {
  const rng = createRng(seed, 'backend-probe');
  const xs = new Float32Array(batchSize * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < xs.length; i++) xs[i] = rng.next();
  const labels = Int32Array.from({ length: batchSize }, () => rng.nextInt(NUM_CLASSES));
  return { xs, labels };
}

/** Time training steps on the backend that is active now. */
async function timeActiveBackend(config: ExperimentConfig, budget: ProbeBudget): Promise<{ samples: number; milliseconds: number; warmUpMilliseconds: number }> {
  const shape = probeInputShape(config.dataset);
  const batchSize = config.target.batchSize;
  const batch = randomBatch(shape, batchSize, config.seed);
  const model = ARCHITECTURES[probedArchitecture(config)].build(shape, NUM_CLASSES, createRng(config.seed, 'backend-probe/init').nextSeed());
  // The training loop's own step: fused Adam on wasm and cpu, tf.train.adam elsewhere.
  const stepper = adamStepper(model, config.target.learningRate);
  const xs = tf.tensor4d(batch.xs, [batchSize, ...shape]);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), NUM_CLASSES).toFloat());
  const lossOf = () => tf.losses.softmaxCrossEntropy(targets, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar;
  const lastWeight = model.trainableWeights[model.trainableWeights.length - 1];
  /** `count` steps queued back to back, as training queues them, then one wait for them all. */
  const runSteps = async (count: number) => {
    for (let i = 0; i < count; i++) tf.tidy(() => stepper.step(lossOf));
    // Reading a weight the last step wrote waits for the queued GPU work to finish.
    const written = tf.tidy(() => tf.sum(lastWeight.read()));
    await written.data();
    written.dispose();
  };
  try {
    const warmUpStarted = performance.now();
    await runSteps(1);
    const warmUpMilliseconds = performance.now() - warmUpStarted;
    // Groups of 1, 2, 4, … steps, so a GPU is not made to wait for the page after every step,
    // each no longer than the budget left at the pace so far, until the budget is spent (and at
    // least minSteps ran).
    let steps = 0;
    let group = 1;
    const started = performance.now();
    while (steps < budget.maxSteps) {
      const elapsed = performance.now() - started;
      const left = budget.millisecondsPerBackend - elapsed;
      if (left <= 0 && steps >= budget.minSteps) break;
      const fits = steps > 0 ? Math.max(1, Math.floor(left / (elapsed / steps))) : group;
      const count = Math.min(left <= 0 ? budget.minSteps - steps : Math.min(group, fits), budget.maxSteps - steps);
      await runSteps(count);
      steps += count;
      group *= 2;
    }
    return { samples: steps * batchSize, milliseconds: performance.now() - started, warmUpMilliseconds };
  } finally {
    model.dispose();
    stepper.dispose();
    xs.dispose();
    targets.dispose();
  }
}

/**
 * Time each candidate that starts (`start` switches the worker to it, with the candidate's thread
 * count where it has one, and says whether it runs). A backend that does not start, or throws
 * while training, is recorded with the reason; a timing carries its candidate's thread count.
 */
export async function timeBackends(
  candidates: readonly (BackendName | BackendVariant)[],
  config: ExperimentConfig,
  start: (name: BackendName, threads?: number) => Promise<boolean>,
  budget: ProbeBudget = DEFAULT_PROBE_BUDGET,
): Promise<ProbeTiming[]> {
  const timings: ProbeTiming[] = [];
  for (const candidate of candidates) {
    const { backend, threads } = typeof candidate === 'string' ? { backend: candidate, threads: undefined } : candidate;
    const variant = threads === undefined ? { backend } : { backend, threads };
    const starting = performance.now();
    if (!(await (threads === undefined ? start(backend) : start(backend, threads)))) {
      timings.push({ ...variant, failed: 'did not start' });
      continue;
    }
    try {
      const startMilliseconds = performance.now() - starting;
      timings.push({ ...variant, startMilliseconds, ...(await timeActiveBackend(config, budget)) });
    } catch (error) {
      timings.push({ ...variant, failed: (error as Error)?.message ?? String(error) });
    }
  }
  return timings;
}
