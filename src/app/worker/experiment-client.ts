/**
 * The page's side of the worker boundary. One run at a time; every message is typed by
 * workers/protocol.ts. Two promises the UI relies on:
 * - cancel always stops: the worker is asked first (it stops at its next batch); if it has not
 *   answered within CANCEL_GRACE_MS it is terminated and a fresh one starts on the next run;
 * - pause, resume and step travel to the worker's RunGate; cancel opens a paused gate there too, so a
 *   paused run cancels as fast as a running one;
 * - a crash (a worker `error` event, or a worker that cannot start) ends the run with an outcome
 *   the UI can show, and the next run starts a new worker.
 */
import type { ExperimentConfig } from '../../core/config';
import type { NamedBytes } from '../../core/datasets/types';
import type { ExperimentResult, ProgressEvent } from '../../core/experiment';
import {
  filesTransferables,
  type BackendChoice,
  type BackendInfo,
  type DatasetSource,
  type GateState,
  type SerializedError,
  type WorkerRequest,
  type WorkerResponse,
} from '../../../workers/protocol';
import { unpackResult } from '../../shared/packed-result';

export const CANCEL_GRACE_MS = 3_000;

export type RunOutcome =
  | { readonly kind: 'result'; readonly result: ExperimentResult }
  | { readonly kind: 'error'; readonly error: SerializedError }
  /** `forced`: the worker did not stop in time and was terminated. */
  | { readonly kind: 'cancelled'; readonly forced?: boolean }
  | { readonly kind: 'crashed'; readonly message: string };

export interface RunHandlers {
  onBackend?(info: BackendInfo): void;
  onDataset?(dataset: { name: string; count: number; source: DatasetSource }): void;
  onProgress?(event: ProgressEvent): void;
  onNotice?(message: string): void;
  /** The run's pause gate changed (paused, held at an epoch boundary, released). */
  onGate?(state: GateState): void;
}

export interface RunRequest {
  readonly config: ExperimentConfig;
  readonly backend: BackendChoice;
  readonly files?: readonly NamedBytes[];
}

/** The part of Worker the client uses, so tests can hand it a fake. */
export interface WorkerLike {
  postMessage(message: WorkerRequest, options?: { transfer?: Transferable[] }): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<WorkerResponse>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

export function createExperimentWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/experiment.worker.ts', import.meta.url), { type: 'module', name: 'experiment' }) as WorkerLike;
}

interface PendingRun {
  readonly runId: number;
  readonly handlers: RunHandlers;
  readonly resolve: (outcome: RunOutcome) => void;
  cancelTimer?: ReturnType<typeof setTimeout>;
}

export class ExperimentClient {
  private worker: WorkerLike | undefined;
  private pending: PendingRun | undefined;
  private nextRunId = 1;
  /** Callers of warm() waiting for the worker's 'warmed'. */
  private warmWaiters: (() => void)[] = [];
  /** Where results made ahead go (speculate). */
  onAhead: ((config: ExperimentConfig, result: ExperimentResult) => void) | undefined;

  constructor(
    private readonly createWorker: () => WorkerLike = createExperimentWorker,
    private readonly cancelGraceMs = CANCEL_GRACE_MS,
  ) {}

  get busy(): boolean {
    return this.pending !== undefined;
  }

  run(request: RunRequest, handlers: RunHandlers = {}): Promise<RunOutcome> {
    if (this.pending) return Promise.resolve({ kind: 'error', error: { name: 'BusyError', message: 'a run is already in progress' } });
    let worker: WorkerLike;
    try {
      worker = this.ensureWorker();
    } catch (error) {
      return Promise.resolve({ kind: 'crashed', message: `the experiment worker could not start: ${(error as Error).message}` });
    }
    const runId = this.nextRunId++;
    return new Promise<RunOutcome>((resolve) => {
      this.pending = { runId, handlers, resolve };
      // Copies go to the worker so the page keeps its files for the next run.
      const files = request.files?.map((file) => ({ name: file.name, bytes: file.bytes.slice() }));
      const message: WorkerRequest = { type: 'run', runId, config: request.config, backend: request.backend, ...(files ? { files } : {}) };
      try {
        worker.postMessage(message, { transfer: filesTransferables(files) });
      } catch (error) {
        this.finish({ kind: 'crashed', message: `could not send the run to the worker: ${(error as Error).message}` });
      }
    });
  }

