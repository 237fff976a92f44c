import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, presetConfig } from '../../src/core/config';
import { applyPatch, trainsLikeTarget, useConfigStore } from '../../src/app/state/config-store';
import { configHash } from '../../src/core/hash';
import { selectDisplayedRun, useResultsStore } from '../../src/app/state/results-store';
import {
  IDLE_RUN,
  MADE_AHEAD_NOTICE,
  finishStages,
  madeAheadRun,
  pauseState,
  reduceGate,
  reduceProgress,
  runClock,
  stageEtaSeconds,
  stageFraction,
  startedRun,
  trainingStageOf,
} from '../../src/app/state/run-store';
import type { StoredRun } from '../../src/shared/storage/db';
import { TINY_CONFIG, epoch, fakeResult } from './fixtures';

describe('config store', () => {
  beforeEach(() => useConfigStore.setState({ config: DEFAULT_CONFIG, problems: [], preset: undefined }));

  it('applies a valid change and refuses an invalid one, keeping the config and naming the field', () => {
    const store = useConfigStore.getState();
    expect(store.update({ partSize: 200 })).toBe(true);
    expect(useConfigStore.getState().config.partSize).toBe(200);
    expect(store.update({ partSize: 5 })).toBe(false);
    expect(useConfigStore.getState().config.partSize).toBe(200);
    expect(useConfigStore.getState().problems.join()).toMatch(/config\.partSize/);
    expect(store.update({ seed: 1 })).toBe(true);
    expect(useConfigStore.getState().problems).toEqual([]);
  });

  it('merges training sections one level deep and leaves the shadow alone when only the target changes', () => {
    useConfigStore.getState().update({ target: { epochs: 5 } });
    const { config } = useConfigStore.getState();
    expect(config.target).toEqual({ ...DEFAULT_CONFIG.target, epochs: 5 });
    expect(config.shadow.epochs).toBe(DEFAULT_CONFIG.shadow.epochs);
    expect(trainsLikeTarget(config)).toBe(false);
    expect(trainsLikeTarget(DEFAULT_CONFIG)).toBe(true);
  });

  it('replaces the dataset section whole, so going back to a built-in drops the file list', () => {
    const store = useConfigStore.getState();
    expect(store.update({ dataset: { name: 'custom', files: ['train.bin', 'test.bin'] } })).toBe(true);
    expect(store.update({ dataset: { name: 'fashion-mnist' } })).toBe(true);
    expect(useConfigStore.getState().config.dataset).toEqual({ name: 'fashion-mnist' });
    expect(applyPatch(DEFAULT_CONFIG, { attacks: ['loss'] }).attacks).toEqual(['loss']);
  });

  it('loads presets and refuses unknown ones', () => {
    expect(useConfigStore.getState().applyPreset('standard')).toBe(true);
    expect(useConfigStore.getState().config).toEqual(presetConfig('standard'));
    expect(useConfigStore.getState().preset).toBe('standard');
    expect(useConfigStore.getState().applyPreset('nope')).toBe(false);
    expect(useConfigStore.getState().config).toEqual(presetConfig('standard'));
  });

  it('replaces the config from untrusted input only when it validates', () => {
    expect(useConfigStore.getState().replace({ seed: 'x' })).toBe(false);
    expect(useConfigStore.getState().config).toEqual(DEFAULT_CONFIG);
    expect(useConfigStore.getState().replace(TINY_CONFIG)).toBe(true);
    expect(useConfigStore.getState().config).toEqual(TINY_CONFIG);
  });
});

