/**
 * Starting a TensorFlow.js backend inside the worker. tf.setBackend can fail quietly (it resolves
 * false, or WebGPU logs a TypeError and tf.ready() lands on another backend), so every attempt is
 * checked against tf.getBackend() before it counts. "auto" starts the backend measured fastest on
 * this machine (chooseBackend: remembered in IndexedDB, or timed now by backend-probe.ts). On a
 * crossOriginIsolated page (the COOP/COEP headers, README) wasm can also run threaded; tfjs fixes
 * the thread count when the backend starts, so the two are separate candidates and starting the
 * other one restarts the wasm backend (startWasm).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { ExperimentConfig } from '../src/core/config';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { configHasConvolutions } from '../src/core/models/catalog';
import {
  architectureClass,
  decideBackend,
  keepFasterTimings,
  parseProbeRecord,
  probeKey,
  rankVariants,
  threadedWasmThreads,
  type BackendVariant,
  type ProbeRecord,
  type ProbeReport,
  variantLabel,
} from '../src/shared/backend-probe';
import { describeStorageError, loadBackendProbe, saveBackendProbe } from '../src/shared/storage/db';
import { BACKEND_ORDER, planBackends } from './backend-order';
import { timeBackends } from './backend-probe';
import type { AdapterInfo, BackendChoice, BackendInfo, BackendName } from './protocol';

// Vite fingerprints the .wasm files; tell the wasm backend where they went.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
// Single-threaded unless a threaded candidate is started (startWasm): threads only where measured faster.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
/** tfjs-backend-wasm's own factory (it loads the build the flag above selects), to register again with other threads. */
const wasmFactory = tf.findBackendFactory('wasm');
/** The thread count the registered wasm backend starts (or started) with. */
let wasmThreads = 1;
/** How long a threaded start may take: its pthread workers are loaded before it resolves, and one that cannot load would hang it. */
const THREADED_START_MS = 30_000;
// Convolution gradients and faster matrix products for wasm, so it trains CNNs too (npm run bench).
registerWasmKernels();

/** Backends that failed in this worker (a lost WebGPU device): skipped until the worker restarts. */
const broken = new Set<BackendName>();

interface GpuAdapterLike {
  readonly info?: Partial<AdapterInfo> & { isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

async function describeAdapter(): Promise<AdapterInfo | undefined> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return undefined;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return undefined;
    const info = adapter.info ?? {};
    return {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    };
  } catch {
    return undefined;
  }
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** When the GPU goes away mid-session, later runs fall back instead of failing on a dead device. */
function watchDeviceLoss(onLost: (message: string) => void): void {
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ message?: string }> } }).device;
  device?.lost?.then((info) => {
    broken.add('webgpu');
    onLost(`The WebGPU device was lost (${info?.message || 'no reason given'}); later runs fall back to the next backend.`);
  });
}

/**
 * Start wasm with `threads` threads: the threaded build (SharedArrayBuffer, XNNPACK's thread pool)
 * above one, the single-threaded build at one. A different count than the registered backend's
 * disposes it and registers tfjs's factory again (no tensor outlives a run, so none is lost).
 */
async function startWasm(threads: number): Promise<boolean> {
  if (threads !== wasmThreads) {
    if (wasmFactory === undefined) return false;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    setThreadsCount(threads);
    if (tf.findBackendFactory('wasm') !== undefined) tf.removeBackend('wasm');
    tf.registerBackend('wasm', wasmFactory, 2);
    wasmThreads = threads;
  }
  if (threads === 1) return tryBackend('wasm');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), THREADED_START_MS)));
  try {
    const started = await withReportedCores(2 * threads, () => Promise.race([tryBackend('wasm'), timeout]));
    return started && getThreadsCount() === threads;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * tfjs-backend-wasm 4.22 caps XNNPACK's thread pool at navigator.hardwareConcurrency / 2 (it
 * assumes two hyperthreads per core), read once while the module starts: one thread on a 2-core
 * machine, whatever setThreadsCount asks. The lab decides the count by measurement instead, so
 * while the threaded module starts, this worker's navigator reports `cores`; startWasm then checks
 * getThreadsCount(), the count that really runs.
 */
