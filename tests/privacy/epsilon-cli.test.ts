import { afterEach, describe, it, expect, vi } from 'vitest';
import { epsilonCommand } from '../../src/cli/epsilon';
import { computeDpSgdEpsilon } from '../../src/core/privacy/dp-sgd';

/** Runs the command, capturing what it writes to stdout and stderr. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const code = await epsilonCommand(argv);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

const MNIST = ['--dataset-size', '60000', '--batch-size', '256', '--epochs', '60', '--delta', '1e-5'];

afterEach(() => vi.restoreAllMocks());

describe('lab epsilon', () => {
  it('prints {"epsilon", "order"} as one JSON line (Balle et al. by default)', async () => {
    const { code, stdout, stderr } = await run([...MNIST, '--noise-multiplier', '1.1']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(['epsilon', 'order']);
    const expected = computeDpSgdEpsilon({ datasetSize: 60000, batchSize: 256, epochs: 60, delta: 1e-5, noiseMultiplier: 1.1 });
    expect(printed).toEqual({ epsilon: expected.epsilon, order: expected.order });
  });

  it('honours --conversion classic (≈ 3.01 for the TF Privacy MNIST tutorial)', async () => {
    const { code, stdout } = await run([...MNIST, '--noise-multiplier', '1.1', '--conversion', 'classic']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).epsilon).toBeCloseTo(3.01, 2);
  });

  it('with --target-epsilon prints {"noiseMultiplier", "epsilon", "order"}', async () => {
    const { code, stdout } = await run([...MNIST, '--target-epsilon', '3']);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(['noiseMultiplier', 'epsilon', 'order']);
    expect(printed.epsilon).toBeLessThanOrEqual(3);
    expect(printed.noiseMultiplier).toBeGreaterThan(0.9);
    expect(printed.noiseMultiplier).toBeLessThan(1.1);
  });

  it('accepts the subcommand name as its first argument', async () => {
    const { code } = await run(['epsilon', ...MNIST, '--noise-multiplier', '1.1']);
    expect(code).toBe(0);
  });

  it.each([
    [['--batch-size', '256', '--epochs', '60', '--delta', '1e-5', '--noise-multiplier', '1'], '--dataset-size'],
    [[...MNIST], '--noise-multiplier'],
    [[...MNIST, '--noise-multiplier', '1', '--target-epsilon', '2'], '--target-epsilon'],
    [[...MNIST, '--noise-multiplier', 'abc'], '--noise-multiplier'],
    [[...MNIST, '--noise-multiplier', '0'], '--noise-multiplier'],
    [[...MNIST, '--noise-multiplier'], '--noise-multiplier'],
    [['--dataset-size', '10.5', '--batch-size', '1', '--epochs', '1', '--delta', '0.1', '--noise-multiplier', '1'], '--dataset-size'],
    [['--dataset-size', '100', '--batch-size', '200', '--epochs', '1', '--delta', '0.1', '--noise-multiplier', '1'], '--batch-size'],
    [[...MNIST.slice(0, 6), '--delta', '1', '--noise-multiplier', '1'], '--delta'],
    [[...MNIST, '--noise-multiplier', '1', '--conversion', 'fast'], '--conversion'],
    [[...MNIST, '--noise-multiplier', '1', '--epochs', '3'], '--epochs'],
    [[...MNIST, '--noise-multiplier', '1', '--bogus', '3'], '--bogus'],
    [[...MNIST, '--target-epsilon', '0.001', '--conversion', 'classic'], '--target-epsilon'],
  ])('exits 2 naming the flag: %j', async (argv, flag) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(flag);
  });

  it('prints usage for --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--target-epsilon');
  });
});
