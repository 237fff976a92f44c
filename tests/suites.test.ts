import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../src/core/config';
import { SUITES, fitLine, getSuite, paretoFrontier, type SuiteDefinition } from '../src/core/suites/suites';
import { runSuite } from '../src/cli/suite';
import { makeSyntheticDataset } from './fixtures';

describe('suite definitions', () => {
  it('are the report\'s five questions, each a grid of valid configs with unique ids', () => {
    expect(SUITES.map((s) => s.name)).toEqual(['metric-attacks', 'gap', 'transfer', 'defenses', 'price']);
    for (const suite of SUITES) {
      for (const size of ['quick', 'full'] as const) {
        const runs = suite.runs(size);
        expect(runs.length, `${suite.name} ${size}`).toBeGreaterThan(1);
        expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
        for (const run of runs) expect(parseExperimentConfig(run.config)).toEqual(run.config);
      }
      expect(suite.runs('full').length).toBeGreaterThanOrEqual(suite.runs('quick').length);
    }
    expect(() => getSuite('nope')).toThrow(/unknown suite "nope"; known suites: metric-attacks/);
  });

  it('fits lines and finds the privacy–utility frontier', () => {
    const line = fitLine([[0, 0.5], [0.2, 0.6], [0.4, 0.7]]);
    expect(line.intercept).toBeCloseTo(0.5, 12);
    expect(line.slope).toBeCloseTo(0.5, 12);
    expect(line.r).toBeCloseTo(1, 12);
    // (accuracy, attack AUC): the second is beaten on both axes by the first.
    const points = [{ x: 0.9, y: 0.6 }, { x: 0.85, y: 0.65 }, { x: 0.8, y: 0.55 }, { x: 0.95, y: 0.7 }];
    expect(paretoFrontier(points).sort()).toEqual([0, 2, 3]);
  });
});

describe('running a suite', () => {
  const dataset = makeSyntheticDataset(400);
  const tiny: SuiteDefinition = {
    ...getSuite('gap'),
    runs: () => [1, 3].map((epochs) => ({
      id: `e${epochs}`,
      label: `${epochs} epochs`,
      params: { epochs },
      config: parseExperimentConfig({ seed: 4, partSize: 50, target: { epochs, batchSize: 16 } }),
    })),
  };

  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('writes its tables, figures and report, reuses finished runs, and reproduces from the seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-suite-'));
    const deps = { loadDataset: async () => dataset, backend: 'wasm' };
    const reused: boolean[] = [];
    await runSuite(tiny, 'quick', dir, { ...deps, onRunStart: (_r, _i, _n, wasReused) => reused.push(wasReused) });
    expect(reused).toEqual([false, false]);
    const files = await readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['report.md', 'suite.json', 'accuracy-vs-gap.svg']));
    expect(files.filter((f) => f.endsWith('.csv')).length).toBe(2);
    const report = await readFile(join(dir, 'report.md'), 'utf8');
    expect(report).toMatch(/^# Attack accuracy vs generalization gap/);
    expect(report).toMatch(/\| 3 epochs \| synthetic \| 50 \| mlp \| 3 \| 4 \|/);
    expect(await readFile(join(dir, 'accuracy-vs-gap.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<circle/);

    const again: boolean[] = [];
    await runSuite(tiny, 'quick', dir, { ...deps, onRunStart: (_r, _i, _n, wasReused) => again.push(wasReused) });
    expect(again).toEqual([true, true]);

    const fresh = await mkdtemp(join(tmpdir(), 'mia-suite-'));
    await runSuite(tiny, 'quick', fresh, deps);
    // Everything but wall-clock times must repeat exactly: stage timings, per-epoch seconds, and the
    // live attack figures in the history, which epochs get them being paced by wall time (live.ts).
    const strip = (text: string) =>
      JSON.parse(text, function (this: object, key, value) {
        const epochFigures = key === 'attacks' && 'trainLoss' in this;
        return key === 'timings' || key === 'seconds' || epochFigures ? undefined : value;
      }).result;
    expect(strip(await readFile(join(fresh, 'runs', 'e3.json'), 'utf8'))).toEqual(strip(await readFile(join(dir, 'runs', 'e3.json'), 'utf8')));
  });

  it('goes on past a failed run, keeps the others, then fails naming the run (the one runner, as in the app)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-suite-'));
    let calls = 0;
    const loadDataset = async () => {
      if (calls++ === 0) throw new Error('train-images-idx3-ubyte: truncated');
      return dataset;
    };
    await expect(runSuite(tiny, 'quick', dir, { loadDataset, backend: 'wasm' })).rejects.toThrow(/run e1 failed: train-images-idx3-ubyte: truncated/);
    expect(await readdir(join(dir, 'runs'))).toEqual(['e3.json']);
  });
});