async function withReportedCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const navigator = globalThis.navigator as { hardwareConcurrency?: number };
  try {
    Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
  } catch {
    return start(); // a browser that refuses: tfjs's own cap stands, and startWasm's check says so
  }
  try {
    return await start();
  } finally {
    delete navigator.hardwareConcurrency; // the prototype's getter again
  }
}

/** Start `variant` in this worker, with the WebGPU setting the config's convolutions want. */
async function startBackend({ backend: name, threads }: BackendVariant, config: ExperimentConfig): Promise<boolean> {
  if (name === 'webgpu' && configHasConvolutions(config)) {
    // A separate im2col shader: convolutions ran about 3× faster on SwiftShader, same results.
    tf.env().set('WEBGPU_CONV_SEPARATE_IM2COL_SHADER', true);
  }
  return name === 'wasm' ? startWasm(threads ?? 1) : tryBackend(name);
}

/** This page's threaded wasm candidate: its thread count, or undefined (not crossOriginIsolated, one core). */
function wasmThreadsHere(): number | undefined {
  return threadedWasmThreads({
    crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
  });
}

/** The candidates auto times: each backend of the plan but cpu, wasm once per thread count it can run with. */
function probeCandidates(plan: readonly BackendName[], threads: number | undefined): BackendVariant[] {
  return plan
    .filter((name) => name !== 'cpu')
    .flatMap((backend): BackendVariant[] => (backend === 'wasm' && threads !== undefined ? [{ backend, threads: 1 }, { backend, threads }] : [{ backend }]));
}

/** What auto decided, before anything is activated for the run. */
export interface BackendDecision {
  /** Tried in order; the first that starts runs the experiment (wasm with its thread count, when measured with one). */
  readonly candidates: readonly BackendVariant[];
  readonly notices: readonly string[];
  readonly adapter?: AdapterInfo;
  readonly probe?: ProbeReport;
}

/**
 * Measurements IndexedDB refused (no storage, a full quota), kept for this worker's life so a
 * browser without storage does not pay for the probe on every run.
 */
const unsaved = new Map<string, ProbeRecord>();

/** The measurement remembered for `key`, or undefined (none, damaged, or no IndexedDB here). */
async function rememberedProbe(key: string): Promise<ProbeRecord | undefined> {
  try {
    return parseProbeRecord(await loadBackendProbe(key), key) ?? unsaved.get(key);
  } catch {
    return unsaved.get(key);
  }
}

/**
 * Resolve `requested` to an order of backends to start. A named backend comes first with the
 * rest as fallbacks (backend-order.ts). Auto uses the measurement remembered for this adapter,
 * browser and architecture class, or times the backends now (backend-probe.ts: about a second of
 * timed steps, plus each backend's start-up and first step, which compiles its shaders)
 * and remembers the result; either way the fastest goes first and the runners-up are fallbacks.
 * A pool worker that should not measure again passes the backend its coordinator chose.
 */
