/**
 * Where one batched epoch of K MLPs spends its time, against the same K MLPs one by one, on wasm
 * with the lab's kernels (the bench's own workloads: batchedEpoch and sequentialEpochs):
 *   npx tsx bench/profile-batched.ts [--repeats 5] [--samples 2000] [--models 16] [--kernels] [--floor]
 * Prints the wall and CPU seconds of each, timed interleaved (batched, one by one, batched, …) after
 * one warm-up of each, their medians and the ratios; with --kernels, the per-kernel time of one call
 * of each (tf.profile) sorted by total milliseconds. With --floor it times, in the same rounds, the
 * work both sides must do whatever the bookkeeping: every model-step's two big products (x·W1 with
 * fresh weights, xᵀ·dh), Adam over the stacked weights, and building the K initial models.
 * Used for "16 MLPs batched against one by one" in bench/README.md.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { fusedAdam, registerFusedAdamKernels } from '../src/core/kernels/fused-adam';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';
import { ARCHITECTURES } from '../src/core/models/architectures';
import { batchedEpoch, CLASSES, halves, kernelTable, randomPool, sequentialEpochs, SHAPE, summarise } from './workloads';

const BATCH = 128;

/**
 * The floor's parts for K models, S steps each: the work one by one and batched share, timed alone.
 * MLP 784→128→10: the two products of 128×784×128 per model-step dwarf the rest.
 */
function floorParts(models: number, steps: number): Record<string, () => Promise<void>> {
  const [inputs, hidden] = [SHAPE[0] * SHAPE[1] * SHAPE[2], 128];
  const x = tf.randomUniform([BATCH, inputs]);
  const dh = tf.randomUniform([BATCH, hidden]);
  const w = tf.randomUniform([inputs, hidden]);
  const stacked = [w, w, w, w].map(() => tf.randomUniform([models, inputs, hidden]));
  const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 1e-3, correction1: Array(models).fill(0.1), correction2: Array(models).fill(0.001), active: Array(models).fill(1) };
  return {
    products: async () => {
      for (let i = 0; i < models * steps; i++) {
        tf.tidy(() => {
          const fresh = w.add(0); // new weights every step, as after each Adam step
          tf.matMul(x, fresh).dataSync();
          tf.matMul(x, dh, true, false).dataSync();
        });
      }
    },
    adam: async () => {
      for (let i = 0; i < steps; i++) tf.dispose(fusedAdam(stacked[0], stacked[1], stacked[2], stacked[3], attrs));
    },
    init: async () => {
      for (let k = 0; k < models; k++) ARCHITECTURES.mlp.build(SHAPE, CLASSES, 100 + k).dispose();
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : fallback);
  const repeats = value('--repeats', 5);
  const samples = value('--samples', 2000);
  const models = value('--models', 16);
  enableRelaxedSimd();
  registerWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`wasm threads: ${getThreadsCount()}`);
  const pool = randomPool(samples);
  const masks = halves(pool.count, models);
  const batched = () => batchedEpoch(pool, masks, BATCH);
  const oneByOne = () => sequentialEpochs(pool, masks, BATCH);
  if (!argv.includes('--no-time')) {
    await batched();
    await oneByOne();
    // Wall and CPU seconds of this process: on a shared machine CPU time moves less with the load.
    const parts: Record<string, () => Promise<void>> = { batched, oneByOne };
    if (argv.includes('--floor')) {
      registerFusedAdamKernels();
      Object.assign(parts, floorParts(models, Math.ceil((samples >> 1) / BATCH)));
      for (const name of ['products', 'adam', 'init']) await parts[name]();
    }
    const wall: Record<string, number[]> = Object.fromEntries(Object.keys(parts).map((name) => [name, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(parts).map((name) => [name, []]));
    for (let i = 0; i < repeats; i++) {
      for (const [name, run] of Object.entries(parts)) {
        const started = performance.now();
        const before = process.cpuUsage();
        await run();
        const used = process.cpuUsage(before);
        wall[name].push((performance.now() - started) / 1000);
        cpu[name].push((used.user + used.system) / 1e6);
      }
    }
    for (const [label, seconds] of [['wall', wall], ['CPU', cpu]] as const) {
      const a = summarise(seconds.batched);
      const b = summarise(seconds.oneByOne);
      console.log(`${label} batched    ${a.seconds.map((s) => s.toFixed(3)).join(' ')} s, median ${a.median.toFixed(3)}`);
      console.log(`${label} one by one ${b.seconds.map((s) => s.toFixed(3)).join(' ')} s, median ${b.median.toFixed(3)}`);
      console.log(`${label} ratio (one by one / batched, medians): ${(b.median / a.median).toFixed(2)}×`);
    }
    if (argv.includes('--floor')) {
      const median = (name: string) => summarise(cpu[name]).median;
      for (const name of ['products', 'adam', 'init']) console.log(`CPU ${name.padEnd(10)} ${cpu[name].map((s) => s.toFixed(3)).join(' ')} s, median ${median(name).toFixed(3)}`);
      const floor = median('products') + median('adam') + median('init');
      console.log(`CPU floor (products + adam + init) ${floor.toFixed(3)} s; one by one / floor ${(median('oneByOne') / floor).toFixed(2)}× (the most batching could give with these kernels)`);
    }
  }
  if (argv.includes('--kernels')) {
    await kernelTable('batched', batched, 16);
    await kernelTable('one by one', oneByOne, 16);
  }
  pool.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
