/**
 * The deploy/ files, checked by what can check them here: the Dockerfile's RUN commands parse as
 * shell, name npm scripts that exist, and run as a script where they can (not the install, which
 * CI has just done, nor what needs root); the Kubernetes manifests parse as YAML with the fields the
 * README names; the Slurm scripts parse, and submit.sh queues the merge after the whole array.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseExperimentConfig, presetConfig } from '../../src/core/config';

const run = promisify(execFile);
const read = (path: string) => readFile(path, 'utf8');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const npmScripts = async () => Object.keys((JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts);

describe('deploy/Dockerfile', () => {
  it('is Node 20 slim, copies files that exist, and runs as a non-root user', async () => {
    const steps = instructions(await read('deploy/Dockerfile'));
    expect(steps[0]).toEqual({ op: 'FROM', args: expect.stringMatching(/^node:20[-.\w]*-slim$/) });
    for (const copy of steps.filter((s) => s.op === 'COPY')) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) expect(existsSync(source), `COPY ${source}`).toBe(true);
    }
    const users = steps.filter((s) => s.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].args).not.toMatch(/^(root|0)$/);
    const entry = JSON.parse(steps.find((s) => s.op === 'ENTRYPOINT')?.args ?? '[]') as string[];
    expect(entry.slice(0, 4)).toEqual(['npm', 'run', '--silent', 'lab']);
  });

  it('has RUN commands that parse, name existing npm scripts, and run here where they can', async () => {
    const runs = instructions(await read('deploy/Dockerfile')).filter((s) => s.op === 'RUN').map((s) => s.args);
    const scripts = await npmScripts();
    for (const command of runs) {
      await run('bash', ['-n', '-c', command]);
      for (const [, name] of command.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) expect(scripts, command).toContain(name);
    }
    // The install needs the registry (CI ran it just before the tests) and the last needs root; the rest run as written.
    const runnable = runs.filter((command) => !/^npm (install|ci)\b/.test(command) && !/chown/.test(command));
    expect(runs.length - runnable.length).toBe(2);
    expect(runnable.length).toBeGreaterThan(0);
    for (const command of runnable) {
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', command], { timeout: 60_000 });
      expect(stdout).toMatch(/quick/);
    }
  }, 90_000);
});

describe('deploy/kubernetes', () => {
  const load = async (file: string) => {
    const docs = parseAllDocuments(await read(join('deploy/kubernetes', file)));
    for (const doc of docs) expect(doc.errors, file).toEqual([]);
    return docs.map((doc) => doc.toJS());
  };

  it('an Indexed Job of shards on a shared volume, then a merge Job on the same volume and config', async () => {
    const [claim, dataClaim, configMap] = await load('shards-volume.yaml');
    const [references] = await load('references-job.yaml');
    const [merge] = await load('merge-job.yaml');
    expect(claim.kind).toBe('PersistentVolumeClaim');
    expect(claim.spec.accessModes).toContain('ReadWriteMany');
    expect(configMap.kind).toBe('ConfigMap');

    expect(references.kind).toBe('Job');
    expect(references.spec.completionMode).toBe('Indexed');
    const pod = references.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const args: string[] = pod.containers[0].args;
    expect(args[0]).toBe('references');
    // --shard N alone: the index comes from JOB_COMPLETION_INDEX, one shard per completion.
    expect(args[args.indexOf('--shard') + 1]).toBe(String(references.spec.completions));
    const out = args[args.indexOf('--out') + 1];
    const config = args[args.indexOf('--config') + 1];
    const mountOf = (spec: typeof pod, path: string) => {
      const mount = spec.containers[0].volumeMounts.find((m: { mountPath: string }) => path.startsWith(`${m.mountPath}/`));
      return spec.volumes.find((v: { name: string }) => v.name === mount?.name);
    };
    expect(mountOf(pod, out).persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    expect(mountOf(pod, config).configMap.name).toBe(configMap.metadata.name);

    expect(merge.kind).toBe('Job');
    const mergePod = merge.spec.template.spec;
    expect(mergePod.securityContext.runAsNonRoot).toBe(true);
    expect(mergePod.containers[0].image).toBe(pod.containers[0].image);
    const script: string = mergePod.containers[0].args.join(' ');
    expect(script).toContain(`lab -- merge ${out} --config ${config}`);
    expect(script).toMatch(/lab -- bundle \S+ --out \S+\.miab/);
    expect(mountOf(mergePod, out).persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    // Every volume claim the Jobs mount is defined beside them.
    const claims = [pod, mergePod].flatMap((spec) => spec.volumes.flatMap((v: { persistentVolumeClaim?: { claimName: string } }) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])));
    expect([...new Set(claims)].sort()).toEqual([claim.metadata.name, dataClaim.metadata.name].sort());
  });

  it('carries a valid experiment: the same 256-model LiRA as deploy/experiment.json', async () => {
    const [, , configMap] = await load('shards-volume.yaml');
    const fromMap = parseExperimentConfig(JSON.parse(configMap.data['experiment.json']), presetConfig('quick'));
    const fromFile = parseExperimentConfig(JSON.parse(await read('deploy/experiment.json')), presetConfig('quick'));
    expect(fromMap).toEqual(fromFile);
    expect(fromFile.reference.count).toBe(256);
    expect(fromFile.attacks).toContain('lira-online');
  });
});

describe('deploy/slurm', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mia-slurm-'));
    // Stand-ins for sbatch and npm that record how they were called.
    await writeFile(join(dir, 'sbatch'), `#!/usr/bin/env bash\necho "$*" >> "${dir}/sbatch.log"\necho $((4000 + $(wc -l < "${dir}/sbatch.log")))\n`);
    await writeFile(join(dir, 'npm'), `#!/usr/bin/env bash\necho "$* index=$SLURM_ARRAY_TASK_ID" >> "${dir}/npm.log"\n`);
    await chmod(join(dir, 'sbatch'), 0o755);
    await chmod(join(dir, 'npm'), 0o755);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...process.env, PATH: `${dir}:${process.env.PATH}`, MIA_LAB_DIR: process.cwd(), SHARDS: join(dir, 'shards') });

  it('an array of one task per shard, and a merge that waits for all of it', async () => {
    for (const file of ['references.sbatch', 'merge.sbatch', 'submit.sh']) await run('bash', ['-n', join('deploy/slurm', file)]);
    const script = await read('deploy/slurm/references.sbatch');
    const [, last] = /#SBATCH --array=0-(\d+)/.exec(script) ?? [];
    expect(script).toContain(`--shard ${Number(last) + 1} `);
    const { stdout } = await run('bash', [join(process.cwd(), 'deploy/slurm/submit.sh')], { env: env(), cwd: dir });
    expect(stdout).toMatch(/queued reference array 4001 and merge 4002/);
    const calls = (await read(join(dir, 'sbatch.log'))).trim().split('\n');
    expect(calls[0]).toMatch(/references\.sbatch$/);
    expect(calls[1]).toMatch(/--dependency=afterok:4001 .*merge\.sbatch$/);
  });

  it('each task runs lab references with its index from SLURM_ARRAY_TASK_ID; the merge runs merge then bundle', async () => {
    await run('bash', ['deploy/slurm/references.sbatch'], { env: { ...env(), SLURM_ARRAY_TASK_ID: '5' } });
    await run('bash', ['deploy/slurm/merge.sbatch'], { env: env() });
    const calls = (await read(join(dir, 'npm.log'))).trim().split('\n');
    expect(calls[0]).toBe(`run --silent lab -- references --config deploy/experiment.json --shard 128 --out ${dir}/shards/references index=5`);
    expect(calls[1]).toMatch(new RegExp(`lab -- merge ${dir}/shards/references --config deploy/experiment.json --out ${dir}/shards/merged`));
    expect(calls[2]).toMatch(/lab -- bundle .*merged --out .*experiment\.miab/);
  });
});
