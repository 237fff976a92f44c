/**
 * The one typed boundary between the page and the experiment worker: one API type for both sides.
 * Both sides import these types; nothing crosses the boundary that is not listed here. Progress
 * is the core's own ProgressEvent union, forwarded unchanged.
 */
import type { ExperimentConfig } from '../src/core/config';
import type { NamedBytes } from '../src/core/datasets/types';
import type { ExperimentResult, ProgressEvent } from '../src/core/experiment';
import type { GateState } from './gate';
import type { ProbeReport } from '../src/shared/backend-probe';
import type { PackedResult } from '../src/shared/packed-result';

/** What the user may ask for; "auto" takes the backend measured fastest here (workers/backend.ts), falling back in BACKEND_ORDER. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export function isBackendChoice(value: unknown): value is BackendChoice {
  return typeof value === 'string' && (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** The WebGPU adapter the worker got, when it asked for one. */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software adapter (SwiftShader): correct but usually slower than webgl or wasm. */
  readonly isFallbackAdapter: boolean;
}

export interface BackendInfo {
  readonly requested: BackendChoice;
  /** tf.getBackend() after activation: the backend that really runs. */
  readonly active: BackendName;
  /** wasm only: XNNPACK's thread count (above 1 only on a crossOriginIsolated page where threaded wasm measured fastest). */
  readonly threads?: number;
  /** The WebGPU adapter, when the worker asked for one (running WebGPU, or auto deciding against it). */
  readonly adapter?: AdapterInfo;
  /** Why the active backend differs from the request, and other things the user should know. */
  readonly notices: readonly string[];
  /** On auto: the timings that chose the backend, measured now or remembered (shared/backend-probe.ts). */
  readonly probe?: ProbeReport;
}

/** An Error flattened for postMessage (Error subclasses lose their class across the boundary). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** ConfigError's list of bad fields. */
  readonly problems?: readonly string[];
  /** DatasetError's file name. */
  readonly fileName?: string;
}

export type { GateState };

export type DatasetSource = 'cache' | 'network' | 'files';

/** The experiment worker's first message to each of its training workers (train.worker.ts): the backend to start, the same as its own. */
export interface TrainWorkerInit {
  readonly type: 'init';
  readonly backend: BackendName;
  readonly config: ExperimentConfig;
}

export type WorkerRequest =
  | {
      readonly type: 'run';
      readonly runId: number;
      readonly config: ExperimentConfig;
      readonly backend: BackendChoice;
      /** The user's dataset files for a "custom" dataset; absent to use the parsed copy in IndexedDB. */
      readonly files?: readonly NamedBytes[];
    }
  /**
   * Get ready for a run of `config` before the user asks for it (the page sends it when it loads):
   * the backend when it is named (auto's measurement belongs to a run), the built-in dataset, and
   * the training workers' modules. Answered by 'warmed'; ignored during a run.
   */
  | { readonly type: 'warm'; readonly config: ExperimentConfig; readonly backend: BackendChoice }
  /**
   * Results to make ahead, while no run is active, for configs the student is likely to ask for
   * next (a stepped slider's next value, a defense's switch: src/app/state/ahead.ts): each answered
   * by 'ahead'. A newer
   * list replaces the older; a run stops the one in progress, or adopts it if it asks the same config.
   */
  | { readonly type: 'speculate'; readonly configs: readonly ExperimentConfig[] }
  /** Cancel also opens a paused gate, so a paused run stops at once. */
  | { readonly type: 'cancel'; readonly runId: number }
  /** Pause at the next epoch boundary, resume, or let one more epoch through (workers/gate.ts). */
  | { readonly type: 'pause' | 'resume' | 'step'; readonly runId: number };

export type WorkerResponse =
  /** The warm-up is over (whatever failed in it, the run does again and reports). */
  | { readonly type: 'warmed' }
  | { readonly type: 'backend'; readonly runId: number; readonly info: BackendInfo }
  | { readonly type: 'dataset'; readonly runId: number; readonly name: string; readonly count: number; readonly source: DatasetSource }
  | { readonly type: 'progress'; readonly runId: number; readonly event: ProgressEvent }
  | { readonly type: 'notice'; readonly runId: number; readonly message: string }
  | { readonly type: 'result'; readonly runId: number; readonly result: PackedResult }
  /** A result made ahead ('speculate'): what a run of `config` would have answered. */
  | { readonly type: 'ahead'; readonly config: ExperimentConfig; readonly result: PackedResult }
  | { readonly type: 'error'; readonly runId: number; readonly error: SerializedError }
  | { readonly type: 'cancelled'; readonly runId: number }
  /** The gate changed: paused or not, and whether the run is standing at it now. */
  | { readonly type: 'gate'; readonly runId: number; readonly state: GateState };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const extra = error as Error & { problems?: unknown; fileName?: unknown };
    return {
      name: error.name,
      message: error.message,
      ...(Array.isArray(extra.problems) ? { problems: extra.problems.map(String) } : {}),
      ...(typeof extra.fileName === 'string' ? { fileName: extra.fileName } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** Every distinct ArrayBuffer under a packed result's typed arrays, to transfer rather than copy. */
export function resultTransferables(result: PackedResult): ArrayBuffer[] {
  const views: ArrayBufferView[] = [result.records.poolIndex, result.records.member, result.records.label];
  for (const attack of result.attacks) views.push(attack.memberScores, attack.nonMemberScores, attack.roc);
  if (result.records.predicted) views.push(result.records.predicted);
  if (result.references) views.push(...result.references.inMasks, ...(result.references.confidence ?? []));
  return distinctBuffers(views);
}

export function filesTransferables(files: readonly NamedBytes[] | undefined): ArrayBuffer[] {
  return distinctBuffers((files ?? []).map((file) => file.bytes));
}

/** Transfer lists must not repeat a buffer, and SharedArrayBuffers cannot be transferred. */
function distinctBuffers(views: readonly ArrayBufferView[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) if (view.buffer instanceof ArrayBuffer && view.buffer.byteLength > 0) buffers.add(view.buffer);
  return [...buffers];
}
