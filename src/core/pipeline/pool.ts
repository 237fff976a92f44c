/**
 * A pool of training workers (worker_threads in the CLI, Web Workers in the app) so the target,
 * the shadows and the reference models train at once, one per core. Tf-free: a job is plain data
 * (the recipe, the seed, the pixels and labels of exactly its records), posted to a worker that
 * runs the very code the calling thread runs (pool-worker.ts: trainClassifier, recordTrainedModel,
 * trainReferenceModels), so a model trained in the pool is the model the sequential run trains.
 *
 * The shells own the workers (src/node/training-pool.ts, workers/train.worker.ts); this file is the
 * part both share: the jobs, the messages, and the client that queues jobs over a few workers,
 * relays pause (the run's gate) and cancel to them, and turns a crashed worker into an error that
 * names the model, never a hang.
 */
import { CancelledError, type CancelSignal } from '../cancel';
import type { ReferenceConfig, TrainingConfig } from '../config';
import type { DefenseConfig } from '../defenses/registry';
import type { EpochMetrics } from '../models/train';
import type { TrainedModelRecord } from './trained-model';

/** Pixels 0..255 (count × height × width × channels) and one label per record: what a job trains or is queried on. */
export interface JobRecords {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** One target or shadow model: returns what the pipeline keeps of it (weights, history, logits). */
export interface ClassifierJob {
  readonly kind: 'classifier';
  /** For messages: "shadow model 2 of 4". */
  readonly name: string;
  readonly config: TrainingConfig;
  readonly seed: number;
  readonly defenses: DefenseConfig;
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly train: JobRecords;
  readonly test: JobRecords;
}

/** Reference models `only` of the N (one batched group, models/references.ts), trained on the evaluation pool. */
export interface ReferenceJob {
  readonly kind: 'references';
  readonly name: string;
  readonly config: ReferenceConfig;
  readonly seed: number;
  readonly defenses: DefenseConfig;
  /** The data identity in each model's cache key (the worker derives the same masks and seeds). */
  readonly identity: unknown;
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly pool: JobRecords;
  readonly population: JobRecords;
  readonly only: readonly number[];
}

export type TrainingJob = ClassifierJob | ReferenceJob;

/** One reference model's outputs: logits on the pool's query views, and on the population sample. */
export interface ReferenceModelOutputs {
  readonly index: number;
  readonly poolLogits: Float32Array;
  readonly populationLogits: Float32Array;
}

export type JobResult<J extends TrainingJob> = J extends ClassifierJob ? TrainedModelRecord : readonly ReferenceModelOutputs[];

/** What the calling run lends a job: its cancel signal, its pause gate, and where epochs go. */
export interface JobHooks {
  readonly signal?: CancelSignal;
  readonly gate?: () => Promise<void>;
  /** `index` is the reference model's index, 0 for a classifier job. */
  readonly onEpoch?: (index: number, metrics: EpochMetrics) => void;
  /**
   * Asked once a worker is free for the job: false withdraws it (the job fails with
   * WithdrawnJobError, unposted). For a job the calling thread may take on itself, when it is free
   * before any worker is (train-undefended.ts).
   */
  readonly claim?: () => boolean;
}

/** A job whose claim said no when a worker was free for it: the calling thread had taken it on. */
export class WithdrawnJobError extends Error {
  constructor(name: string) {
    super(`the ${name} was taken on elsewhere before a training worker was free`);
    this.name = 'WithdrawnJobError';
  }
}

export interface TrainingPool {
  /** How many jobs run at once (the calling thread not counted). */
  readonly size: number;
  run<J extends TrainingJob>(job: J, hooks?: JobHooks): Promise<JobResult<J>>;
  /** Stop every worker; jobs still running fail. */
  close(): Promise<void>;
}

/** Calling thread → pool worker. */
export type PoolRequest =
  /** `gated`: the run has a pause gate, so the worker asks before every epoch (no round trip without one). */
  | { readonly type: 'job'; readonly id: number; readonly job: TrainingJob; readonly gated: boolean }
  /** The run's gate let the worker's next epoch through. */
  | { readonly type: 'gate-open'; readonly id: number }
  | { readonly type: 'cancel'; readonly id: number };

/** Pool worker → calling thread. */
export type PoolResponse =
  | { readonly type: 'epoch'; readonly id: number; readonly index: number; readonly metrics: EpochMetrics }
  /** The job stands before an epoch: the calling thread answers gate-open once its gate lets it go. */
  | { readonly type: 'gate'; readonly id: number }
  | { readonly type: 'done'; readonly id: number; readonly result: TrainedModelRecord | readonly ReferenceModelOutputs[] }
  | { readonly type: 'failed'; readonly id: number; readonly error: { readonly name: string; readonly message: string } };

/** A worker as the client sees it, whatever the platform. */
export interface PoolPort {
  post(message: PoolRequest, transfer?: readonly ArrayBuffer[]): void;
  onMessage(handler: (message: PoolResponse) => void): void;
  /** The worker died (an uncaught error, an exit, a failed start): `reason` says how. */
  onFailure(handler: (reason: string) => void): void;
  terminate(): void;
}

/**
 * The run's gate for models that train at once: the models at an epoch boundary share one wait,
 * so a step lets each of them train one epoch (the target the student watches among them), and a
 * gate that holds a single waiter (the app's RunGate) is asked once for all. A model that reaches
 * its boundary after that wait ended waits for the next step.
 */
export function sharedWait(gate: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () =>
    (pending ??= gate().finally(() => {
      pending = undefined;
    }));
}

/** Every distinct ArrayBuffer under these arrays, once (a transfer list must not repeat one). */
export function buffersOf(arrays: readonly ArrayBufferView[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) if (array.buffer instanceof ArrayBuffer && array.buffer.byteLength > 0) buffers.add(array.buffer);
  return [...buffers];
}

/** What a job's result holds, to transfer rather than copy. */
export function resultBuffers(result: TrainedModelRecord | readonly ReferenceModelOutputs[]): ArrayBuffer[] {
  if (Array.isArray(result)) return buffersOf((result as readonly ReferenceModelOutputs[]).flatMap((r) => [r.poolLogits, r.populationLogits]));
  const record = result as TrainedModelRecord;
  return buffersOf([...record.weights, record.trainLogits, record.testLogits, ...(record.validationIndices ? [record.validationIndices] : [])]);
}

function jobBuffers(job: TrainingJob): ArrayBuffer[] {
  const parts = job.kind === 'classifier' ? [job.train, job.test] : [job.pool, job.population];
  return buffersOf(parts.flatMap((p) => [p.images, p.labels]));
}

type Timer = { setInterval(callback: () => void, ms: number): unknown; clearInterval(handle: unknown): void };
const timers = globalThis as unknown as Timer;

/** How often a running job looks at the run's cancel signal (the signal has no event to listen to). */
const CANCEL_POLL_MS = 50;
/** A worker that has not stopped this long after a cancel is terminated. */
const CANCEL_GRACE_MS = 3000;

interface Running {
  readonly id: number;
  readonly job: TrainingJob;
  readonly hooks: JobHooks;
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
  poll?: unknown;
  cancelledAt?: number;
}

interface Slot {
  readonly port: PoolPort;
  running?: Running;
  dead: boolean;
}

/**
 * A pool of at most `size` workers started by `spawn` when a job first needs one (or all at once,
 * `warm`). Jobs wait in order for a free worker. Posting a job transfers its pixel buffers: the caller hands over fresh copies.
 */
export function createWorkerPool(size: number, spawn: () => PoolPort, options: { readonly warm?: boolean } = {}): TrainingPool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a training pool needs at least one worker, got ${size}`);
  const slots: Slot[] = [];
  const waiting: Omit<Running, 'id'>[] = [];
  let nextId = 1;
  let closed = false;

  const finish = (slot: Slot, running: Running) => {
    if (running.poll !== undefined) timers.clearInterval(running.poll);
    slot.running = undefined;
    if (slot.dead) slots.splice(slots.indexOf(slot), 1);
    dispatch();
  };

  const fail = (slot: Slot, reason: string) => {
    if (slot.dead) return;
    slot.dead = true;
    const running = slot.running;
    if (running) {
      running.reject(running.cancelledAt !== undefined ? new CancelledError(`training the ${running.job.name}`) : new Error(`the training worker running the ${running.job.name} failed: ${reason}`));
      finish(slot, running);
    } else {
      slots.splice(slots.indexOf(slot), 1);
    }
  };

  const onMessage = (slot: Slot, message: PoolResponse) => {
    const running = slot.running;
    if (!running || message.id !== running.id) return;
    switch (message.type) {
      case 'epoch':
        running.hooks.onEpoch?.(message.index, message.metrics);
        break;
      case 'gate':
        void (running.hooks.gate?.() ?? Promise.resolve()).then(() => {
          if (slot.running === running && !slot.dead) slot.port.post({ type: 'gate-open', id: running.id });
        });
        break;
      case 'done':
        running.resolve(message.result as never);
        finish(slot, running);
        break;
      case 'failed': {
        const { name, message: text } = message.error;
        // The worker's own message, with the model named when it does not say which.
        const named = text.includes(running.job.name) ? text : `the ${running.job.name}: ${text}`;
        running.reject(name === 'CancelledError' ? new CancelledError(`training the ${running.job.name}`) : Object.assign(new Error(named), { name }));
        finish(slot, running);
        break;
      }
    }
  };

  const start = (slot: Slot, task: Omit<Running, 'id'>) => {
    const running: Running = { ...task, id: nextId++ };
    slot.running = running;
    const signal = task.hooks.signal;
    if (signal) {
      running.poll = timers.setInterval(() => {
        if (!signal.aborted || slot.running !== running) return;
        if (running.cancelledAt === undefined) {
          running.cancelledAt = Date.now();
          slot.port.post({ type: 'cancel', id: running.id });
        } else if (Date.now() - running.cancelledAt > CANCEL_GRACE_MS) {
          slot.port.terminate();
          fail(slot, 'it did not stop after the cancel');
        }
      }, CANCEL_POLL_MS);
    }
    try {
      slot.port.post({ type: 'job', id: running.id, job: task.job, gated: task.hooks.gate !== undefined }, jobBuffers(task.job));
    } catch (error) {
      fail(slot, `the job could not be posted (${(error as Error).message})`);
    }
  };

  const spawnSlot = (): Slot => {
    const port = spawn();
    const fresh: Slot = { port, dead: false };
    port.onMessage((message) => onMessage(fresh, message));
    port.onFailure((reason) => fail(fresh, reason));
    slots.push(fresh);
    return fresh;
  };

  const dispatch = () => {
    while (waiting.length > 0 && !closed) {
      let slot = slots.find((s) => !s.running && !s.dead);
      if (!slot && slots.length < size) slot = spawnSlot();
      if (!slot) return;
      const task = waiting.shift()!;
      if (task.hooks.signal?.aborted) {
        task.reject(new CancelledError(`training the ${task.job.name}`));
        continue;
      }
      if (task.hooks.claim && !task.hooks.claim()) {
        task.reject(new WithdrawnJobError(task.job.name));
        continue;
      }
      start(slot, task);
    }
  };

  // A worker takes seconds to start (a module graph, a wasm backend): warm ones start now, while the data loads.
  if (options.warm) while (slots.length < size) spawnSlot();

  return {
    size,
    run<J extends TrainingJob>(job: J, hooks: JobHooks = {}): Promise<JobResult<J>> {
      if (closed) return Promise.reject(new Error(`the training pool is closed; the ${job.name} was not trained`));
      return new Promise<JobResult<J>>((resolve, reject) => {
        waiting.push({ job, hooks, resolve: resolve as (value: never) => void, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      for (const task of waiting.splice(0)) task.reject(new Error(`the training pool closed before the ${task.job.name} started`));
      for (const slot of [...slots]) {
        slot.port.terminate();
        fail(slot, 'the training pool was closed');
      }
      slots.splice(0);
    },
  };
}
