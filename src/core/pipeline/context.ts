/**
 * What every stage of one run shares: the config, the caller's dependencies, progress reporting
 * with per-stage timings, and the tensors uploaded for the run (released when it ends, on success,
 * error or cancellation alike).
 */
import { throwIfCancelled } from '../cancel';
import { yieldSometimes } from '../pace';
import type { ExperimentConfig } from '../config';
import { gatherImages } from '../datasets/split';
import type { ImageDataset } from '../datasets/types';
import { disposePart, lazyPart, type TensorPart } from '../models/predict';
import type { StageName } from '../stages';
import type { ExperimentDeps, ProgressEvent } from './types';
import { sharedWait } from './pool';

export class RunContext {
  readonly timings: Partial<Record<StageName, number>> = {};
  private readonly parts: TensorPart[] = [];
  readonly deps: ExperimentDeps;

  constructor(
    readonly config: ExperimentConfig,
    deps: ExperimentDeps,
  ) {
    // With a pool, models reach their epoch boundaries at once: they share one wait (a step is an epoch each).
    this.deps = deps.pool && deps.gate ? { ...deps, gate: sharedWait(deps.gate) } : deps;
  }

  progress(event: ProgressEvent): void {
    this.deps.onProgress?.(event);
  }

  warn(message: string): void {
    this.progress({ type: 'warning', message });
  }

  /**
   * Between the pieces of a stage's arithmetic (an attack, a reference model's outputs): the event
   * loop let in when ~5 ms have passed (core/pace.ts), and a cancel heard. A run that replaces a
   * result being made ahead waits for no more than one piece of it.
   */
  async checkpoint(): Promise<void> {
    await yieldSometimes();
    throwIfCancelled(this.deps.signal, 'the experiment');
  }

  /**
   * Run one stage: the event loop let in and a cancel check before it, start and end events, its
   * wall time in `timings`. A re-run's stages are plain arithmetic with nothing to await: without
   * the yield a cancel (or a run replacing a result made ahead) waited for the whole run.
   */
  async stage<T>(name: StageName, work: () => Promise<T>): Promise<T> {
    await this.checkpoint();
    this.progress({ type: 'stage-start', stage: name });
    const started = Date.now();
    const value = await work();
    const seconds = (Date.now() - started) / 1000;
    this.timings[name] = seconds;
    this.progress({ type: 'stage-end', stage: name, seconds });
    return value;
  }

  /**
   * The records at `indices` of `source` as tensors for this run, uploaded when first read (a stage
   * served by the cache uploads nothing); released by release() or dispose().
   */
  upload(source: ImageDataset, indices: ArrayLike<number>): TensorPart {
    const labels = Uint8Array.from({ length: indices.length }, (_, i) => source.labels[indices[i]]);
    const part = lazyPart(labels, () => gatherImages(source, indices), source.shape);
    this.parts.push(part);
    return part;
  }

  release(part: TensorPart): void {
    const at = this.parts.indexOf(part);
    if (at >= 0) this.parts.splice(at, 1);
    disposePart(part);
  }

  dispose(): void {
    this.parts.splice(0).forEach(disposePart);
  }
}

/** Seconds left in a loop of `total` items, `done` of which took since `started`. */
export function etaSeconds(started: number, done: number, total: number): number {
  return ((Date.now() - started) / 1000 / done) * (total - done);
}
