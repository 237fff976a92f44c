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
import { randomPool, summarise, time, trainer } from './workloads';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const value = (flag: string, fallback: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : fallback);
  const repeats = value('--repeats', 5);
  const samples = value('--samples', 2000);
  const archs = (argv.includes('--arch') ? argv[argv.indexOf('--arch') + 1].split(',') : ['mlp', 'cnn']) as ('mlp' | 'cnn')[];
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
      const profile = await tf.profile(() => run.epoch());
      const byKernel = new Map<string, { ms: number; calls: number }>();
      for (const k of profile.kernels) {
        const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
        entry.ms += Number(k.kernelTimeMs);
        entry.calls++;
        byKernel.set(k.name, entry);
      }
      const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
      console.log(`  kernels of one epoch: ${total.toFixed(1)} ms in ${profile.kernels.length} calls`);
      for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
        console.log(`  ${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)} % ${String(e.calls).padStart(6)} calls`);
      }
    }
    run.dispose();
  }
  pool.dispose();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
