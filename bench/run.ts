/**
 * `npm run bench`: how fast MIA Lab trains and predicts in Node, before and after its wasm kernels,
 * against PyTorch on the same CPU when Debian's python3-torch is installed. Prints a table and
 * writes bench/results.json (machine, versions, every repeat).
 *
 *   npm run bench -- [--repeats 3] [--samples 2000] [--no-torch] [--no-preset] [--no-browser] [--no-lira] [--cpu-cnn] [--no-interactive]
 *                    [--no-e2e] [--no-app-e2e] [--only-e2e] [--e2e-repeats 1] [--no-pool] [--backends cpu,wasm,wasm+lab]
 *
 * Backends, in this order (the kernels cannot be unregistered, so "before" runs first):
 *   cpu          tfjs's pure-JS backend
 *   wasm         tfjs-backend-wasm 4.22 as shipped (no Conv2DBackpropFilter: the CNN cannot train)
 *   wasm+lab     the same with registerWasmKernels() (src/core/kernels/)
 * Headless-Chromium backends (webgpu, webgl, wasm, cpu in a page's worker) are measured by chromium.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';
import { DEFAULT_CONFIG, presetConfig } from '../src/core/config';
import { BROWSER_BACKENDS, runBrowserBench } from './chromium';
import { timeDpSgd } from './dp-sgd';
import { timePoolScaling, type PoolScaling } from './pool-scaling';
import { APP_EXPERIMENTS, JUMPS, runAppBench, TOGGLE_PAUSE_MS, TOGGLES, type RedrawSeries } from './interactive';
import { endToEndRows } from './e2e';
import { batchedEpoch, halves, randomPool, sequentialEpochs, summarise, time, trainer, WARM_UP_SECONDS, type Timing } from './workloads';
import { measureAttack } from '../src/core/attacks/evaluate';
import { standardNormal } from '../src/core/defenses/sampling';
import { createRng } from '../src/core/random';

const run = promisify(execFile);

interface Options {
  repeats: number;
  samples: number;
  torch: boolean;
  preset: boolean;
  /** Time the same workloads in headless Chromium workers (webgpu, webgl, wasm, cpu). */
  browser: boolean;
  /** Time the issue's LiRA target: 16 reference MLPs, pool 10,000, 5,000 each, 20 epochs. */
  lira: boolean;
  /** Time CNN training on Node's cpu backend too (tens of seconds per 128-sample batch here). */
  cpuCnn: boolean;
  /** Time a control change to the redrawn table in the built app (bench/interactive.ts). */
  interactive: boolean;
  /** The throughput rows (cpu, wasm, wasm+lab, intervals, Chromium workers, PyTorch's throughput); off with --only-e2e. */
  throughput: boolean;
  /** The Node backends whose throughput rows run (--backends cpu,wasm,wasm+lab; all by default). */
  backends: readonly string[];
  /** The quick preset and the default experiment end to end, CLI beside bench/torch_experiment.py (bench/e2e.ts). */
  e2e: boolean;
  /** The default app experiment, plain and with DP-SGD, in the built app in headless Chromium. */
  appE2e: boolean;
  /** Repeats of each end-to-end row (each is a whole experiment: 1 by default). */
  e2eRepeats: number;
  /** DP-SGD epochs (one pass and microbatch loop) against plain epochs, MLP and CNN (bench/dp-sgd.ts). */
  dpSgd: boolean;
  /** A shadow and 16 reference MLPs on a training pool of 2 workers against 1 (bench/pool-scaling.ts). */
  pool: boolean;
}

