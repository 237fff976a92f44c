/**
 * Backend choice by measurement (issue 11), the parts without TensorFlow.js: which architecture
 * class a config trains, the input shape the probe uses, the key a measurement is remembered
 * under, the decision from the timings, the stored record's format and how the page words it.
 * The timing itself is workers/backend-probe.ts; the record lives in IndexedDB (storage/db.ts).
 *
 * Why measure rather than rank: a GPU adapter is not always faster. A software WebGPU adapter
 * (SwiftShader) trained 25–30× slower than wasm in `npm run bench`, and on a real GPU a small MLP
 * on 1,000 records may still lose to wasm, so "auto" times each backend on the user's machine.
 */
import type { DatasetConfig } from '../core/config';
import { configHasConvolutions, type InputShape, type TrainedArchitectures } from '../core/models/catalog';
import type { AdapterInfo, BackendName } from '../../workers/protocol';

/** Dense-only models and convolutional ones rank backends differently, so each has its own record. */
export type ArchitectureClass = 'mlp' | 'convolutional';

export function architectureClass(config: TrainedArchitectures): ArchitectureClass {
  return configHasConvolutions(config) ? 'convolutional' : 'mlp';
}

/**
 * The input shape of the dataset before it is loaded (the backend starts first): CIFAR binaries
 * (.bin, or their .tar.gz) are 32×32×3, everything else the lab reads (MNIST, Fashion-MNIST, IDX) 28×28×1.
 */
export function probeInputShape(dataset: DatasetConfig): InputShape {
  const cifar = dataset.name === 'custom' && (dataset.files ?? []).some((file) => /\.(bin|tar\.gz|tgz)$/i.test(file));
  return cifar ? [32, 32, 3] : [28, 28, 1];
}

/** What the measurement depends on: the GPU adapter, the browser and its version, the architecture class, wasm's threads. */
export interface ProbeKeyParts {
  /** Absent when the browser offers no WebGPU adapter. */
  readonly adapter?: AdapterInfo;
  /** navigator.userAgent, which carries the browser's name and version. */
  readonly userAgent: string;
  readonly architecture: ArchitectureClass;
  /** The threaded wasm candidate's thread count (threadedWasmThreads); absent where only one thread can run. */
  readonly wasmThreads?: number;
}

/**
 * A readable key: a new browser version, another GPU, the other architecture class, or a page that
 * can now (or no longer) run threaded wasm measures again. Without threads the key is what it was
 * before threaded wasm, so measurements remembered then stay valid.
 */
export function probeKey({ adapter, userAgent, architecture, wasmThreads }: ProbeKeyParts): string {
  const gpu = adapter
    ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description, adapter.isFallbackAdapter ? 'software' : 'hardware'].join('/')
    : 'no WebGPU adapter';
  const threads = wasmThreads !== undefined && wasmThreads > 1 ? ` | wasm up to ${wasmThreads} threads` : '';
  return `${architecture} | ${gpu} | ${userAgent}${threads}`;
}

/**
 * A backend as auto starts it. tfjs-backend-wasm fixes its thread count when the backend starts,
 * so single-threaded and threaded wasm are two candidates, timed apart and started apart.
 */
export interface BackendVariant {
  readonly backend: BackendName;
  /** wasm only: XNNPACK's thread count (1 = the single-threaded build); absent for other backends and for records from before threaded wasm. */
  readonly threads?: number;
}

/** "wasm (2 threads)", "wasm (1 thread)", "webgpu": what the page shows. */
export function variantLabel({ backend, threads }: BackendVariant): string {
  return threads === undefined ? backend : `${backend} (${threads} thread${threads === 1 ? '' : 's'})`;
}

export function sameVariant(a: BackendVariant, b: BackendVariant): boolean {
  return a.backend === b.backend && (a.threads ?? 1) === (b.threads ?? 1);
}

/** Where threads may run: SharedArrayBuffer needs a crossOriginIsolated page (COOP/COEP headers, README). */
export interface ThreadingContext {
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
}

/**
 * More threads than this did not pay for the models the lab trains (tfjs-backend-wasm's XNNPACK
 * splits each product's output tiles over the threads; a 64×784 by 784×128 product has few tiles).
 */
export const MAX_WASM_THREADS = 4;

