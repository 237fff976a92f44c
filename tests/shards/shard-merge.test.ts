/**
 * Beyond one machine, end to end through the CLI: four `lab references` shards in four separate
 * processes (each finding its index another way: the flag, JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID,
 * --shard-index-env), `lab merge`, and one single-machine run of the same config. The merge retrains
 * no reference model and its results equal the single run's; every bad shard is refused by name.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle } from '../../src/core/bundle';
import { decodeEntry } from '../../src/core/cache';
import { parseExperimentConfig } from '../../src/core/config';
import { checkShards } from '../../src/cli/merge';

const run = promisify(execFile);

/** The CLI as `npm run lab -- …` runs it (tsx), with a clean scheduler environment plus `env`; never rejects. */
async function lab(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID']) delete base[name];
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/lab.ts', ...args], { timeout: 170_000, env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A few reference MLPs on a few hundred records, a few epochs: under a minute on two cores. */
const CONFIG = {
  seed: 5,
  partSize: 150,
  target: { architecture: 'mlp', epochs: 4, batchSize: 32, learningRate: 0.002 },
  shadow: { count: 1 },
  reference: { count: 8, epochs: 4, fixedVariance: true },
  rmia: { populationSize: 200 },
  attacks: ['loss', 'lira-online', 'lira-offline', 'rmia', 'similarity'],
};

describe('reference shards and merge through the CLI', () => {
  let dir: string;
  const shardDir = (i: number) => join(dir, `shard-${i}`);
  const configFile = () => join(dir, 'config.json');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mia-shards-'));
    await writeFile(configFile(), JSON.stringify(CONFIG));
    await writeFile(join(dir, 'foreign.json'), JSON.stringify({ ...CONFIG, seed: 6 }));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('4 shards in 4 processes, merged, equal a single-machine run; no reference model is retrained', async () => {
    const shard = (i: number, flags: string[], env: Record<string, string> = {}) =>
      lab(['references', '--config', configFile(), ...flags, '--out', shardDir(i), '--backend', 'wasm'], env);
    const [s0, s1, s2, s3, single] = await Promise.all([
      shard(0, ['--shard', '0/4']),
      shard(1, ['--shard', '4'], { JOB_COMPLETION_INDEX: '1' }),
      shard(2, ['--shard', '4'], { SLURM_ARRAY_TASK_ID: '2' }),
      shard(3, ['--shard', '4', '--shard-index-env', 'TASK'], { TASK: '3', JOB_COMPLETION_INDEX: '0' }),
      lab(['--config', configFile(), '--out', join(dir, 'single'), '--cache', join(dir, 'single-cache'), '--backend', 'wasm']),
    ]);
    for (const [i, s] of [s0, s1, s2, s3].entries()) {
      expect(s.stderr, `shard ${i}`).toBe('');
      expect(s.code).toBe(0);
      expect(await readdir(shardDir(i))).toContain(`shard-${i}-of-4.json`);
      const manifest = JSON.parse(await readFile(join(shardDir(i), `shard-${i}-of-4.json`), 'utf8'));
      expect(manifest.models.map((m: { index: number }) => m.index)).toEqual([i, i + 4]);
      expect(manifest.tool.version).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(single.code).toBe(0);

    const merged = await lab(['merge', ...[0, 1, 2, 3].map(shardDir), '--config', configFile(), '--out', join(dir, 'merged'), '--no-cache', '--backend', 'wasm']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const a = JSON.parse(await readFile(join(dir, 'single', 'results.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(dir, 'merged', 'results.json'), 'utf8'));
    expect(a.reference.trainedThisRun).toBe(8);
    expect(b.reference.trainedThisRun).toBe(0);
    expect(b.attacks.map((x: { name: string }) => x.name)).toEqual(CONFIG.attacks);
    for (const [i, attack] of b.attacks.entries()) {
      expect(attack.auc, attack.name).toBeCloseTo(a.attacks[i].auc, 6);
      expect(attack.tprAtFpr['0.01'], attack.name).toBeCloseTo(a.attacks[i].tprAtFpr['0.01'], 6);
    }
    expect(await readFile(join(dir, 'merged', 'reference-masks.csv'), 'utf8')).toBe(await readFile(join(dir, 'single', 'reference-masks.csv'), 'utf8'));

    // Each model's logits as the shard computed them vs the single run's cache, up to float32 rounding.
    const manifest = JSON.parse(await readFile(join(dir, 'merged', 'references', 'manifest.json'), 'utf8'));
    expect(manifest.models).toHaveLength(8);
    for (const model of manifest.models) {
      const shardEntry = decodeEntry(model.key, new Uint8Array(await readFile(join(dir, 'merged', 'references', model.file))));
      const singleEntry = decodeEntry(model.key, new Uint8Array(await readFile(join(dir, 'single-cache', model.file))));
      expect(shardEntry && singleEntry, `model ${model.index} is in both caches under one key`).toBeTruthy();
      for (const [k, array] of (shardEntry as Float32Array[]).entries()) {
        const other = (singleEntry as Float32Array[])[k];
        expect(array.length).toBe(other.length);
        let worst = 0;
        for (let i = 0; i < array.length; i++) worst = Math.max(worst, Math.abs(array[i] - other[i]) / Math.max(1, Math.abs(other[i])));
        expect(worst, `model ${model.index}`).toBeLessThan(1e-5);
      }
    }

    // The bundle of the merged run carries everything, intact.
    const bundled = await lab(['bundle', join(dir, 'merged'), '--out', join(dir, 'run.miab')]);
    expect(bundled.code).toBe(0);
    const bundle = decodeBundle(new Uint8Array(await readFile(join(dir, 'run.miab'))), 'run.miab');
    expect(bundle.references).toHaveLength(8);
    expect(JSON.parse(bundle.resultsJson).attacks.map((x: { auc: number }) => x.auc)).toEqual(b.attacks.map((x: { auc: number }) => x.auc));
    expect(bundle.models.map((m) => m.name)).toEqual(['shadow-0', 'target-0']);
  }, 180_000);

  it('refuses a missing, duplicated, corrupt, incomplete or foreign shard by name, before training', async () => {
    const config = parseExperimentConfig(CONFIG, parseExperimentConfig({}));
    const all = [0, 1, 2, 3].map(shardDir);
    await expect(checkShards(all, config)).resolves.toBeDefined();
    await expect(checkShards(all.slice(0, 3), config)).rejects.toThrow(/missing shard 3\/4 \(reference models 3, 7 are in no shard\)/);

    await cp(shardDir(1), join(dir, 'copy-1'), { recursive: true });
    await expect(checkShards([...all, join(dir, 'copy-1')], config)).rejects.toThrow(/shard 1\/4 is duplicated: .*shard-1.*copy-1/);

    const corrupt = join(dir, 'corrupt-2');
    await cp(shardDir(2), corrupt, { recursive: true });
    const entry = (await readdir(corrupt)).find((name) => name.endsWith('.bin')) as string;
    const bytes = await readFile(join(corrupt, entry));
    bytes[100] ^= 0x10;
    await writeFile(join(corrupt, entry), bytes);
    await expect(checkShards([all[0], all[1], corrupt, all[3]], config)).rejects.toThrow(/corrupt-2\/shard-2-of-4.json \(shard 2\/4\) is corrupt: reference model \d/);
    await rm(join(corrupt, entry));
    await expect(checkShards([all[0], all[1], corrupt, all[3]], config)).rejects.toThrow(/shard 2\/4\) is incomplete: reference model \d/);
    await writeFile(join(corrupt, 'shard-2-of-4.json'), '{"format": "mia-lab-reference-sh');
    await expect(checkShards([all[0], all[1], corrupt, all[3]], config)).rejects.toThrow(/corrupt-2\/shard-2-of-4.json: corrupt manifest/);

    // A real foreign shard, from another seed, through the CLI: exit code 2 and its name.
    const foreign = await lab(['references', '--config', join(dir, 'foreign.json'), '--shard', '0/4', '--out', join(dir, 'foreign-0'), '--backend', 'wasm']);
    expect(foreign.code).toBe(0);
    const refused = await lab(['merge', join(dir, 'foreign-0'), ...all.slice(1), '--config', configFile(), '--out', join(dir, 'never'), '--no-cache']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/foreign-0\/shard-0-of-4.json \(shard 0\/4\) is foreign: made for config/);
    expect(refused.stdout).not.toMatch(/train-target/);
    await expect(readdir(join(dir, 'never'))).rejects.toThrow();
  }, 120_000);

  it('refuses a shard index the environment does not give, or gives out of range (exit code 2)', async () => {
    const args = ['references', '--config', configFile(), '--shard', '4', '--out', join(dir, 'unused')];
    const missing = await lab(args);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no shard index in the environment \(JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID is not set\)/);
    const outOfRange = await lab(args, { SLURM_ARRAY_TASK_ID: '4' });
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toMatch(/SLURM_ARRAY_TASK_ID=4: shard index 4 is out of range for 4 shards/);
    const otherVariable = await lab([...args, '--shard-index-env', 'MY_INDEX'], { JOB_COMPLETION_INDEX: '1' });
    expect(otherVariable.code).toBe(2);
    expect(otherVariable.stderr).toMatch(/MY_INDEX is not set/);
    await expect(readdir(join(dir, 'unused'))).rejects.toThrow();
  }, 60_000);
});
