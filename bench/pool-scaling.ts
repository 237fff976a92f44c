/**
 * How the CLI's training pool (src/node/training-pool.ts, worker_threads) scales: the same jobs —
 * two shadow MLPs and 16 reference MLPs in the batched groups the train-references stage makes
 * (models/references.ts `referenceGroups`: groups of BATCH_GROUP by steps per epoch, longest
 * first) — on a pool of 1 worker and on a pool of 2, the calling thread only waiting. Both pools are
 * started and warmed (a small job on every worker) before any timing, so thread start-up (1–2 s of
 * CPU each) is not in the figures; then 1 and 2 workers alternate, `repeats` times each, and the
 * ratio is of the medians. Issue 11's target on this 2-core machine, idle: ≥ 1.7×. Two shadows,
 * not one, so that the jobs can split evenly over two workers (a shadow and a group each) and the
 * ratio measures the pool rather than an uneven job mix. Each job's own seconds (on the 1-worker
 * pool, where nothing runs beside it) are in the result, to see how even the split is.
 *
 * Runnable alone: `npx tsx bench/pool-scaling.ts [repeats]`; `--group-sizes 8,4,2 [rounds]` times
 * instead what a batched group costs per model at each size (timeGroupSizes).
 */
import { loadavg } from 'node:os';
import { DEFAULT_CONFIG } from '../src/core/config';
import type { ClassifierJob, JobRecords, ReferenceJob, TrainingPool } from '../src/core/pipeline/pool';
import { BATCH_GROUP, planReferenceModels, referenceGroups, referenceSteps } from '../src/core/models/references';
import { trainMlpBatch } from '../src/core/models/batched';
import { disposePart, uploadPart } from '../src/core/models/predict';
import { createRng } from '../src/core/random';
import { createNodeTrainingPool } from '../src/node/training-pool';
import { CLASSES, SHAPE, summarise, type Timing } from './workloads';

/** Records per part, as the default experiment (the reference models split the 2,000-record evaluation pool). */
const PART = 1000;
const EPOCHS = 8;
const SHADOWS = 2;
const REFERENCES = 16;

export interface PoolScaling {
  readonly oneWorker: Timing;
  readonly twoWorkers: Timing;
  /** oneWorker.median / twoWorkers.median. */
  readonly speedup: number;
  /**
   * CPU seconds of the process (all its threads) over wall seconds, median per pool: about 1 and 2
   * on an idle machine; on a loaded one the other processes' share shows here (the ratio with it).
   */
  readonly coresUsed: { readonly one: number; readonly two: number };
  /** Each job's seconds in the last 1-worker repeat (jobs run one after another there), by name. */
  readonly jobSeconds: Readonly<Record<string, number>>;
  readonly shadows: number;
  readonly epochs: number;
  readonly references: number;
  /** How many batched groups the reference models trained in (the stage's grouping). */
  readonly groups: number;
  /** Load average (1 min) before and after. */
  readonly load: readonly [number, number];
}

/** Seeded random pixels and labels: throughput does not depend on what the images show. */
function records(count: number, seed: number): JobRecords {
  const rng = createRng(seed, 'bench/pool');
  const pixels = SHAPE[0] * SHAPE[1] * SHAPE[2];
  return {
    images: Uint8Array.from({ length: count * pixels }, () => rng.nextInt(256)),
    labels: Uint8Array.from({ length: count }, () => rng.nextInt(CLASSES)),
    count,
  };
}

/** Fresh copies each time: a posted job's buffers are transferred away. */
function copy(part: JobRecords): JobRecords {
  return { images: part.images.slice(), labels: part.labels.slice(), count: part.count };
}

interface Parts {
  readonly train: JobRecords;
  readonly test: JobRecords;
  readonly pool: JobRecords;
  readonly population: JobRecords;
}

function shadowJob(parts: Parts, epochs: number, index: number): ClassifierJob {
  return { kind: 'classifier', name: `shadow model ${index + 1}`, config: { ...DEFAULT_CONFIG.shadow, epochs }, seed: 1 + index, defenses: {}, shape: [...SHAPE], numClasses: CLASSES, train: copy(parts.train), test: copy(parts.test) };
}

function referenceConfig(epochs: number, references: number) {
  return { ...DEFAULT_CONFIG.reference, count: references, epochs };
}

