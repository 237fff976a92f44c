/**
 * Whole experiments against the PyTorch a user would run (issue 11): the CLI's run as a child
 * process beside bench/torch_experiment.py doing the same experiment on the same records. Both wall
 * times are from spawn to exit, so both include their process start-up (Node + tsx compiling the
 * CLI; Python importing torch).
 *
 * The records: the Node side loads the dataset and cuts the seeded four-way split exactly as the
 * pipeline's load-data stage does, and writes the four parts (uint8 images and labels, a JSON
 * header) to a temporary file that the Python script reads. The first (and here only) shadow
 * trains on shadow-train and is tested on shadow-test, as train-shadows.ts does for shadow 0.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ExperimentConfig } from '../src/core/config';
import { gatherImages, splitPool } from '../src/core/datasets/split';
import type { ImageDataset } from '../src/core/datasets/types';
import { loadDataset } from '../src/node/load-dataset';
import { summarise, type Timing } from './workloads';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');

/** The four parts, in the order the header lists them. */
const PART_NAMES = ['targetTrain', 'targetTest', 'shadowTrain', 'shadowTest'] as const;

/**
 * Writes `config`'s four parts of `dataset` to `path`: a little-endian uint32 header length, the
 * JSON header (shape; per part its count and the byte offsets of its images and labels after the
 * header), then the bytes. Returns the records per part.
 */
