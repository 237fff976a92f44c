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

/** What the measurement depends on: the GPU adapter, the browser and its version, the architecture class. */
export interface ProbeKeyParts {
  /** Absent when the browser offers no WebGPU adapter. */
  readonly adapter?: AdapterInfo;
  /** navigator.userAgent, which carries the browser's name and version. */
  readonly userAgent: string;
  readonly architecture: ArchitectureClass;
}

/** A readable key: a new browser version, another GPU or the other architecture class measures again. */
export function probeKey({ adapter, userAgent, architecture }: ProbeKeyParts): string {
  const gpu = adapter
    ? [adapter.vendor, adapter.architecture, adapter.device, adapter.description, adapter.isFallbackAdapter ? 'software' : 'hardware'].join('/')
    : 'no WebGPU adapter';
  return `${architecture} | ${gpu} | ${userAgent}`;
}

/** One backend's measurement: training samples per second, or why it could not be measured. */
export type ProbeTiming =
  | {
      readonly backend: BackendName;
      readonly samples: number;
      readonly milliseconds: number;
      /** Not in the rate: starting the backend, and the first step (shader compilation, kernel set-up). */
      readonly startMilliseconds?: number;
      readonly warmUpMilliseconds?: number;
    }
  | { readonly backend: BackendName; readonly failed: string };

export function samplesPerSecond(timing: ProbeTiming): number | undefined {
  if ('failed' in timing || timing.milliseconds <= 0) return undefined;
  return (timing.samples / timing.milliseconds) * 1000;
}

/**
 * The fastest backend by samples per second; a tie goes to the one listed first (the caller lists
 * them in the auto order). Undefined when none was measured.
 */
export function decideBackend(timings: readonly ProbeTiming[]): BackendName | undefined {
  return rankBackends(timings, [])[0];
}

/**
 * The order to start backends in: the measured ones fastest first (so a winner that fails to start
 * gives way to the runner-up), then the rest of `order` as today's fallbacks, without `skip`.
 */
export function rankBackends(timings: readonly ProbeTiming[], order: readonly BackendName[], skip: ReadonlySet<BackendName> = new Set()): BackendName[] {
  const measured = timings
    .map((timing, index) => ({ backend: timing.backend, rate: samplesPerSecond(timing), index }))
    .filter((entry): entry is { backend: BackendName; rate: number; index: number } => entry.rate !== undefined)
    .sort((a, b) => b.rate - a.rate || a.index - b.index)
    .map((entry) => entry.backend);
  return [...measured, ...order.filter((name) => !measured.includes(name))].filter((name) => !skip.has(name));
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

/** "auto: wasm — measured 1,840 samples/s vs webgpu 92 samples/s on this machine, 30 Nov". */
export function describeProbe(record: ProbeRecord): string {
  const rate = (timing: ProbeTiming) => {
    const value = samplesPerSecond(timing);
    return value === undefined ? `${timing.backend} did not run` : `${timing.backend} ${formatRate(value)} samples/s`;
  };
  const winner = record.timings.find((timing) => timing.backend === record.winner);
  const others = record.timings.filter((timing) => timing !== winner).map(rate);
  const date = new Date(record.measuredAt);
  const winnerRate = winner ? samplesPerSecond(winner) : undefined;
  const measured = winnerRate === undefined ? 'measured' : `measured ${formatRate(winnerRate)} samples/s`;
  return `auto: ${record.winner} — ${measured}${others.length ? ` vs ${others.join(', ')}` : ''} on this machine, ${date.getDate()} ${MONTHS[date.getMonth()]}`;
}