const REFERENCE_SEED = 1;
const IDENTITY = 'bench/pool-scaling';

/** The groups the train-references stage would make of these models (their masks decide their steps per epoch). */
function stageGroups(parts: Parts, epochs: number, references: number): number[][] {
  const config = referenceConfig(epochs, references);
  const plan = planReferenceModels({ config, seed: REFERENCE_SEED, identity: IDENTITY, defenses: {}, pool: parts.pool, population: parts.population });
  return referenceGroups(Array.from({ length: references }, (_, m) => m), referenceSteps(plan, config.batchSize), BATCH_GROUP);
}

function referenceJob(parts: Parts, epochs: number, references: number, only: readonly number[]): ReferenceJob {
  return {
    kind: 'references',
    name: `reference models ${only.map((m) => m + 1).join(',')}`,
    config: referenceConfig(epochs, references),
    seed: REFERENCE_SEED,
    defenses: {},
    identity: IDENTITY,
    shape: [...SHAPE],
    numClasses: CLASSES,
    pool: copy(parts.pool),
    population: copy(parts.population),
    only,
  };
}

/** The shadows and the reference groups, all queued at once, as the pipeline queues them; each job's finishing time (s after the start) by name. */
async function trainAll(pool: TrainingPool, parts: Parts, epochs: number, shadows: number, references: number): Promise<Record<string, number>> {
  const groups = references > 0 ? stageGroups(parts, epochs, references) : [];
  const jobs = [...Array.from({ length: shadows }, (_, i) => shadowJob(parts, epochs, i)), ...groups.map((only) => referenceJob(parts, epochs, references, only))];
  const started = performance.now();
  const finished: Record<string, number> = {};
  await Promise.all(jobs.map((job) => pool.run(job).then(() => (finished[job.name] = (performance.now() - started) / 1000))));
  return finished;
}

/** Jobs that ran one after another: each one's own seconds, from the finishing times in order. */
function ownSeconds(finished: Record<string, number>): Record<string, number> {
  const sorted = Object.entries(finished).sort((a, b) => a[1] - b[1]);
  return Object.fromEntries(sorted.map(([name, at], k) => [name, Number((at - (k > 0 ? sorted[k - 1][1] : 0)).toFixed(2))]));
}

/**
 * The Node backend module, loaded when a row here runs: importing it registers the lab's wasm
 * kernels, and `npm run bench` imports this file before its stock-wasm rows (which then measured
 * the lab's kernels under the stock name).
 */
async function activateLabWasm(): Promise<string> {
  const { activateBackend } = await import('../src/node/backend');
  return activateBackend('wasm', DEFAULT_CONFIG);
}