  /**
   * Start the worker now and have it get ready for a run of `request` (backend, dataset, training
   * workers; workers/experiment.worker.ts). Resolves when it is ready, or at once during a run;
   * never rejects: whatever the warm-up could not do, the run does and reports.
   */
  warm(request: Omit<RunRequest, 'files'>): Promise<void> {
    if (this.pending) return Promise.resolve();
    let worker: WorkerLike;
    try {
      worker = this.ensureWorker();
    } catch {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.warmWaiters.push(resolve);
      try {
        worker.postMessage({ type: 'warm', config: request.config, backend: request.backend });
      } catch {
        this.warmed();
      }
    });
  }

  /**
   * Have the worker make these configs' results while it has nothing to run (each comes back
   * through onAhead). Replaces the list asked before; a run stops it, or adopts the result in the
   * making when it asks for the same config. Only for configs that need no training.
   */
  speculate(configs: readonly ExperimentConfig[]): void {
    try {
      this.ensureWorker().postMessage({ type: 'speculate', configs });
    } catch {
      // Nothing is lost: the configs run when asked for.
    }
  }

  private warmed(): void {
    for (const resolve of this.warmWaiters.splice(0)) resolve();
  }

  /** Ask the worker to stop; terminate it if it does not within the grace period. */
  cancel(): void {
    const pending = this.pending;
    if (!pending || pending.cancelTimer) return;
    this.worker?.postMessage({ type: 'cancel', runId: pending.runId });
    pending.cancelTimer = setTimeout(() => {
      if (this.pending !== pending) return;
      this.discardWorker();
      this.finish({ kind: 'cancelled', forced: true });
    }, this.cancelGraceMs);
  }

  /** Pause at the next epoch boundary; `resume` goes on; `step` lets one more epoch through. */
  pause(): void {
    this.sendGate('pause');
  }

  resume(): void {
    this.sendGate('resume');
  }

  step(): void {
    this.sendGate('step');
  }

  private sendGate(type: 'pause' | 'resume' | 'step'): void {
    const pending = this.pending;
    // A run being cancelled is not paused again.
    if (!pending || pending.cancelTimer) return;
    this.worker?.postMessage({ type, runId: pending.runId });
  }

  /** Throw the worker away (ending any run as crashed); the next run starts a fresh one. */
  restart(): void {
    this.discardWorker();
    if (this.pending) this.finish({ kind: 'crashed', message: 'the worker was restarted' });
  }

  dispose(): void {
    this.restart();
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const worker = this.createWorker();
    worker.onmessage = (event) => this.handle(event.data);
    worker.onerror = (event) => {
      event.preventDefault?.();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : '';
      this.discardWorker();
      this.finish({ kind: 'crashed', message: `the experiment worker crashed: ${event.message || 'unknown error'}${where}` });
    };
    this.worker = worker;
    return worker;
  }

  private discardWorker(): void {
    if (!this.worker) return;
    this.worker.onmessage = null;
    this.worker.onerror = null;
    this.worker.terminate();
    this.worker = undefined;
    this.warmed();
  }

  private finish(outcome: RunOutcome): void {
    const pending = this.pending;
    if (!pending) return;
    if (pending.cancelTimer) clearTimeout(pending.cancelTimer);
    this.pending = undefined;
    pending.resolve(outcome);
  }

  private handle(message: WorkerResponse): void {
    if (message.type === 'warmed') return this.warmed();
    if (message.type === 'ahead') return this.onAhead?.(message.config, unpackResult(message.result));
    const pending = this.pending;
    if (!pending || message.runId !== pending.runId) return; // a straggler from a run already given up on
    const { handlers } = pending;
    switch (message.type) {
      case 'backend':
        handlers.onBackend?.(message.info);
        break;
      case 'dataset':
        handlers.onDataset?.({ name: message.name, count: message.count, source: message.source });
        break;
      case 'progress':
        handlers.onProgress?.(message.event);
        break;
      case 'notice':
        handlers.onNotice?.(message.message);
        break;
      case 'gate':
        handlers.onGate?.(message.state);
        break;
      case 'result':
        this.finish({ kind: 'result', result: unpackResult(message.result) });
        break;
      case 'error':
        this.finish({ kind: 'error', error: message.error });
        break;
      case 'cancelled':
        this.finish({ kind: 'cancelled' });
        break;
    }
  }
}
