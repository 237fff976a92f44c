import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** Runs `npm run lab -- args` as the README does, without npm in between; never rejects. */
async function lab(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/lab.ts', ...args], { timeout: 110_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the lab CLI', () => {
  it('refuses a config with a bad field, naming it, before running anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-cli-'));
    const config = join(dir, 'bad.json');
    await writeFile(config, JSON.stringify({ target: { epochz: 3 } }));
    const unknownKey = await lab(['--config', config, '--out', join(dir, 'out')]);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toMatch(/config\.target\.epochz: unknown field/);
    expect(unknownKey.stdout).not.toMatch(/load-data/);
    await writeFile(config, JSON.stringify({ partSize: 5, seed: 'one' }));
    const badValues = await lab(['--config', config, '--out', join(dir, 'out')]);
    expect(badValues.code).toBe(2);
    expect(badValues.stderr).toMatch(/config\.partSize/);
    expect(badValues.stderr).toMatch(/config\.seed/);
  });

  it('refuses an unknown flag and an unknown preset with exit code 2', async () => {
    expect((await lab(['--frobnicate'])).code).toBe(2);
    const unknown = await lab(['--preset', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown preset "nope"/);
  });

  it('runs a small experiment on the built-in MNIST and writes the documented files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-cli-'));
    const config = join(dir, 'tiny.json');
    await writeFile(config, JSON.stringify({ seed: 3, partSize: 200, target: { epochs: 3 } }));
    // Its own cache: the default one (runs/.cache) may hold this target from an earlier run.
    const result = await lab(['--config', config, '--out', dir, '--backend', 'wasm', '--cache', join(dir, 'cache')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/epoch {3}3\/3/);
    // A second run of the same experiment trains nothing: every model comes from that cache.
    const again = await lab(['--config', config, '--out', join(dir, 'again'), '--backend', 'wasm', '--cache', join(dir, 'cache')]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/epoch {3}\d+\/3/);
    expect(JSON.parse(await readFile(join(dir, 'again', 'results.json'), 'utf8')).attacks.map((a: { auc: number }) => a.auc)).toEqual(
      JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')).attacks.map((a: { auc: number }) => a.auc),
    );
    const json = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'));
    expect(json.backend).toBe('wasm');
    expect(json.config.partSize).toBe(200);
    expect(json.target.trainAccuracy).toBeGreaterThan(0.5);
    expect(json.attacks.map((a: { name: string }) => a.name)).toEqual([
      'random', 'correctness', 'loss', 'confidence', 'entropy', 'modified-entropy',
    ]);
    const csv = (await readFile(join(dir, 'scores.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(1 + 400);
  });

  it('compares defenses on one target setup, writing a table and a CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-cli-'));
    const config = join(dir, 'compare.json');
    await writeFile(config, JSON.stringify({
      experiment: { seed: 1, partSize: 100, target: { epochs: 2 }, attacks: ['random', 'correctness', 'loss'] },
      defenses: [{ 'label-only': {} }, { l2: { lambda: 0.01 } }],
    }));
    const result = await lab(['compare-defenses', '--config', config, '--out', dir, '--backend', 'wasm']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^none\s/m);
    expect(result.stdout).toMatch(/^label-only\s.*n\/a/m);
    const csv = (await readFile(join(dir, 'compare-defenses.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/^defense,attack,auc,tpr_at_1pct_fpr/);
    expect(csv.filter((line) => line.startsWith('"label-only",loss,not applicable'))).toHaveLength(1);
    expect(csv).toHaveLength(1 + 3 * 3);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ experiment: {}, defenses: [{ mixup: {}, 'dp-sgd': {} }] }));
    const refused = await lab(['compare-defenses', '--config', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mixup cannot be combined with dp-sgd/);
  });
});
