/**
 * The undefended twin (train-undefended.ts) with a training pool: it trains on whichever is free
 * first, a pool worker or the calling thread after the target. Both places give the figures a
 * sequential run gives (same seed, same model, same forward passes), and a job the calling thread
 * took is withdrawn from the pool unposted.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../src/core/config';
import { runExperiment, type ExperimentResult } from '../src/core/experiment';
import { createWorkerPool, WithdrawnJobError, type ClassifierJob, type PoolPort, type PoolRequest, type TrainingPool } from '../src/core/pipeline/pool';
import { activateBackend } from '../src/node/backend';
import { createNodeTrainingPool } from '../src/node/training-pool';
import { makeSyntheticDataset } from './fixtures';

const dataset = makeSyntheticDataset(400);
const loadDataset = async () => dataset;
// L2 is a training defense, so the run trains the undefended twin; one shadow, a few epochs.
const config = parseExperimentConfig({
  seed: 5,
  partSize: 40,
  target: { epochs: 3, batchSize: 16 },
  shadow: { count: 1, epochs: 3, batchSize: 16 },
  defenses: { l2: { lambda: 0.01 } },
  attacks: ['random', 'loss', 'confidence'],
});
const UNDEFENDED = 'undefended target model';

/** What must not depend on where the models trained: the price of the defense, the target's curves and the scores. */
function outcome(result: ExperimentResult) {
  const withoutTimes = (history: ExperimentResult['target']['history']) => history.map(({ attacks: _attacks, ...metrics }) => ({ ...metrics, seconds: 0 }));
  return {
    defense: result.defense,
    target: withoutTimes(result.target.history),
    attacks: result.attacks.map((a) => ({ name: a.name, members: Array.from(a.memberScores), nonMembers: Array.from(a.nonMemberScores) })),
  };
}

/** The pool's jobs by name, passed on to `pool` (or held forever, for the names in `hold`), and those the pool won the claim for. */
function recorded(pool: TrainingPool, hold: readonly string[] = []): { pool: TrainingPool; jobs: string[]; won: string[] } {
  const jobs: string[] = [];
  const won: string[] = [];
  return {
    jobs,
    won,
    pool: {
      size: pool.size,
      run: (job, hooks) => {
        jobs.push(job.name);
        const claim = hooks?.claim;
        const watched = claim ? { ...hooks, claim: () => (claim() ? (won.push(job.name), true) : false) } : hooks;
        return hold.includes(job.name) ? new Promise(() => undefined) : pool.run(job, watched);
      },
      close: pool.close,
    },
  };
}

describe('the undefended twin with a training pool', () => {
  let pool: TrainingPool;
  let sequential: ExperimentResult;

  beforeAll(async () => {
    await activateBackend('wasm', config);
    // Two workers: one for the shadow, one free at once for the undefended twin.
    pool = createNodeTrainingPool(2, tf.getBackend());
    sequential = await runExperiment(config, { loadDataset });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('a sequential run measures the undefended twin (the figures the other runs must match)', () => {
    expect(sequential.defense?.testAccuracy.undefended).toBeGreaterThan(0);
    expect(sequential.timings['train-undefended']).toBeDefined();
  });

  it('trained in a pool worker while the target trains here: the same figures as the sequential run', async () => {
    const { pool: counted, jobs, won } = recorded(pool);
    const before = tf.memory().numTensors;
    const pooled = await runExperiment(config, { loadDataset, pool: counted });
    expect(jobs).toEqual(['shadow model', UNDEFENDED]);
    expect(won).toEqual([UNDEFENDED]);
    expect(tf.memory().numTensors).toBe(before);
    expect(outcome(pooled)).toEqual(outcome(sequential));
  });

  it('trained here when no worker is free before the target is done: the same figures, the pool job withdrawn', async () => {
    // The pool never gets to the twin (held): this thread claims it after the target.
    const { pool: counted, jobs, won } = recorded(pool, [UNDEFENDED]);
    const here = await runExperiment(config, { loadDataset, pool: counted });
    expect(jobs).toEqual(['shadow model', UNDEFENDED]);
    expect(won).toEqual([]);
    expect(outcome(here)).toEqual(outcome(sequential));
  });
});

describe("a job's claim", () => {
  /** A port that records what it is sent and answers nothing. */
  function silentPort(sent: PoolRequest[]): PoolPort {
    return { post: (message) => sent.push(message), onMessage: () => undefined, onFailure: () => undefined, terminate: () => undefined };
  }
  const job: ClassifierJob = {
    kind: 'classifier',
    name: UNDEFENDED,
    config: config.target,
    seed: 1,
    defenses: {},
    shape: [2, 2, 1],
    numClasses: 2,
    train: { images: new Uint8Array(4), labels: new Uint8Array(1), count: 1 },
    test: { images: new Uint8Array(4), labels: new Uint8Array(1), count: 1 },
  };

  it('is asked once a worker is free: no withdraws the job unposted, yes posts it', async () => {
    const sent: PoolRequest[] = [];
    const fake = createWorkerPool(1, () => silentPort(sent));
    let asked = 0;
    await expect(fake.run(job, { claim: () => (asked++, false) })).rejects.toBeInstanceOf(WithdrawnJobError);
    expect(asked).toBe(1);
    expect(sent).toEqual([]);
    void fake.run(job, { claim: () => (asked++, true) }).catch(() => undefined);
    expect(asked).toBe(2);
    expect(sent.map((m) => m.type)).toEqual(['job']);
    await fake.close();
  });

  it('is not asked while every worker is busy', async () => {
    const sent: PoolRequest[] = [];
    const fake = createWorkerPool(1, () => silentPort(sent));
    void fake.run({ ...job, name: 'shadow model' }).catch(() => undefined);
    let asked = 0;
    const queued = fake.run(job, { claim: () => (asked++, true) });
    queued.catch(() => undefined);
    expect(asked).toBe(0);
    await fake.close();
    await expect(queued).rejects.toThrow(/closed before the undefended target model started/);
    expect(asked).toBe(0);
  });
});
