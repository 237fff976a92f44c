/**
 * The pool worker's side of pool.ts, platform-free: it runs each job with the code the calling
 * thread would have run (trainClassifier + recordTrainedModel for a target or shadow,
 * trainReferenceModels for a group of reference models), on the pixels the job carries, so the
 * floats match a sequential run on the same backend. Pause and cancel come from the calling
 * thread: every epoch first asks it through the gate, and a cancel flips the job's signal, which
 * the training loop checks between batches (it yields to the event loop every ~20 ms, core/pace.ts).
 */
import { DEFAULT_CONFIG } from '../config';
import { trainMlpBatch } from '../models/batched';
import { disposePart, predictLogits, uploadPart } from '../models/predict';
import { BATCH_GROUP, trainReferenceModels } from '../models/references';
import { trainClassifier, type EpochMetrics } from '../models/train';
import { createRng } from '../random';
import type { ClassifierJob, PoolRequest, PoolResponse, ReferenceJob, ReferenceModelOutputs } from './pool';
import { resultBuffers } from './pool';
import { recordTrainedModel, type TrainedModelRecord } from './trained-model';

/** The worker's end of its channel to the calling thread. */
export interface PoolWorkerPort {
  post(message: PoolResponse, transfer?: readonly ArrayBuffer[]): void;
  onMessage(handler: (message: PoolRequest) => void): void;
}

interface JobControl {
  readonly signal: { aborted: boolean };
  readonly gate: () => Promise<void>;
  readonly onEpoch: (index: number, metrics: EpochMetrics) => void;
}

export async function runClassifierJob(job: ClassifierJob, control: JobControl): Promise<TrainedModelRecord> {
  const train = uploadPart(job.train, job.shape);
  const test = uploadPart(job.test, job.shape);
  try {
    const trained = await trainClassifier({
      config: job.config,
      inputShape: job.shape,
      numClasses: job.numClasses,
      seed: job.seed,
      train,
      test,
      name: job.name,
      defenses: job.defenses,
      signal: control.signal,
      gate: control.gate,
      onEpoch: (metrics) => control.onEpoch(0, metrics),
    });
    try {
      return await recordTrainedModel(trained, train, test, trained.history);
    } finally {
      trained.model.dispose();
    }
  } finally {
    disposePart(train);
    disposePart(test);
  }
}

export async function runReferenceJob(job: ReferenceJob, control: JobControl): Promise<ReferenceModelOutputs[]> {
  const pool = uploadPart(job.pool, job.shape);
  const population = uploadPart(job.population, job.shape);
  try {
    const set = await trainReferenceModels({
      inputShape: job.shape,
      numClasses: job.numClasses,
      pool,
      population,
      config: job.config,
      defenses: job.defenses,
      seed: job.seed,
      identity: job.identity,
      only: job.only,
      signal: control.signal,
      gate: control.gate,
      onEpoch: control.onEpoch,
    });
    return job.only.map((index) => ({ index, poolLogits: set.outputs.logits[index], populationLogits: set.populationLogits[index] }));
  } finally {
    disposePart(pool);
    disposePart(population);
  }
}

/**
 * What a worker's first jobs would pay once, paid before any job: a few epochs of an MLP through the
 * training loop and of a batched group of BATCH_GROUP MLPs, on 32 seeded random MNIST-shaped
 * records in batches of 8: 16 steps each, since a thread's first runs of the code (compiling it,
 * growing the wasm heap) are spread over its first dozens of steps. On wasm here a fresh thread's
 * first reference job and first shadow each cost 0.1–0.2 CPU s more than the same job again, and
 * about nothing more after this warm-up, which costs 0.35–0.4 s itself (bench/README.md, "Shadows
 * + references on 2 workers vs 1"), spent while the pool's workers start ahead (while the data
 * loads, or the page waits) and nothing else wants them.
 */
const WARM_UP_EPOCHS = 4;
const WARM_UP_BATCH = 8;

export async function warmUpTraining(): Promise<void> {
  const shape = [28, 28, 1] as const;
  const count = 32;
  const rng = createRng(0, 'pool-worker/warm-up');
  const part = uploadPart(
    { images: Uint8Array.from({ length: count * shape[0] * shape[1] * shape[2] }, () => rng.nextInt(256)), labels: Uint8Array.from({ length: count }, () => rng.nextInt(10)), count },
    shape,
  );
  try {
    const { learningRate } = DEFAULT_CONFIG.reference;
    const group = await trainMlpBatch({ x: part.x, y: part.y, memberships: Array.from({ length: BATCH_GROUP }, () => new Uint8Array(count).fill(1)), seeds: Array.from({ length: BATCH_GROUP }, (_, k) => k), numClasses: 10, epochs: WARM_UP_EPOCHS, batchSize: WARM_UP_BATCH, learningRate });
    try {
      await group.predictLogits(part.x);
    } finally {
      group.dispose();
    }
    const trained = await trainClassifier({ config: { ...DEFAULT_CONFIG.shadow, architecture: 'mlp', epochs: WARM_UP_EPOCHS, batchSize: WARM_UP_BATCH }, inputShape: shape, numClasses: 10, seed: 0, train: part, test: part, name: 'warm-up model' });
    try {
      await predictLogits(trained.model, part.x);
    } finally {
      trained.model.dispose();
    }
  } finally {
    disposePart(part);
  }
}

/**
 * Answer the calling thread's jobs, one at a time, after `ready` (the backend started) and the
 * warm-up (warmUpTraining, begun as soon as the backend is up). A job's failure goes back as a
 * message; the worker stays up for the next job.
 */
export function serveTrainingJobs(port: PoolWorkerPort, ready: Promise<unknown>): void {
  // Only an optimisation: a warm-up that fails leaves the job to meet (and report) the problem.
  const warmed = ready.then(warmUpTraining).catch(() => undefined);
  const gates = new Map<number, () => void>();
  const signals = new Map<number, { aborted: boolean }>();
  port.onMessage((message) => {
    switch (message.type) {
      case 'gate-open':
        gates.get(message.id)?.();
        gates.delete(message.id);
        break;
      case 'cancel': {
        const signal = signals.get(message.id);
        if (signal) signal.aborted = true;
        // A job waiting at its gate goes on to its cancel check.
        gates.get(message.id)?.();
        gates.delete(message.id);
        break;
      }
      case 'job':
        void runJob(message.id, message.job, message.gated);
        break;
    }
  });

  async function runJob(id: number, job: ClassifierJob | ReferenceJob, gated: boolean): Promise<void> {
    const signal = { aborted: false };
    signals.set(id, signal);
    const control: JobControl = {
      signal,
      gate: () =>
        new Promise<void>((resolve) => {
          if (signal.aborted || !gated) return resolve();
          gates.set(id, resolve);
          port.post({ type: 'gate', id });
        }),
      onEpoch: (index, metrics) => port.post({ type: 'epoch', id, index, metrics }),
    };
    try {
      await ready;
      await warmed;
      const result = job.kind === 'classifier' ? await runClassifierJob(job, control) : await runReferenceJob(job, control);
      port.post({ type: 'done', id, result }, resultBuffers(result));
    } catch (error) {
      const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
      port.post({ type: 'failed', id, error: { name, message } });
    } finally {
      signals.delete(id);
      gates.delete(id);
    }
  }
}
