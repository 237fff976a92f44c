/**
 * The training pool (core/pipeline/pool.ts on worker_threads, node/training-pool.ts): the same
 * experiment run with a one-worker pool and without one gives the same models, hence the same
 * scores — shadows trained in the worker while the target trains here, reference models' groups
 * split between this thread and the worker; a worker that dies or fails names the model, and a
 * cancel reaches the worker, without a hang.
 */
import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../src/core/cancel';
import { parseExperimentConfig } from '../src/core/config';
import { runExperiment, type ExperimentResult, type ProgressEvent } from '../src/core/experiment';
import { createWorkerPool, type ClassifierJob, type TrainingPool } from '../src/core/pipeline/pool';
import { warmUpTraining } from '../src/core/pipeline/pool-worker';
import { activateBackend } from '../src/node/backend';
import { createNodeTrainingPool, nodeWorkerPort } from '../src/node/training-pool';
import { RunGate } from '../workers/gate';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(400);
const loadDataset = async () => dataset;
// Two shadows (both in the worker), ten reference MLPs: three batched groups (4 + 4 + 2), the first
// two one per lane, the last to whichever lane is free first.
const config = parseExperimentConfig({
  seed: 11,
  partSize: 40,
  target: { epochs: 3, batchSize: 16 },
  shadow: { count: 2, epochs: 3, batchSize: 16 },
  reference: { count: 10, epochs: 2, batchSize: 16 },
  rmia: { populationSize: 40 },
  attacks: ['random', 'loss', 'confidence', 'lira-online', 'rmia'],
});

/** The figures and arrays that must not depend on where a model trained. */
function outcome(result: ExperimentResult) {
  const withoutLive = (history: ExperimentResult['target']['history']) => history.map(({ attacks: _attacks, ...metrics }) => ({ ...metrics, seconds: 0 }));
  return {
    attacks: result.attacks.map((a) => ({ name: a.name, auc: a.auc, members: Array.from(a.memberScores), nonMembers: Array.from(a.nonMemberScores) })),
    target: withoutLive(result.target.history),
    shadows: result.shadows.map((s) => withoutLive(s.history)),
    confidence: result.references?.confidence?.map((c) => Array.from(c)),
  };
}

describe('a pool of training workers', () => {
  let pool: TrainingPool;

  beforeAll(async () => {
    await activateBackend('wasm', config);
    pool = createNodeTrainingPool(1, tf.getBackend());
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('gives bit-identical models and scores to a sequential run with the same seeds', async () => {
    const sequential = await runExperiment(config, { loadDataset });
    const events: ProgressEvent[] = [];
    const before = tf.memory().numTensors;
    // What the pool was given: both shadows, the second reference group (this thread trains the
    // first), and perhaps the third, if the worker was free before this thread.
    const jobs: string[] = [];
    const counted: TrainingPool = { size: pool.size, run: (job, hooks) => (jobs.push(job.kind === 'classifier' ? job.name : `${job.kind} ${job.only.join(',')}`), pool.run(job, hooks)), close: pool.close };
    const pooled = await runExperiment(config, { loadDataset, pool: counted, onProgress: (e) => events.push(e) });
    expect(jobs.slice(0, 3)).toEqual(['shadow model 1 of 2', 'shadow model 2 of 2', 'references 4,5,6,7']);
    expect(jobs.slice(3)).toEqual(jobs.length > 3 ? ['references 8,9'] : []);
    expect(tf.memory().numTensors).toBe(before);

    expect(outcome(pooled)).toEqual(outcome(sequential));
    expect(pooled.references?.trained).toBe(10);
    // The shadows trained while the target did: the target's first epoch came before the last shadow was done.
    const firstTargetEpoch = events.findIndex((e) => e.type === 'epoch' && e.model === 'target');
    const lastShadowDone = events.map((e) => e.type === 'model-done' && e.model === 'shadow').lastIndexOf(true);
    expect(firstTargetEpoch).toBeGreaterThanOrEqual(0);
    expect(firstTargetEpoch).toBeLessThan(lastShadowDone);
    // Every shadow epoch and every reference model was reported from the worker too.
    expect(events.filter((e) => e.type === 'epoch' && e.model === 'shadow')).toHaveLength(2 * 3);
    expect(events.filter((e) => e.type === 'model-done' && e.model === 'reference')).toHaveLength(10);
  });

  it('stops the worker on cancel: the run ends with CancelledError and releases its tensors', async () => {
    const signal = { aborted: false };
    const before = tf.memory().numTensors;
    const run = runExperiment(config, {
      loadDataset,
      pool,
      signal,
      onProgress: (e) => {
        if (e.type === 'epoch' && e.model === 'shadow') signal.aborted = true;
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
    // The worker is still good for the next run's jobs.
    const again = await runExperiment({ ...config, attacks: ['loss'] }, { loadDataset, pool });
    expect(again.shadows).toHaveLength(2);
  });

  it("holds every model at the app's pause gate, the pool's included, and lets them all go on resume", async () => {
    const gate = new RunGate();
    gate.pause();
    const events: ProgressEvent[] = [];
    let poolWaits = 0;
    const watched: TrainingPool = { size: pool.size, run: (job, hooks) => pool.run(job, { ...hooks, gate: () => (poolWaits++, hooks!.gate!()) }), close: pool.close };
    const run = runExperiment({ ...config, attacks: ['loss'] }, { loadDataset, pool: watched, gate: gate.wait, onProgress: (e) => events.push(e) });
    // The target here and the first shadow in the worker both reach the gate (RunGate holds one
    // waiter: the run queues them); neither trains an epoch, and resume lets both go on.
    while (!gate.state.held || poolWaits === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(0);
    gate.resume();
    const result = await run;
    expect(result.shadows).toHaveLength(2);
    expect(events.filter((e) => e.type === 'epoch' && e.model === 'shadow')).toHaveLength(2 * 3);
  });

  it("a worker's warm-up (before its first job) leaves no tensor behind", async () => {
    const before = tf.memory().numTensors;
    await warmUpTraining();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails a run whose worker thread dies with an error naming the model, never a hang', async () => {
    const dying = createWorkerPool(1, () => nodeWorkerPort(new Worker("require('node:worker_threads').parentPort.on('message', () => process.exit(3))", { eval: true })));
    try {
      await expect(runExperiment({ ...config, attacks: ['loss'] }, { loadDataset, pool: dying })).rejects.toThrow(
        /the training worker running the shadow model 1 of 2 failed: its thread exited with code 3/,
      );
    } finally {
      await dying.close();
    }
  });

  it("reports a job the worker cannot train with the worker's reason and the model's name", async () => {
    const broken = createNodeTrainingPool(1, 'no-such-backend');
    const job: ClassifierJob = {
      kind: 'classifier',
      name: 'shadow model',
      config: config.shadow,
      seed: 1,
      defenses: {},
      shape: [28, 28, 1],
      numClasses: 10,
      train: { images: new Uint8Array(784), labels: new Uint8Array(1), count: 1 },
      test: { images: new Uint8Array(784), labels: new Uint8Array(1), count: 1 },
    };
    try {
      await expect(broken.run(job)).rejects.toThrow(/shadow model.*no-such-backend/);
    } finally {
      await broken.close();
    }
  });
});