export async function chooseBackend(
  requested: BackendChoice,
  config: ExperimentConfig,
  /** Told before a probe starts (it can take seconds where shaders compile slowly) and when its result cannot be saved. */
  onNotice: (message: string) => void = () => {},
): Promise<BackendDecision> {
  const plan = planBackends(requested, broken);
  // A named backend runs as before: wasm single-threaded (the training pool's workers ask for it by name).
  if (requested !== 'auto') return { candidates: plan.candidates.map((backend) => ({ backend })), notices: plan.notices };
  const notices = [...plan.notices];
  const threads = wasmThreadsHere();
  // The adapter is reported whenever auto asked for one, even when another backend wins, so the
  // page (and the e2e test) can tell a software adapter from a real GPU.
  // Described even after a lost device: the key stays this machine's, and the ranking skips what broke.
  const adapter = await describeAdapter();
  const key = probeKey({
    adapter,
    userAgent: globalThis.navigator?.userAgent ?? 'unknown browser',
    architecture: architectureClass(config),
    ...(threads !== undefined ? { wasmThreads: threads } : {}),
  });
  const remembered = await rememberedProbe(key);
  if (remembered) {
    const candidates = rankVariants(remembered.timings, BACKEND_ORDER, broken);
    return { candidates, notices, ...(adapter ? { adapter } : {}), probe: { record: remembered, source: 'remembered' } };
  }
  onNotice('Timing the backends on this machine for auto (once per browser version, GPU and kind of model; longer where shaders compile slowly).');
  // cpu is only the last resort: it is not measured, it runs when nothing else starts.
  const probeStarted = performance.now();
  const start = (backend: BackendName, threadCount?: number) => startBackend(threadCount === undefined ? { backend } : { backend, threads: threadCount }, config);
  const timed = probeCandidates(plan.candidates, threads);
  let timings = await timeBackends(timed, config, start);
  const wasmVariants = timed.filter((candidate) => candidate.backend === 'wasm');
  if (wasmVariants.length > 1) {
    // Single- and threaded wasm are often close: a second round, in reversed order (keepFasterTimings says why).
    timings = keepFasterTimings(timings, await timeBackends([...wasmVariants].reverse(), config, start));
  }
  const winner = decideBackend(timings);
  if (winner === undefined) {
    notices.push('No backend besides cpu could be measured here; auto falls back to the usual order.');
    return { candidates: plan.candidates.map((backend) => ({ backend })), notices, ...(adapter ? { adapter } : {}) };
  }
  const record: ProbeRecord = { key, winner, timings, measuredAt: Date.now(), probeMilliseconds: performance.now() - probeStarted };
  if (broken.size > 0) {
    // Measured without a backend that broke in this worker: right for this worker, not worth keeping.
    unsaved.set(key, record);
  } else {
    try {
      await saveBackendProbe(record);
    } catch (error) {
      unsaved.set(key, record);
      onNotice(describeStorageError(error, "auto's backend measurement"));
    }
  }
  const candidates = rankVariants(timings, BACKEND_ORDER, broken);
  return { candidates, notices, ...(adapter ? { adapter } : {}), probe: { record, source: 'measured' } };
}

/** Activate the best backend for `requested` and `config`; throws only when none at all starts. */
export async function activateBackend(
  requested: BackendChoice,
  config: ExperimentConfig,
  /** Things the user should hear about later: a lost WebGPU device, a measurement that could not be saved. */
  onNotice: (message: string) => void,
): Promise<BackendInfo> {
  const decision = await chooseBackend(requested, config, onNotice);
  const notices = [...decision.notices];
  let adapter = decision.adapter;
  for (const variant of decision.candidates) {
    const name = variant.backend;
    if (await startBackend(variant, config)) {
      if (name === 'webgpu') {
        adapter = (await describeAdapter()) ?? adapter;
        watchDeviceLoss(onNotice);
        // On auto the measurement already weighed the software adapter against the others.
        if (adapter?.isFallbackAdapter && requested !== 'auto') notices.push('WebGPU runs on a software adapter here; webgl or wasm may train faster on this machine.');
      }
      return {
        requested,
        active: name,
        ...(name === 'wasm' ? { threads: getThreadsCount() } : {}),
        ...(adapter ? { adapter } : {}),
        notices,
        ...(decision.probe ? { probe: decision.probe } : {}),
      };
    }
    if (requested === name || requested === 'auto') notices.push(`${variantLabel(variant)} could not start in this browser; trying the next backend.`);
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${decision.candidates.map(variantLabel).join(', ')})`);
}