describe('run progress', () => {
  it('shows a result made ahead as a finished run that trained nothing now, on the last run\'s backend', () => {
    let last = startedRun(TINY_CONFIG, 'trained', 0);
    last = reduceProgress(last, { type: 'stage-start', stage: 'train-target' }, 0);
    last = reduceProgress(last, { type: 'epoch', model: 'target', index: 0, count: 1, metrics: epoch(1, 1) }, 10);
    last = { ...finishStages(last, 'done'), backend: { name: 'wasm' } as never, notices: ['an old notice'] };
    const shown = madeAheadRun(last, TINY_CONFIG, 'ahead', 20);
    expect(shown.status).toBe('done');
    expect(shown.configHash).toBe('ahead');
    expect(Object.values(shown.stages).every((stage) => stage.status === 'skipped' && stage.epochsRun === undefined)).toBe(true);
    expect(shown.history).toEqual({});
    expect(shown.backend).toBe(last.backend);
    expect(shown.notices).toEqual([MADE_AHEAD_NOTICE]);
  });

  it('maps model roles to their training stages', () => {
    expect(trainingStageOf('target')).toBe('train-target');
    expect(trainingStageOf('shadow')).toBe('train-shadow');
    expect(trainingStageOf('nothing')).toBeUndefined();
  });

  it('follows stages and epochs, keeps the live curves, and estimates the time left', () => {
    let run = startedRun(TINY_CONFIG, 'h', 0);
    run = reduceProgress(run, { type: 'stage-start', stage: 'load-data' }, 0);
    expect(stageFraction(run.stages['load-data'])).toBeUndefined();
    run = reduceProgress(run, { type: 'stage-end', stage: 'load-data', seconds: 1 }, 1_000);
    run = reduceProgress(run, { type: 'stage-start', stage: 'train-target' }, 1_000);
    run = reduceProgress(run, { type: 'epoch', model: 'target', index: 0, count: 1, metrics: epoch(1, 4, 2) }, 3_000);
    const stage = run.stages['train-target'];
    expect(stageFraction(stage)).toBeCloseTo(0.25);
    // 2 s per epoch, 3 epochs left, 1 s since the last one: 5 s.
    expect(stageEtaSeconds(stage, 4_000)).toBeCloseTo(5);
    expect(run.history.target).toHaveLength(1);
    expect(run.stages['load-data']).toMatchObject({ status: 'done', seconds: 1 });
  });

  it('counts several models in a stage and only draws the first one of each role', () => {
    let run = startedRun(TINY_CONFIG, 'h', 0);
    run = reduceProgress(run, { type: 'stage-start', stage: 'train-shadow' }, 0);
    run = reduceProgress(run, { type: 'epoch', model: 'shadow', index: 0, count: 2, metrics: epoch(1, 2) }, 1_000);
    run = reduceProgress(run, { type: 'epoch', model: 'shadow', index: 0, count: 2, metrics: epoch(2, 2) }, 2_000);
    run = reduceProgress(run, { type: 'model-done', model: 'shadow', index: 0, count: 2, seconds: 2, cached: false, etaSeconds: 2 }, 2_000);
    run = reduceProgress(run, { type: 'epoch', model: 'shadow', index: 1, count: 2, metrics: epoch(1, 2) }, 3_000);
    expect(stageFraction(run.stages['train-shadow'])).toBeCloseTo(0.75);
    expect(stageEtaSeconds(run.stages['train-shadow'], 3_000)).toBeCloseTo(1);
    expect(run.history.shadow).toHaveLength(2);
  });

  it('collects warnings once and marks stages that never ran as skipped', () => {
    let run = startedRun(TINY_CONFIG, 'h', 0);
    run = reduceProgress(run, { type: 'warning', message: 'careful' }, 0);
    run = reduceProgress(run, { type: 'warning', message: 'careful' }, 0);
    expect(run.notices).toEqual(['careful']);
    run = reduceProgress(run, { type: 'stage-start', stage: 'train-target' }, 0);
    run = reduceProgress(run, { type: 'stage-end', stage: 'train-target', seconds: 1 }, 0);
    const done = finishStages(run, 'done');
    expect(done.stages['train-shadow'].status).toBe('skipped');
    expect(done.stages['train-target'].status).toBe('done');
    expect(finishStages(run, 'cancelled').stages['train-shadow'].status).toBe('pending');
    expect(IDLE_RUN.status).toBe('idle');
  });
});

