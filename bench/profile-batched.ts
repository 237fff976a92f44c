/**
 * Where one batched epoch of K MLPs spends its time, against the same K MLPs one by one, on wasm
 * with the lab's kernels (the bench's own workloads: batchedEpoch and sequentialEpochs):
 *   npx tsx bench/profile-batched.ts [--repeats 5] [--samples 2000] [--models 16] [--kernels]
 * Prints the wall and CPU seconds of each, timed interleaved (batched, one by one, batched, …) after
 * one warm-up of each, their medians and the ratios; with --kernels, the per-kernel time of one call
 * of each (tf.profile) sorted by total milliseconds. Used for the K-MLP rows' note in bench/README.md.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { batchedEpoch, halves, randomPool, sequentialEpochs, summarise } from './workloads';

const BATCH = 128;

async function kernelTable(label: string, run: () => Promise<void>): Promise<void> {
  const profile = await tf.profile(run);
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of profile.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(k.kernelTimeMs);
    entry.calls++;
    byKernel.set(k.name, entry);
  }
  const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
  console.log(`${label}: kernels ${total.toFixed(1)} ms in ${profile.kernels.length} calls`);
  for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16)) {
    console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} % ${String(e.calls).padStart(6)} calls`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : fallback);
  const repeats = value('--repeats', 5);
  const samples = value('--samples', 2000);
  const models = value('--models', 16);
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
    const wall = { batched: [] as number[], oneByOne: [] as number[] };
    const cpu = { batched: [] as number[], oneByOne: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      for (const [name, run] of [['batched', batched], ['oneByOne', oneByOne]] as const) {
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
  }
  if (argv.includes('--kernels')) {
    await kernelTable('batched', batched);
    await kernelTable('one by one', oneByOne);
  }
  pool.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