export async function writeParts(dataset: ImageDataset, config: ExperimentConfig, path: string): Promise<number> {
  if (config.shadow.count !== 1 || config.shadow.dataset) throw new Error('bench e2e: the PyTorch peer trains exactly one shadow on the target\'s dataset');
  const split = splitPool(dataset.count, config.partSize, config.seed);
  const parts = PART_NAMES.map((name) => gatherImages(dataset, split[name]));
  let offset = 0;
  const header: { shape: readonly number[]; parts: Record<string, { count: number; images: number; labels: number }> } = { shape: dataset.shape, parts: {} };
  for (const [i, part] of parts.entries()) {
    header.parts[PART_NAMES[i]] = { count: part.count, images: offset, labels: offset + part.images.length };
    offset += part.images.length + part.labels.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  await writeFile(path, Buffer.concat([length, json, ...parts.flatMap((part) => [part.images, part.labels])]));
  return config.partSize;
}

/** What a run reports besides its wall time, to check that both sides did the same experiment. */
export interface ExperimentOutcome {
  readonly seconds: number;
  readonly targetTrainAccuracy?: number;
  readonly targetTestAccuracy?: number;
  readonly lossAuc?: number;
  /** Seconds of each stage inside the run (the CLI's results.json timings; the script's phases). */
  readonly phases?: Readonly<Record<string, number>>;
}

export interface TorchOutcome extends ExperimentOutcome {
  readonly threads: number;
  readonly defaultThreads: number;
  /** Seconds of each phase inside the script (import, read, target, shadow, attack, inScript). */
  readonly phases: Readonly<Record<string, number>>;
}

/** `npm run lab` on `config` (written to a file) or on a preset, wasm with the lab's kernels, no cache. */
export async function timeLab(source: { preset: string } | { config: ExperimentConfig }): Promise<ExperimentOutcome> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-bench-e2e-'));
  try {
    const args = ['--import', 'tsx', 'src/cli/lab.ts', '--backend', 'wasm', '--out', join(dir, 'out'), '--no-cache'];
    if ('preset' in source) args.push('--preset', source.preset);
    else {
      await writeFile(join(dir, 'config.json'), JSON.stringify(source.config));
      args.push('--config', join(dir, 'config.json'));
    }
    const started = performance.now();
    await run(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 26, env: { ...process.env, MIA_LAB_STOCK_WASM: '0' } });
    const seconds = (performance.now() - started) / 1000;
    const results = JSON.parse(await readFile(join(dir, 'out', 'results.json'), 'utf8')) as {
      target: { trainAccuracy: number; testAccuracy: number };
      attacks: { name: string; auc: number }[];
      timings?: Record<string, number>;
    };
    return {
      seconds,
      targetTrainAccuracy: results.target.trainAccuracy,
      targetTestAccuracy: results.target.testAccuracy,
      lossAuc: results.attacks.find((attack) => attack.name === 'loss')?.auc,
      phases: results.timings,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** bench/torch_experiment.py on the parts file, at `threads` (undefined: PyTorch's default). */
export async function timeTorchExperiment(python: string, partsPath: string, config: ExperimentConfig, threads: number | undefined): Promise<TorchOutcome> {
  const { target } = config;
  if (target.architecture !== 'mlp' || config.shadow.architecture !== 'mlp') throw new Error('bench e2e: the PyTorch peer trains the MLP only');
  if (config.shadow.epochs !== target.epochs || config.shadow.batchSize !== target.batchSize || config.shadow.learningRate !== target.learningRate) {
    throw new Error('bench e2e: the PyTorch peer trains the shadow with the target\'s recipe');
  }
  const args = JSON.stringify({ epochs: target.epochs, batch: target.batchSize, lr: target.learningRate, threads, seed: config.seed });
  const started = performance.now();
  const { stdout } = await run(python, [join(import.meta.dirname, 'torch_experiment.py'), partsPath, args], { maxBuffer: 1 << 20 });
  const seconds = (performance.now() - started) / 1000;
  const out = JSON.parse(stdout) as {
    threads: number;
    defaultThreads: number;
    seconds: Record<string, number>;
    target: { trainAccuracy: number; testAccuracy: number };
    lossAttack: { auc: number };
  };
  return {
    seconds,
    threads: out.threads,
    defaultThreads: out.defaultThreads,
    phases: out.seconds,
    targetTrainAccuracy: out.target.trainAccuracy,
    targetTestAccuracy: out.target.testAccuracy,
    lossAuc: out.lossAttack.auc,
  };
}

/** A temporary directory for the parts file, removed after `use`. */
export async function withPartsFile<T>(config: ExperimentConfig, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-bench-parts-'));
  try {
    const path = join(dir, 'parts.bin');
    await writeParts(await loadDataset(config.dataset), config, path);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "target 1.000 / 0.912, loss AUC 0.571": the figures that say both sides ran the same experiment. */
export function describeOutcome(outcome: ExperimentOutcome): string {
  const accuracy = (value?: number) => (value === undefined ? '?' : value.toFixed(3));
  return `target train/test acc ${accuracy(outcome.targetTrainAccuracy)}/${accuracy(outcome.targetTestAccuracy)}, loss AUC ${accuracy(outcome.lossAuc)}`;
}

/** A row of seconds, shaped like run.ts's rows; `ratio` is PyTorch's seconds over ours (> 1: we are faster). */
export interface WallRow {
  readonly workload: string;
  readonly backend: string;
  readonly items: number;
  readonly unit: 's';
  readonly timing?: Timing;
  readonly note?: string;
  ratio?: number;
}

export interface EndToEndCase {
  /** "quick preset", "default app experiment (CLI)". */
  readonly label: string;
  readonly config: ExperimentConfig;
  /** How the CLI is given the experiment: the preset by name, or the config in a file. */
  readonly source: { preset: string } | { config: ExperimentConfig };
}

/**
 * Each case `repeats` times, ours and PyTorch's interleaved so a change in the machine's load hits
 * both; PyTorch at its default threads and, when that is not 1, at 1 thread too. The ratio is
 * against PyTorch at its default threads.
 */
export async function endToEndRows(
  cases: readonly EndToEndCase[],
  python: string | undefined,
  repeats: number,
  log: (line: string) => void,
): Promise<WallRow[]> {
  const rows: WallRow[] = [];
  for (const { label, config, source } of cases) {
    const workload = `${label}: ${config.partSize.toLocaleString('en-US')}/part, target + 1 shadow, MLP ${config.target.epochs} epochs, end to end (s)`;
    try {
      await withPartsFile(config, async (parts) => {
        const ours: ExperimentOutcome[] = [];
        const torch: TorchOutcome[][] = [[], []];
        let torchError: string | undefined;
        for (let r = 0; r < repeats; r++) {
          log(`  ${label}: MIA Lab CLI (${r + 1}/${repeats})`);
          ours.push(await timeLab(source));
          if (python === undefined || torchError !== undefined) continue;
          try {
            log(`  ${label}: PyTorch script, default threads (${r + 1}/${repeats})`);
            torch[0].push(await timeTorchExperiment(python, parts, config, undefined));
            if (torch[0][0].defaultThreads !== 1) {
              log(`  ${label}: PyTorch script, 1 thread (${r + 1}/${repeats})`);
              torch[1].push(await timeTorchExperiment(python, parts, config, 1));
            }
          } catch (error) {
            // Our rows stand without it; the PyTorch row says why it is missing.
            torchError = (error as Error).message.split('\n')[0];
          }
        }
        const timing = summarise(ours.map((o) => o.seconds));
        const stage = (name: string) => summarise(ours.map((o) => o.phases?.[name] ?? NaN)).median.toFixed(1);
        const row: WallRow = {
          workload,
          backend: 'wasm+lab (CLI)',
          items: 1,
          unit: 's',
          timing,
          note: `node + tsx start-up included (stages: target ${stage('train-target')} s, shadow ${stage('train-shadow')} s, attack ${stage('attack')} s); ${describeOutcome(ours[ours.length - 1])}`,
        };
        rows.push(row);
        for (const outcomes of torch) {
          if (outcomes.length === 0) continue;
          const last = outcomes[outcomes.length - 1];
          const threads = last.threads === last.defaultThreads ? `${last.threads} thread${last.threads > 1 ? 's' : ''}, its default` : `${last.threads} thread${last.threads > 1 ? 's' : ''}`;
          const torchTiming = summarise(outcomes.map((o) => o.seconds));
          const inside = (phase: string) => summarise(outcomes.map((o) => o.phases[phase] ?? NaN)).median.toFixed(1);
          rows.push({
            workload,
            backend: `pytorch script (${threads})`,
            items: 1,
            unit: 's',
            timing: torchTiming,
            note: `python start-up included (import ${inside('import')} s; target ${inside('target')} s, shadow ${inside('shadow')} s); ${describeOutcome(last)}`,
          });
          if (outcomes === torch[0]) row.ratio = torchTiming.median / timing.median;
        }
        if (python === undefined) rows.push({ workload, backend: 'pytorch script', items: 1, unit: 's', note: 'skipped: no python3 here imports torch' });
        if (torchError !== undefined) rows.push({ workload, backend: 'pytorch script', items: 1, unit: 's', note: `failed: ${torchError}` });
      });
    } catch (error) {
      rows.push({ workload, backend: 'wasm+lab (CLI)', items: 1, unit: 's', note: `failed: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  return rows;
}