/** The Node backends of the throughput rows, in the order they must run (the lab's kernels cannot be unregistered). */
const NODE_BENCH_BACKENDS: readonly string[] = ['cpu', 'wasm', 'wasm+lab'];

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { repeats: 3, samples: 2000, torch: true, preset: true, browser: true, lira: true, cpuCnn: false, interactive: true, throughput: true, backends: NODE_BENCH_BACKENDS, e2e: true, appE2e: true, e2eRepeats: 1, dpSgd: true, pool: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--repeats') options.repeats = Number(argv[++i]);
    else if (flag === '--samples') options.samples = Number(argv[++i]);
    else if (flag === '--no-torch') options.torch = false;
    else if (flag === '--no-preset') options.preset = false;
    else if (flag === '--no-lira') options.lira = false;
    else if (flag === '--no-browser') options.browser = false;
    else if (flag === '--cpu-cnn') options.cpuCnn = true;
    else if (flag === '--no-interactive') options.interactive = false;
    else if (flag === '--no-e2e') options.e2e = false;
    else if (flag === '--no-app-e2e') options.appE2e = false;
    else if (flag === '--only-e2e') Object.assign(options, { throughput: false, preset: false, lira: false, interactive: false, pool: false });
    else if (flag === '--e2e-repeats') options.e2eRepeats = Number(argv[++i]);
    else if (flag === '--no-dp-sgd') options.dpSgd = false;
    else if (flag === '--no-pool') options.pool = false;
    else if (flag === '--backends') {
      options.backends = argv[++i]?.split(',') ?? [];
      const unknown = options.backends.filter((b) => !NODE_BENCH_BACKENDS.includes(b));
      if (unknown.length > 0 || options.backends.length === 0) throw new Error(`bench: --backends takes a comma-separated list of ${NODE_BENCH_BACKENDS.join(', ')}; got ${argv[i] ?? 'nothing'}`);
    }
    else throw new Error(`bench: unknown option ${flag} (known: --repeats N, --samples N, --no-torch, --no-preset, --no-browser, --no-lira, --cpu-cnn, --no-interactive, --no-e2e, --no-app-e2e, --only-e2e, --e2e-repeats N, --no-dp-sgd, --no-pool, --backends LIST)`);
  }
  if (!(options.repeats >= 1)) throw new Error('bench: --repeats must be at least 1');
  if (!(Number.isInteger(options.e2eRepeats) && options.e2eRepeats >= 1)) throw new Error('bench: --e2e-repeats must be an integer of at least 1');
  return options;
}

interface Row {
  readonly workload: string;
  readonly backend: string;
  /** Items (samples, or models for the K-model rows) per timed repeat. */
  readonly items: number;
  /** 's': a wall time (one whole run), no throughput; its ratio is PyTorch's seconds over ours. */
  readonly unit: 'samples/s' | 'models/min' | 's';
  readonly timing?: Timing;
  readonly note?: string;
  /** This row's throughput over PyTorch's on the same workload. */
  ratio?: number;
}

const BATCH = 128;
const K = 16;
/** Node's cpu backend needs tens of seconds per CNN batch here: with --cpu-cnn, time one batch. */
const CPU_CNN_SAMPLES = 128;

function throughput(row: Row): number | undefined {
  if (!row.timing || row.unit === 's') return undefined;
  return row.unit === 'models/min' ? (row.items / row.timing.median) * 60 : row.items / row.timing.median;
}

async function timeTraining(
  architecture: string,
  backend: string,
  items: number,
  options: Options,
  epoch: () => Promise<void>,
  log: (line: string) => void,
  note?: string,
): Promise<Row> {
  const row = { workload: `${architecture} train`, backend, items, unit: 'samples/s' as const };
  if (backend === 'cpu' && architecture === 'cnn' && !options.cpuCnn) return { ...row, note: 'skipped (slow; --cpu-cnn times it)' };
  log(`  ${backend} ${architecture} training`);
  try {
    return { ...row, timing: await time(options.repeats, epoch), note };
  } catch (error) {
    return { ...row, note: `cannot train: ${(error as Error).message}` };
  }
}