describe('results store', () => {
  const stored = (config = TINY_CONFIG, finishedAt = 1): StoredRun => ({
    hash: configHash(config),
    config,
    result: fakeResult(config),
    finishedAt,
    origin: 'run',
  });

  beforeEach(() => useResultsStore.getState().clear());

  it('keys runs by config hash: a rerun of the same config replaces the old one and moves last', () => {
    const other = { ...TINY_CONFIG, seed: 9 };
    useResultsStore.getState().add(stored(TINY_CONFIG, 1));
    useResultsStore.getState().add(stored(other, 2));
    useResultsStore.getState().add(stored(TINY_CONFIG, 3));
    const { order, runs } = useResultsStore.getState();
    expect(order).toEqual([configHash(other), configHash(TINY_CONFIG)]);
    expect(runs[configHash(TINY_CONFIG)].finishedAt).toBe(3);
  });

  it('restores runs oldest first', () => {
    const other = { ...TINY_CONFIG, seed: 9 };
    useResultsStore.getState().addMany([stored(other, 5), stored(TINY_CONFIG, 2)]);
    expect(useResultsStore.getState().order).toEqual([configHash(TINY_CONFIG), configHash(other)]);
  });

  it('shows the run the controls describe, else the picked or newest one marked stale', () => {
    const other = { ...TINY_CONFIG, seed: 9 };
    const state = { runs: {}, order: [] as string[] };
    expect(selectDisplayedRun(state, 'x')).toBeUndefined();
    useResultsStore.getState().add(stored(TINY_CONFIG, 1));
    useResultsStore.getState().add(stored(other, 2));
    const s = useResultsStore.getState();
    expect(selectDisplayedRun(s, configHash(TINY_CONFIG))).toMatchObject({ stale: false, run: { hash: configHash(TINY_CONFIG) } });
    expect(selectDisplayedRun(s, 'changed')).toMatchObject({ stale: true, run: { hash: configHash(other) } });
    expect(selectDisplayedRun(s, 'changed', configHash(TINY_CONFIG))).toMatchObject({ stale: true, run: { hash: configHash(TINY_CONFIG) } });
  });
});

describe('pause state in the run', () => {
  it('says pausing until the run stands at the gate, and stops the ETA clocks while it does', () => {
    let run = startedRun(TINY_CONFIG, 'h', 0);
    run = reduceProgress(run, { type: 'stage-start', stage: 'train-target' }, 0);
    run = reduceProgress(run, { type: 'epoch', model: 'target', index: 0, count: 1, metrics: epoch(1, 4, 2) }, 2_000);
    expect(pauseState(run)).toBe('running');
    run = reduceGate(run, { mode: 'paused', held: false, credits: 0 }, 2_500);
    expect(pauseState(run)).toBe('pausing');
    run = reduceGate(run, { mode: 'paused', held: true, credits: 0 }, 3_000);
    expect(pauseState(run)).toBe('paused');
    // Frozen at 3 s however long the pause lasts: 3 epochs × 2 s − 1 s since the last epoch.
    expect(stageEtaSeconds(run.stages['train-target'], runClock(run, 60_000))).toBeCloseTo(5);
    // Resumed after 57 s: the clocks move on by the pause, so the estimate is unchanged.
    run = reduceGate(run, { mode: 'running', held: false, credits: 0 }, 60_000);
    expect(pauseState(run)).toBe('running');
    expect(run.pausedAt).toBeUndefined();
    expect(stageEtaSeconds(run.stages['train-target'], runClock(run, 60_000))).toBeCloseTo(5);
  });

  it('uses the core’s ETA for stages of several models once one is done', () => {
    let run = startedRun(TINY_CONFIG, 'h', 0);
    run = reduceProgress(run, { type: 'stage-start', stage: 'train-references' }, 0);
    run = reduceProgress(run, { type: 'epoch', model: 'reference', index: 0, count: 4, metrics: epoch(1, 1, 1) }, 1_000);
    run = reduceProgress(run, { type: 'model-done', model: 'reference', index: 0, count: 4, seconds: 1, cached: false, etaSeconds: 30 }, 1_000);
    run = reduceProgress(run, { type: 'epoch', model: 'reference', index: 1, count: 4, metrics: epoch(1, 1, 1) }, 2_000);
    expect(stageEtaSeconds(run.stages['train-references'], 5_000)).toBeCloseTo(26);
  });
});

