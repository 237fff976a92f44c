/**
 * The pool worker's side of pool.ts, platform-free: it runs each job with the code the calling
 * thread would have run (trainClassifier + recordTrainedModel for a target or shadow,
 * trainReferenceModels for a group of reference models), on the pixels the job carries, so the
 * floats match a sequential run on the same backend. Pause and cancel come from the calling
 * thread: every epoch first asks it through the gate, and a cancel flips the job's signal, which
 * the training loop checks between batches (it yields to the event loop every ~20 ms, core/pace.ts).
 */
import { disposePart, uploadPart } from '../models/predict';
import { trainReferenceModels } from '../models/references';
import { trainClassifier, type EpochMetrics } from '../models/train';
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
 * Answer the calling thread's jobs, one at a time, after `ready` (the backend started). A job's
 * failure goes back as a message; the worker stays up for the next job.
 */
export function serveTrainingJobs(port: PoolWorkerPort, ready: Promise<unknown>): void {
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