/**
 * The threaded wasm candidate's thread count, or undefined when it cannot run or cannot help: a
 * page that is not crossOriginIsolated has no SharedArrayBuffer, and one core has nothing to share.
 * The threads are the calling worker's only: the training pool's workers stay single-threaded, one
 * core each (trainingPoolSize), and wasmTrainingPoolSize gives the pool only the cores the threads
 * leave, so the two never ask for more cores than there are.
 */
export function threadedWasmThreads({ crossOriginIsolated, hardwareConcurrency }: ThreadingContext): number | undefined {
  if (!crossOriginIsolated || !Number.isFinite(hardwareConcurrency) || hardwareConcurrency < 2) return undefined;
  return Math.min(MAX_WASM_THREADS, Math.floor(hardwareConcurrency));
}

/** The training pool beside a calling worker that runs `threads` threads: no more workers than the cores its threads leave. */
export function wasmTrainingPoolSize(poolSize: number, hardwareConcurrency: number, threads: number | undefined): number {
  if (threads === undefined || threads <= 1) return poolSize;
  return Math.max(0, Math.min(poolSize, Math.floor(hardwareConcurrency) - threads));
}

/** One backend's measurement: training samples per second, or why it could not be measured. */
export type ProbeTiming =
  | {
      readonly backend: BackendName;
      /** wasm's thread count (BackendVariant). */
      readonly threads?: number;
      readonly samples: number;
      readonly milliseconds: number;
      /** Not in the rate: starting the backend, and the first step (shader compilation, kernel set-up). */
      readonly startMilliseconds?: number;
      readonly warmUpMilliseconds?: number;
    }
  | { readonly backend: BackendName; readonly threads?: number; readonly failed: string };

export function samplesPerSecond(timing: ProbeTiming): number | undefined {
  if ('failed' in timing || timing.milliseconds <= 0) return undefined;
  return (timing.samples / timing.milliseconds) * 1000;
}

/**
 * Each candidate's faster timing of two rounds. A window of a third of a second on a busy machine
 * can be several times off (here, at load 14 on 2 cores, one single-threaded window gave 1,131
 * samples/s among 4,312–11,479), and the remembered winner stays, so where threaded wasm is a
 * candidate both wasm variants are timed twice, in reversed order, and the least disturbed
 * window of each decides. A candidate only the second round timed is added.
 */
export function keepFasterTimings(first: readonly ProbeTiming[], second: readonly ProbeTiming[]): ProbeTiming[] {
  const faster = (a: ProbeTiming, b: ProbeTiming) => ((samplesPerSecond(b) ?? -1) > (samplesPerSecond(a) ?? -1) ? b : a);
  const merged = first.map((timing) => {
    const again = second.find((other) => sameVariant(timingVariant(other), timingVariant(timing)));
    return again ? faster(timing, again) : timing;
  });
  const added = second.filter((timing) => !first.some((other) => sameVariant(timingVariant(other), timingVariant(timing))));
  return [...merged, ...added];
}

/** A timing's backend and thread count. */
export function timingVariant(timing: ProbeTiming): BackendVariant {
  return timing.threads === undefined ? { backend: timing.backend } : { backend: timing.backend, threads: timing.threads };
}

/**
 * The fastest backend by samples per second; a tie goes to the one listed first (the caller lists
 * them in the auto order). Undefined when none was measured.
 */
export function decideBackend(timings: readonly ProbeTiming[]): BackendName | undefined {
  return decideVariant(timings)?.backend;
}

/** The fastest backend with its thread count (wasm single-threaded and threaded are separate candidates). */
export function decideVariant(timings: readonly ProbeTiming[]): BackendVariant | undefined {
  return rankVariants(timings, [])[0];
}

/**
 * The order to start backends in: the measured ones fastest first (so a winner that fails to start
 * gives way to the runner-up), then the rest of `order` as today's fallbacks, without `skip`.
 */
export function rankBackends(timings: readonly ProbeTiming[], order: readonly BackendName[], skip: ReadonlySet<BackendName> = new Set()): BackendName[] {
  return [...new Set(rankVariants(timings, order, skip).map((variant) => variant.backend))];
}