async function measureBackend(backend: string, options: Options, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const pool = randomPool(options.samples);
  const cnnPool = backend === 'cpu' ? randomPool(CPU_CNN_SAMPLES) : pool;
  try {
    for (const architecture of ['mlp', 'cnn'] as const) {
      const data = architecture === 'cnn' ? cnnPool : pool;
      const model = trainer(architecture, data, BATCH);
      const fewer = data.count !== options.samples ? `${data.count} samples` : undefined;
      rows.push(await timeTraining(architecture, backend, data.count, options, () => model.epoch(), log, fewer));
      log(`  ${backend} ${architecture} inference`);
      const timing = await time(options.repeats, () => model.predict());
      rows.push({ workload: `${architecture} infer`, backend, items: data.count, unit: 'samples/s', timing, note: fewer });
      model.dispose();
    }
    // K MLPs, each one epoch on a random half of the pool: together, then one after another.
    const masks = halves(pool.count, K);
    const modelEpochs = K * (pool.count >> 1);
    log(`  ${backend} ${K} MLPs batched`);
    const together = await time(options.repeats, () => batchedEpoch(pool, masks, BATCH));
    rows.push({ workload: `${K} MLPs batched (1 epoch each)`, backend, items: modelEpochs, unit: 'samples/s', timing: together });
    log(`  ${backend} ${K} MLPs one after another`);
    const oneByOne = await time(options.repeats, () => sequentialEpochs(pool, masks, BATCH));
    rows.push({ workload: `${K} MLPs one by one (1 epoch each)`, backend, items: modelEpochs, unit: 'samples/s', timing: oneByOne });
    // Reference models per minute: the default reference config (epochs, half of a 2,000-record pool).
    const epochs = DEFAULT_CONFIG.reference.epochs;
    const perModel = (t: Timing) => summarise(t.seconds.map((s) => (s * epochs) / K));
    rows.push({ workload: `reference MLPs (${epochs} epochs, batched)`, backend, items: 1, unit: 'models/min', timing: perModel(together), note: 'training only, from the K-MLP rows' });
    rows.push({ workload: `reference MLPs (${epochs} epochs, one by one)`, backend, items: 1, unit: 'models/min', timing: perModel(oneByOne), note: 'training only, from the K-MLP rows' });
  } finally {
    pool.dispose();
    if (cnnPool !== pool) cnnPool.dispose();
  }
  return rows;
}

interface TorchResult {
  version: string;
  threads: number;
  defaultThreads: number;
  samples: number;
  mlp: { train: number[]; infer: number[] };
  cnn: { train: number[]; infer: number[] };
}