export async function timePoolScaling(repeats: number, log: (line: string) => void, epochs = EPOCHS, references = REFERENCES): Promise<PoolScaling> {
  const loadBefore = loadavg()[0];
  const backend = await activateLabWasm();
  const parts: Parts = { train: records(PART, 1), test: records(PART, 2), pool: records(2 * PART, 3), population: records(PART, 4) };
  const one = createNodeTrainingPool(1, backend, { warm: true });
  const two = createNodeTrainingPool(2, backend, { warm: true });
  try {
    // Every worker started and its backend up: one small job each (two at once on the 2-worker pool).
    log('  pool scaling: starting the workers…');
    await Promise.all([trainAll(one, parts, 1, 1, 0), trainAll(two, parts, 1, 2, 0)]);
    const seconds: Record<'one' | 'two', number[]> = { one: [], two: [] };
    const cores: Record<'one' | 'two', number[]> = { one: [], two: [] };
    let jobSeconds: Record<string, number> = {};
    for (let r = 0; r < repeats; r++) {
      for (const [name, pool] of [['one', one], ['two', two]] as const) {
        log(`  pool scaling: ${name === 'one' ? 1 : 2} worker(s), repeat ${r + 1}/${repeats}…`);
        const cpu = process.cpuUsage();
        const finished = await trainAll(pool, parts, epochs, SHADOWS, references);
        const { user, system } = process.cpuUsage(cpu);
        const wall = Math.max(...Object.values(finished));
        seconds[name].push(wall);
        cores[name].push((user + system) / 1e6 / wall);
        if (name === 'one') jobSeconds = ownSeconds(finished);
      }
    }
    const oneWorker = summarise(seconds.one);
    const twoWorkers = summarise(seconds.two);
    return { oneWorker, twoWorkers, speedup: oneWorker.median / twoWorkers.median, coresUsed: { one: summarise(cores.one).median, two: summarise(cores.two).median }, jobSeconds, epochs, shadows: SHADOWS, references, groups: stageGroups(parts, epochs, references).length, load: [loadBefore, loadavg()[0]] };
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
}

export interface GroupSizeCost {
  readonly size: number;
  /** Steps × models summed over the groups: what the groups of this size pay per epoch, times the epochs. */
  readonly modelSteps: number;
  /** CPU and wall milliseconds per model-step: each round's, and their median. */
  readonly cpuMs: { readonly rounds: readonly number[]; readonly median: number };
  readonly wallMs: { readonly rounds: readonly number[]; readonly median: number };
}

function msFigures(values: number[]): { rounds: number[]; median: number } {
  const round = (ms: number) => Number(ms.toFixed(3));
  return { rounds: values.map(round), median: round(summarise(values).median) };
}

/**
 * What a batched group costs per model for each size in `sizes` (does a smaller group lose what
 * batching gains?): the bench's reference models trained in this thread (trainMlpBatch alone, no
 * pool, no queries) in the groups the stage would make of that size, the sizes interleaved in
 * each of `rounds` rounds after one warm-up round. Per model-step, since a group pays its largest
 * member's steps for every member and the sizes group the same models differently.
 */
export async function timeGroupSizes(sizes: readonly number[], rounds: number, log: (line: string) => void, epochs = EPOCHS, references = REFERENCES): Promise<GroupSizeCost[]> {
  await activateLabWasm();
  const parts: Parts = { train: records(PART, 1), test: records(PART, 2), pool: records(2 * PART, 3), population: records(PART, 4) };
  const config = referenceConfig(epochs, references);
  const plan = planReferenceModels({ config, seed: REFERENCE_SEED, identity: IDENTITY, defenses: {}, pool: parts.pool, population: parts.population });
  const stepsOf = referenceSteps(plan, config.batchSize);
  const pool = uploadPart(parts.pool, SHAPE);
  const train = async (groups: number[][]) => {
    for (const group of groups) {
      const models = await trainMlpBatch({ x: pool.x, y: pool.y, memberships: group.map((m) => plan.inMask[m]), seeds: group.map((m) => plan.seeds[m]), numClasses: CLASSES, epochs, batchSize: config.batchSize, learningRate: config.learningRate });
      models.dispose();
    }
  };
  try {
    const all = Array.from({ length: references }, (_, m) => m);
    const grouped = sizes.map((size) => referenceGroups(all, stepsOf, size));
    const modelSteps = grouped.map((groups) => epochs * groups.reduce((n, g) => n + g.length * Math.max(...g.map(stepsOf)), 0));
    for (const groups of grouped) await train(groups);
    const cpu: number[][] = sizes.map(() => []);
    const wall: number[][] = sizes.map(() => []);
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so that no size always follows the same one.
      const order = sizes.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const started = performance.now();
        const before = process.cpuUsage();
        await train(grouped[i]);
        const { user, system } = process.cpuUsage(before);
        cpu[i].push((user + system) / 1e3 / modelSteps[i]);
        wall[i].push((performance.now() - started) / modelSteps[i]);
      }
      log(`  group sizes: round ${r + 1}/${rounds}: ${sizes.map((size, i) => `${size}: ${cpu[i][r].toFixed(2)} CPU ms per model-step`).join(', ')}; load ${loadavg()[0].toFixed(1)}`);
    }
    return sizes.map((size, i) => ({ size, modelSteps: modelSteps[i], cpuMs: msFigures(cpu[i]), wallMs: msFigures(wall[i]) }));
  } finally {
    disposePart(pool);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (line: string) => console.error(line);
  if (process.argv[2] === '--group-sizes') {
    // `npx tsx bench/pool-scaling.ts --group-sizes 8,4,2 [rounds]`
    const sizes = (process.argv[3] ?? '8,4,2').split(',').map(Number);
    for (const cost of await timeGroupSizes(sizes, Number(process.argv[4] ?? 5), log)) console.log(JSON.stringify(cost));
  } else {
    const repeats = Number(process.argv[2] ?? 3);
    console.log(JSON.stringify(await timePoolScaling(repeats, log), null, 2));
  }
  process.exit(0);
}
