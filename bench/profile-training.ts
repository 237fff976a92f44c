/**
 * Where a training step's time goes, and training throughput, on wasm with the lab's kernels:
 *   npx tsx bench/profile-training.ts [--repeats 5] [--samples 2000] [--kernels]
 * Prints samples/s per architecture (median of repeats, after one warm-up epoch) and, with
 * --kernels, the per-kernel time of one epoch (tf.profile) sorted by total milliseconds.
 * Used to write "Where a default run spends its time" in bench/README.md.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../src/core/kernels/wasm-kernels';
import { enableRelaxedSimd } from '../src/node/relaxed-simd';
import { kernelTable, randomPool, summarise, time, trainer } from './workloads';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : fallback);
  const repeats = value('--repeats', 5);
  const samples = value('--samples', 2000);
  const archs = (argv.includes('--arch') ? argv[argv.indexOf('--arch') + 1].split(',') : ['mlp', 'cnn']) as ('mlp' | 'cnn')[];
  enableRelaxedSimd();
  registerWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`wasm threads: ${getThreadsCount()}`);
  const pool = randomPool(samples);
  for (const arch of archs) {
    const run = trainer(arch, pool, 128);
    // CPU seconds of this process too: on a shared machine they move less with the load than wall time.
    const cpuSeconds: number[] = [];
    const timing = await time(arch === 'cnn' ? Math.min(repeats, 3) : repeats, async () => {
      const before = process.cpuUsage();
      await run.epoch();
      const used = process.cpuUsage(before);
      cpuSeconds.push((used.user + used.system) / 1e6);
    });
    const cpu = summarise(cpuSeconds.slice(1));
    console.log(`${arch} train: ${Math.round(samples / timing.median)} samples/s wall, ${Math.round(samples / cpu.median)} samples per CPU-second (medians of ${timing.seconds.length}; wall ${timing.seconds.map((s) => s.toFixed(3)).join(', ')} s)`);
    if (argv.includes('--kernels')) {
      await kernelTable('  kernels of one epoch', () => run.epoch(), 14);
    }
    run.dispose();
  }
  pool.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