/** rankBackends with each measured variant kept: threaded wasm and single-threaded wasm in the order they measured. */
export function rankVariants(timings: readonly ProbeTiming[], order: readonly BackendName[], skip: ReadonlySet<BackendName> = new Set()): BackendVariant[] {
  const measured = timings
    .map((timing, index) => ({ variant: timingVariant(timing), rate: samplesPerSecond(timing), index }))
    .filter((entry): entry is { variant: BackendVariant; rate: number; index: number } => entry.rate !== undefined)
    .sort((a, b) => b.rate - a.rate || a.index - b.index)
    .map((entry) => entry.variant);
  const unmeasured = order.filter((name) => !measured.some((variant) => variant.backend === name)).map((backend) => ({ backend }));
  return [...measured, ...unmeasured].filter((variant) => !skip.has(variant.backend));
}

/** What IndexedDB keeps per key (storage/db.ts, store "backend-probes"). */
export interface ProbeRecord {
  readonly key: string;
  readonly winner: BackendName;
  readonly timings: readonly ProbeTiming[];
  /** ms since the epoch. */
  readonly measuredAt: number;
  /** How long the whole probe took, warm-up steps (shader compilation) and backend start-ups included. */
  readonly probeMilliseconds: number;
}

/** How the worker reports the choice to the page (BackendInfo.probe). */
export interface ProbeReport {
  readonly record: ProbeRecord;
  /** Measured for this run, or read back from an earlier one. */
  readonly source: 'measured' | 'remembered';
}

const BACKEND_NAMES: readonly string[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

function isTiming(value: unknown): value is ProbeTiming {
  const timing = value as Record<string, unknown> | null;
  if (!timing || typeof timing !== 'object' || !BACKEND_NAMES.includes(timing.backend as string)) return false;
  if ('threads' in timing && !(Number.isInteger(timing.threads) && (timing.threads as number) >= 1)) return false;
  if ('failed' in timing) return typeof timing.failed === 'string';
  return Number.isFinite(timing.samples) && Number.isFinite(timing.milliseconds) && (timing.samples as number) > 0 && (timing.milliseconds as number) > 0;
}

/**
 * A stored record read back, or undefined when it is not one (an older format, a damaged entry):
 * the worker then measures again instead of trusting it. The winner must be the timings' winner.
 */
export function parseProbeRecord(value: unknown, key: string): ProbeRecord | undefined {
  const record = value as Record<string, unknown> | null;
  if (!record || typeof record !== 'object' || record.key !== key) return undefined;
  if (!Array.isArray(record.timings) || !record.timings.every(isTiming)) return undefined;
  if (!Number.isFinite(record.measuredAt) || !Number.isFinite(record.probeMilliseconds)) return undefined;
  const winner = decideBackend(record.timings);
  if (winner === undefined || record.winner !== winner) return undefined;
  return { key, winner, timings: record.timings, measuredAt: record.measuredAt as number, probeMilliseconds: record.probeMilliseconds as number };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 1840.4 → "1,840": the same on every locale, so the figures read the same in tests and screenshots. */
function formatRate(rate: number): string {
  return Math.round(rate).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The winning timing of a record (its winner with the thread count it ran with). */
export function winningTiming(record: ProbeRecord): ProbeTiming | undefined {
  const variant = decideVariant(record.timings);
  return variant && record.timings.find((timing) => samplesPerSecond(timing) !== undefined && sameVariant(timingVariant(timing), variant));
}

/** "auto: wasm — measured 1,840 samples/s vs webgpu 92 samples/s on this machine, 30 Nov"; with threads, "auto: wasm (1 thread) — … vs wasm (2 threads) …". */
export function describeProbe(record: ProbeRecord): string {
  const rate = (timing: ProbeTiming) => {
    const value = samplesPerSecond(timing);
    const label = variantLabel(timingVariant(timing));
    return value === undefined ? `${label} did not run` : `${label} ${formatRate(value)} samples/s`;
  };
  const winner = winningTiming(record);
  const others = record.timings.filter((timing) => timing !== winner).map(rate);
  const date = new Date(record.measuredAt);
  const winnerRate = winner ? samplesPerSecond(winner) : undefined;
  const measured = winnerRate === undefined ? 'measured' : `measured ${formatRate(winnerRate)} samples/s`;
  const winnerLabel = winner ? variantLabel(timingVariant(winner)) : record.winner;
  return `auto: ${winnerLabel} — ${measured}${others.length ? ` vs ${others.join(', ')}` : ''} on this machine, ${date.getDate()} ${MONTHS[date.getMonth()]}`;
}