/** The first Python that imports torch: the one on PATH, else Debian's (python3-torch installs there). */
async function findTorchPython(): Promise<string | undefined> {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      await run(python, ['-c', 'import torch']);
      return python;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function measureTorch(options: Options, threads: number | undefined): Promise<TorchResult | string> {
  const python = await findTorchPython();
  if (python === undefined) return 'no python3 here imports torch (Debian: apt-get install -y python3-torch)';
  const args = JSON.stringify({ samples: options.samples, batch: BATCH, repeats: options.repeats, threads });
  const { stdout } = await run(python, [join(import.meta.dirname, 'torch_bench.py'), args], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as TorchResult;
}

function defaultTorchThreads(result: TorchResult): number {
  return result.defaultThreads;
}

/** What bench/torch_blas.py says: which BLAS torch multiplies with, and whether it is a fair peer. */
interface TorchBlas {
  version: string;
  defaultThreads: number;
  /** openblas, mkl, blis, atlas, reference (Debian's netlib libblas3) or unknown. */
  kind: string;
  fairPeer: boolean;
  torchBlasInfo: string;
  libblasAlternative: string;
  mapped: string[];
  fix?: string;
}

async function checkTorchBlas(python: string): Promise<TorchBlas> {
  const { stdout } = await run(python, [join(import.meta.dirname, 'torch_blas.py')], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as TorchBlas;
}

/** The PyTorch rows' warning where its BLAS is not an optimised one. */
function unfairNote(blas: TorchBlas | undefined): string | undefined {
  return blas && !blas.fairPeer ? `not a fair peer: BLAS is ${blas.kind} (${blas.libblasAlternative}); fix: ${blas.fix}` : undefined;
}

function torchRows(result: TorchResult, blas?: TorchBlas): Row[] {
  const threads = `${result.threads} thread${result.threads > 1 ? 's' : ''}${result.threads === result.defaultThreads ? ', its default' : ''}`;
  const backend = `pytorch ${result.version} (${threads}${blas ? `, ${blas.kind}` : ''})`;
  const note = unfairNote(blas);
  return (['mlp', 'cnn'] as const).flatMap((architecture) => [
    { workload: `${architecture} train`, backend, items: result.samples, unit: 'samples/s' as const, timing: summarise(result[architecture].train), note },
    { workload: `${architecture} infer`, backend, items: result.samples, unit: 'samples/s' as const, timing: summarise(result[architecture].infer), note },
  ]);
}

/** Median seconds of a list, for a note. */
function seconds(values: readonly number[]): string {
  return values.length > 0 ? `${summarise([...values]).median.toFixed(2)} s` : '?';
}

/** The pool-scaling pair: the same jobs on 1 and on 2 worker threads, the ratio and the load in the note. */
function poolScalingRows(scaling: PoolScaling): Row[] {
  const workload = `shadows + references on 2 workers vs 1: ${scaling.shadows} shadows + ${scaling.references} reference MLPs (${scaling.groups} batched groups), ${scaling.epochs} epochs, 1,000 records each (s)`;
  const load = `load average ${scaling.load[0].toFixed(1)} → ${scaling.load[1].toFixed(1)}`;
  return [
    { workload, backend: 'node wasm+lab, 1 worker thread', items: 1, unit: 's', timing: scaling.oneWorker, note: `interleaved with the 2-worker runs; workers started and warmed before timing; ${load}` },
    {
      workload,
      backend: 'node wasm+lab, 2 worker threads',
      items: 1,
      unit: 's',
      timing: scaling.twoWorkers,
      note: `${scaling.speedup.toFixed(2)}× the 1-worker time (medians, this run); target ≥ 1.7× on an idle 2-core machine (issue 11); cores used (process CPU s / wall s) ${scaling.coresUsed.one.toFixed(2)} with 1 worker, ${scaling.coresUsed.two.toFixed(2)} with 2; each job alone (s): ${Object.entries(scaling.jobSeconds).map(([name, s]) => `${name} ${s}`).join(', ')}; ${load}`,
    },
  ];
}

/**
 * The LiRA cost target (issue 3): target, 16 reference MLPs on random halves of a 10,000-record
 * pool (5,000 each), 20 epochs, LiRA online and offline, end to end, no cache, in a child process.
 */
async function timeLira(): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-bench-'));
  const config = join(dir, 'lira.json');
  await writeFile(config, JSON.stringify({ partSize: 5000, target: { epochs: 20 }, reference: { count: 16 }, attacks: ['loss', 'lira-online', 'lira-offline'] }));
  const args = ['--import', 'tsx', 'src/cli/lab.ts', '--config', config, '--backend', 'wasm', '--out', join(dir, 'out'), '--no-cache'];
  const workload = 'LiRA: 16 reference MLPs, 5,000 records each, 20 epochs, end to end (1 run)';
  const started = performance.now();
  try {
    await run(process.execPath, args, { cwd: join(import.meta.dirname, '..'), maxBuffer: 1 << 26 });
    const seconds = (performance.now() - started) / 1000;
    return { workload, backend: 'wasm+lab', items: 1, unit: 'samples/s', timing: summarise([seconds]), note: `seconds, child process; target < 300 s: ${seconds < 300 ? 'met' : 'missed'}` };
  } catch (error) {
    return { workload, backend: 'wasm+lab', items: 1, unit: 'samples/s', note: `failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Wall time of `npm run lab -- --preset quick` in a child process, with our wasm kernels (as the
 * CLI runs) or without them (MIA_LAB_STOCK_WASM=1: tfjs-backend-wasm as it ships).
 */
async function timeQuickPreset(withKernels: boolean): Promise<Row> {
  const out = await mkdtemp(join(tmpdir(), 'mia-bench-'));
  const args = ['--import', 'tsx', 'src/cli/lab.ts', '--preset', 'quick', '--backend', 'wasm', '--out', out, '--no-cache'];
  const env = { ...process.env, MIA_LAB_STOCK_WASM: withKernels ? '0' : '1' };
  const started = performance.now();
  try {
    await run(process.execPath, args, { cwd: join(import.meta.dirname, '..'), maxBuffer: 1 << 24, env });
    const seconds = (performance.now() - started) / 1000;
    return { workload: 'quick preset, wall time (1 run)', backend: withKernels ? 'wasm+lab' : 'wasm', items: 1, unit: 'samples/s', timing: summarise([seconds]), note: 'seconds, child process' };
  } catch (error) {
    return { workload: 'quick preset, wall time (1 run)', backend: withKernels ? 'wasm+lab' : 'wasm', items: 1, unit: 'samples/s', note: `failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * The cost of one attack's 95 % intervals (issue 12): measureAttack on 1,000 members and 1,000
 * non-members with Gaussian scores (ROC, figures, 200-resample bootstrap, three Clopper–Pearson
 * intervals), 20 repeats. Kept cheap enough to run for every attack in the app.
 */
async function timeIntervals(): Promise<Row> {
  const rng = createRng(1, 'bench/intervals');
  const members = Float64Array.from({ length: 1000 }, () => standardNormal(rng) + 0.5);
  const nonMembers = Float64Array.from({ length: 1000 }, () => standardNormal(rng));
  let seed = 0;
  const timing = await time(20, async () => {
    measureAttack('loss', members, nonMembers, 0.25, { seed: seed++ });
  });
  return { workload: 'one attack\'s figures with 95 % intervals, 1,000 + 1,000 records', backend: 'js', items: 2000, unit: 'samples/s', timing, note: `seconds per attack; target < 0.1 s: ${timing.median < 0.1 ? 'met' : 'missed'}` };
}

function format(rows: readonly Row[]): string {
  const lines = [
    '| workload | backend | median s | spread s (min–max) | throughput | vs PyTorch | note |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    const t = row.timing;
    const rate = throughput(row);
    const isWall = row.unit === 's' || row.workload.startsWith('quick preset') || row.workload.startsWith('LiRA') || row.workload.startsWith('control change');
    lines.push(
      `| ${row.workload} | ${row.backend} | ${t ? t.median.toFixed(3) : '—'} | ${t ? `${t.min.toFixed(3)}–${t.max.toFixed(3)}` : '—'} | ` +
        `${rate === undefined || isWall ? '—' : `${Math.round(rate).toLocaleString('en-US')} ${row.unit}`} | ` +
        `${row.ratio === undefined ? '—' : `${row.ratio.toFixed(2)}×`} | ${row.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const rows: Row[] = [];
  const started = Date.now();
  const loadBefore = loadavg();

  // The peer first: which BLAS this PyTorch uses decides whether its rows mean anything.
  const python = options.torch ? await findTorchPython() : undefined;
  const blas = python === undefined ? undefined : await checkTorchBlas(python);
  if (blas) log(`pytorch ${blas.version}: BLAS ${blas.kind} (${blas.mapped[0] ?? blas.libblasAlternative}), ${blas.defaultThreads} default thread(s)${blas.fairPeer ? '' : ` — NOT A FAIR PEER; ${blas.fix}`}`);

  for (const backend of options.throughput ? NODE_BENCH_BACKENDS.filter((b) => options.backends.includes(b)) : []) {
    if (backend === 'wasm' && tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
      // The stock rows are the "before": an import that registers the lab's kernels (src/node/backend.ts) made them the "after" under the stock name.
      throw new Error("bench: the stock wasm rows would run the lab's kernels, registered by a module imported before them");
    }
    if (backend === 'wasm+lab') {
      // The lab's kernels as the app and the CLI run them: FMA matrix products by relaxed SIMD.
      enableRelaxedSimd();
      registerWasmKernels();
    }
    if (!(await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm'))) throw new Error(`bench: cannot start the ${backend} backend`);
    await tf.ready();
    log(`${backend}:`);
    const before = tf.memory().numTensors;
    rows.push(...(await measureBackend(backend, options, log)));
    const failed = rows.some((row) => row.backend === backend && row.note?.startsWith('cannot train'));
    const left = tf.memory().numTensors - before;
    if (left !== 0) log(`  warning: ${left} tensors left behind on ${backend}${failed ? ' (by the failed training attempt inside tfjs)' : ''}`);
  }

  if (options.throughput) {
    log('intervals:');
    rows.push(await timeIntervals());
  }

  if (options.dpSgd && options.throughput) {
    // After the wasm+lab rows: the lab's backend, as the CLI and the app's worker train.
    log('DP-SGD against plain training:');
    rows.push(...(await timeDpSgd(options.repeats, options.samples, log)));
  }

  if (options.pool) {
    log('training pool, 2 workers against 1:');
    rows.push(...poolScalingRows(await timePoolScaling(options.repeats, log)));
  }

  if (options.browser && options.throughput) {
    log('headless Chromium:');
    const browser = await runBrowserBench(log);
    if (typeof browser === 'string') log(`  ${browser}`);
    else {
      for (const response of browser) {
        if (!response.ok) {
          rows.push({ workload: 'browser', backend: `browser ${response.backend}`, items: 0, unit: 'samples/s', note: `failed: ${response.error}` });
          continue;
        }
        const label = `browser ${response.backend}`;
        for (const t of response.timings) {
          rows.push({ workload: t.workload, backend: label, items: BROWSER_BACKENDS[0].samples, unit: 'samples/s', timing: summarise([...t.seconds]), note: response.notes.join('; ') || undefined });
        }
        if (response.timings.length === 0) rows.push({ workload: 'browser', backend: label, items: 0, unit: 'samples/s', note: response.notes.join('; ') });
      }
    }
  }

  let torch: { default?: TorchResult | string; single?: TorchResult | string } = {};
  if (options.torch && options.throughput) {
    log('pytorch:');
    const single = await measureTorch(options, 1);
    // PyTorch's default is one thread per physical core; on a 2-vCPU machine that can be 1 already.
    const all = typeof single === 'string' || defaultTorchThreads(single) === 1 ? single : await measureTorch(options, undefined);
    torch = { single, default: all };
    for (const result of single === all ? [single] : [single, all]) if (typeof result !== 'string') rows.push(...torchRows(result, blas));
    // Our best CPU backend against PyTorch at its default threads (what a user would run).
    if (typeof all !== 'string') {
      for (const row of rows) {
        const reference = torchRows(all).find((r) => r.workload === row.workload);
        const ours = throughput(row);
        if (reference && ours !== undefined && !row.backend.startsWith('pytorch')) row.ratio = ours / (throughput(reference) as number);
      }
    }
  }

  if (options.preset) {
    log('quick preset:');
    rows.push(await timeQuickPreset(false));
    // With --no-e2e only: the end-to-end rows below time the same run beside PyTorch.
    if (!options.e2e) rows.push(await timeQuickPreset(true));
  }
  if (options.e2e) {
    log('end to end, the CLI beside bench/torch_experiment.py on the same records:');
    const e2e = await endToEndRows(
      [
        { label: 'quick preset', config: presetConfig('quick'), source: { preset: 'quick' } },
        { label: 'default app experiment (CLI)', config: DEFAULT_CONFIG, source: { config: DEFAULT_CONFIG } },
      ],
      python,
      options.e2eRepeats,
      log,
    );
    const note = unfairNote(blas);
    rows.push(...e2e.map((row) => (note && row.backend.startsWith('pytorch') ? { ...row, note: `${note}; ${row.note}` } : row)));
  }
  if (options.lira) {
    log('LiRA target:');
    rows.push(await timeLira());
  }
  const app =
    options.browser && (options.interactive || options.appE2e)
      ? (log('the built app in headless Chromium:'),
        await runAppBench(log, { redraw: options.interactive, experiments: options.appE2e, repeats: options.e2eRepeats }).catch((error: unknown) => `failed: ${(error as Error).message.split('\n')[0]}`))
      : undefined;
  if (typeof app === 'string') log(`  ${app}`);
  for (const experiment of typeof app === 'object' ? (app.experiments ?? []) : []) {
    const dp = experiment.config.defenses['dp-sgd'];
    rows.push({
      workload: `${experiment.label}: ${experiment.config.partSize.toLocaleString('en-US')}/part, target + 1 shadow, MLP ${experiment.config.target.epochs} epochs, click Run → table (s)`,
      backend: 'browser wasm (app)',
      items: 1,
      unit: 's',
      timing: experiment.seconds.length > 0 ? summarise([...experiment.seconds]) : undefined,
      note: `${experiment.error ? `failed: ${experiment.error}; ` : ''}fresh browser context (nothing cached), clicked once the page's warm-up (worker, backend, MNIST, training workers) was ready, ${seconds(experiment.warmSeconds)} after the page loaded; first frame with the table ${seconds(experiment.paintedSeconds)} after the click${dp ? `; DP-SGD ${JSON.stringify(dp)}, the page says: ${experiment.shown.accountant ?? '?'}` : ''}; stages: ${experiment.shown.stages ?? '?'}; target ≤ ${dp ? 10 : 5} s`,
    });
  }
  const interactive = typeof app === 'object' ? app.interactive : undefined;
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  if (interactive) {
    const what = `${interactive.records}/part, ${interactive.attacks.length} attacks, ${interactive.referenceModels} reference models cached`;
    const phases = (series: RedrawSeries) =>
      series.madeAhead === series.redrawMs.length
        ? 'every change shown from a result made ahead'
        : `medians of the ${series.redrawMs.length - series.madeAhead} that ran: page before the run ${ms(series.phasesMs.beforeRun)}, worker ${ms(series.phasesMs.worker)}, results rendered ${ms(series.phasesMs.render)}, to the painted frame ${ms(series.phasesMs.toFrame)}`;
    const note = (series: RedrawSeries) =>
      `target < 0.200 s, timed in the page from the input event to the painted frame; every chart redrawn too: median ${ms(series.everythingMedianMs)}; as Playwright sees it (its round trips included): median ${ms(series.harnessMedianMs)}; ${series.madeAhead} of ${series.redrawMs.length} shown from a result made ahead; ${phases(series)}`;
    rows.push({
      workload: `control stepped (rounding 2 → 6 decimals) → redrawn table (${what})`,
      backend: 'browser wasm',
      items: 1,
      unit: 'samples/s',
      timing: summarise(interactive.redrawMs.map((ms) => ms / 1000)),
      note: `${note(interactive)}; the first, training run took ${interactive.trainSeconds.toFixed(0)} s`,
    });
    rows.push({
      workload: `control jumped (top-k's k ${JUMPS.join(' → ')}) → redrawn table (${what})`,
      backend: 'browser wasm',
      items: 1,
      unit: 'samples/s',
      timing: summarise(interactive.jumps.redrawMs.map((ms) => ms / 1000)),
      note: note(interactive.jumps),
    });
    rows.push({
      workload: `defense switched (${TOGGLES.map((t) => `${t.testId.replace('defense-', '')} ${'check' in t && !t.check ? 'off' : 'on'}`).join(', ')}), ${TOGGLE_PAUSE_MS / 1000} s after the last result → redrawn table (${what})`,
      backend: 'browser wasm',
      items: 1,
      unit: 'samples/s',
      timing: summarise(interactive.toggles.redrawMs.map((ms) => ms / 1000)),
      note: note(interactive.toggles),
    });
  }

  await tf.setBackend('wasm');
  const machine = {
    platform: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    node: process.version,
    /** 1-, 5- and 15-minute load averages when the bench started and when it ended: these machines are shared. */
    loadAverage: { before: loadBefore.map((l) => +l.toFixed(2)), after: loadavg().map((l) => +l.toFixed(2)) },
  };
  const versions = { ...tf.version, 'tfjs-backend-wasm': version_wasm };
  const wasm = {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    threads: getThreadsCount(),
  };
  const table = format(rows);
  const torchNote = !options.torch
    ? 'PyTorch: skipped (--no-torch)'
    : blas === undefined
      ? 'PyTorch: skipped (no python3 here imports torch; Debian: apt-get install -y python3-torch libopenblas0-pthread)'
      : typeof torch.default === 'string'
        ? `PyTorch: skipped (${torch.default})`
        : 'vs PyTorch: against PyTorch at its default threads (what a user runs); throughput rows: ours / PyTorch\'s samples/s; rows in seconds: PyTorch\'s seconds / ours (> 1: MIA Lab is faster)';
  const blasLine = blas
    ? `PyTorch ${blas.version} BLAS: ${blas.kind} (${blas.mapped[0] ?? blas.libblasAlternative}; torch BLAS_INFO=${blas.torchBlasInfo}), ${blas.defaultThreads} default thread(s)` +
      (blas.fairPeer ? '' : ` — NOT A FAIR PEER, the PyTorch rows understate what a user gets; fix: ${blas.fix}`)
    : 'PyTorch BLAS: not checked (no PyTorch)';
  process.stdout.write(
    `\nMIA Lab bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, tfjs ${versions.tfjs}, ` +
      `wasm SIMD ${wasm.simd}, ${wasm.threads} wasm thread(s), load average ${machine.loadAverage.before.join(' ')} → ${machine.loadAverage.after.join(' ')}\n` +
      `${blasLine}\n` +
      `batch ${BATCH}, ${options.samples} samples${options.cpuCnn ? ` (cpu CNN training: ${CPU_CNN_SAMPLES})` : ''}, warm-up (${WARM_UP_SECONDS} s, PyTorch alike) then median of ${options.repeats}` +
      `${options.e2e || options.appE2e ? `; end-to-end rows (s): no warm-up, median of ${options.e2eRepeats}` : ''}\n\n` +
      `${table}\n\n${torchNote}\nBrowser rows: headless Chromium workers, 512 samples per epoch (Node rows: 2,000).\n`,
  );
  const results = {
    date: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    options,
    machine,
    versions,
    wasm,
    torchBlas: blas,
    torch,
    rows: rows.map((row) => ({ ...row, throughput: throughput(row) })),
  };
  await writeFile(join(import.meta.dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`wrote bench/results.json (${results.seconds.toFixed(0)} s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
