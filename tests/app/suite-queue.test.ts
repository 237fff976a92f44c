import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import { runKey, type SuiteDefinition, type SuiteRun } from '../../src/core/suites/suites';
import { SuiteRunner, finishedRuns, plannedSuite, type SuiteDeps, type SuiteProgress, type SuiteRunOutcome } from '../../src/core/suites/runner';
import { currentRunFraction, runWork, suiteEta, suiteOutcome } from '../../src/app/suites/suite-queue';
import { toPlainResultsJson, type ResultsJson } from '../../src/core/results';
import { fakeResult } from './fixtures';

/** Three runs that differ by seed; summarise lists the seeds it got. */
const SUITE: SuiteDefinition = {
  name: 'fake',
  title: 'Fake',
  question: 'Does the queue work?',
  runs: (size) =>
    [1, 2, 3].map((seed) => ({
      id: `s${seed}`,
      label: `seed ${seed}`,
      params: { seed },
      config: parseExperimentConfig({ seed, partSize: size === 'quick' ? 100 : 200, target: { epochs: 2 } }),
    })),
  summarise: (runs) => ({ tables: [{ title: 't', columns: ['seed'], rows: runs.map(({ run }) => [run.params.seed]) }], figures: [], notes: [] }),
};

/** An in-memory store and a runner whose outcome per run the test decides. */
function fakeDeps(outcomes: Record<string, SuiteRunOutcome | 'hang'> = {}) {
  const stored = new Map<string, ResultsJson>();
  const executed: string[] = [];
  const seen: SuiteProgress[] = [];
  let clock = 0;
  let cancelHanging: (() => void) | undefined;
  const deps: SuiteDeps = {
    lookup: async (key) => stored.get(key),
    store: async (key, _run, _suite, result) => {
      const json = toPlainResultsJson(result, { engine: { app: 'MIA Lab (browser)' } });
      stored.set(key, json);
      return json;
    },
    execute: async (run: SuiteRun) => {
      executed.push(run.id);
      clock += 10_000;
      const outcome = outcomes[run.id] ?? { kind: 'result', result: fakeResult(run.config) };
      if (outcome === 'hang') return new Promise<SuiteRunOutcome>((resolve) => (cancelHanging = () => resolve({ kind: 'cancelled' })));
      return outcome;
    },
    cancel: () => cancelHanging?.(),
    onChange: (p) => seen.push(p),
    now: () => clock,
  };
  return { deps, stored, executed, seen };
}

describe('the suite runner (the CLI\'s and the app\'s)', () => {
  it('plans every run pending under its runKey', () => {
    const planned = plannedSuite(SUITE, 'quick');
    expect(planned.states.map((s) => s.status)).toEqual(['pending', 'pending', 'pending']);
    expect(planned.states[0].key).toBe(runKey(planned.runs[0]));
    expect(plannedSuite(SUITE, 'full').states[0].key).not.toBe(planned.states[0].key);
  });

  it('runs every run in order, stores each result under its key, and summarises them', async () => {
    const { deps, stored, executed } = fakeDeps();
    const final = await new SuiteRunner(SUITE, 'quick', deps).run();
    expect(executed).toEqual(['s1', 's2', 's3']);
    expect(final.status).toBe('done');
    expect(final.states.map((s) => [s.status, s.seconds])).toEqual([['done', 10], ['done', 10], ['done', 10]]);
    expect([...stored.keys()]).toEqual(final.states.map((s) => s.key));
    // What is stored is plain results.json, as the CLI writes it.
    expect(stored.get(final.states[0].key)?.attacks[0].threshold).toBe('Infinity');
    expect(SUITE.summarise(finishedRuns(final)).tables[0].rows).toEqual([[1], [2], [3]]);
  });

  it('reuses stored runs instead of training them again', async () => {
    const first = fakeDeps();
    await new SuiteRunner(SUITE, 'quick', first.deps).run();
    const again = fakeDeps();
    for (const [k, v] of first.stored) again.stored.set(k, v);
    const final = await new SuiteRunner(SUITE, 'quick', again.deps).run();
    expect(again.executed).toEqual([]);
    expect(final.states.map((s) => s.status)).toEqual(['cached', 'cached', 'cached']);
    expect(finishedRuns(final)).toHaveLength(3);
  });

  it('stops on request, cancelling the run in progress, and resumes from where it stopped', async () => {
    const { deps, stored, executed, seen } = fakeDeps({ s2: 'hang' });
    const queue = new SuiteRunner(SUITE, 'quick', deps);
    const done = queue.run();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(queue.state.states.map((s) => s.status)).toEqual(['done', 'running', 'pending']);
    queue.stop();
    const stopped = await done;
    expect(stopped.status).toBe('stopped');
    expect(stopped.states.map((s) => s.status)).toEqual(['done', 'cancelled', 'pending']);
    expect(seen.some((p) => p.status === 'stopping')).toBe(true);
    expect(stored.size).toBe(1);
    // Resume: a new queue over the same store trains only what is missing.
    const resumed = fakeDeps();
    for (const [k, v] of stored) resumed.stored.set(k, v);
    const final = await new SuiteRunner(SUITE, 'quick', resumed.deps).run();
    expect(resumed.executed).toEqual(['s2', 's3']);
    expect(final.states.map((s) => s.status)).toEqual(['cached', 'done', 'done']);
    expect(executed).toEqual(['s1', 's2']);
  });

  it('goes on after a failed run and says why it failed', async () => {
    // The app's worker outcome, as the app hands it to the runner.
    const { deps } = fakeDeps({ s2: suiteOutcome({ kind: 'error', error: { name: 'DatasetError', message: 'x.bin: bad', problems: ['p1'] } }) });
    const final = await new SuiteRunner(SUITE, 'quick', deps).run();
    expect(final.status).toBe('done');
    expect(final.states.map((s) => s.status)).toEqual(['done', 'failed', 'done']);
    expect(final.states[1].error).toBe('x.bin: bad; p1');
    expect(finishedRuns(final).map(({ run }) => run.id)).toEqual(['s1', 's3']);
  });

  it('stops when the user cancels the run from the run controls', async () => {
    const { deps, executed } = fakeDeps({ s1: { kind: 'cancelled' } });
    const final = await new SuiteRunner(SUITE, 'quick', deps).run();
    expect(final.status).toBe('stopped');
    expect(executed).toEqual(['s1']);
  });
});

describe('a stored suite run (toPlainResultsJson, made in the worker)', () => {
  it('is plain JSON as the CLI writes it: an infinite threshold as a string, NaN as null, the breakdown kept', () => {
    const result = fakeResult();
    Object.assign(result.attacks[0], { threshold: Infinity, advantage: NaN });
    const json = toPlainResultsJson(result, { engine: { app: 'MIA Lab (browser)' } });
    expect(json.attacks[0]).toMatchObject({ name: 'loss', auc: 0.75, threshold: 'Infinity', advantage: null });
    expect(json.breakdown?.attacks.map((a) => a.name)).toEqual(['loss']);
    // Nothing a structured clone would treat differently from JSON: it survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json).toMatchObject({ engine: { app: 'MIA Lab (browser)' } });
  });
});

describe('suite progress and ETA', () => {
  const planned = plannedSuite(SUITE, 'quick');
  const withStates = (statuses: string[], extra: Partial<SuiteProgress> = {}): SuiteProgress => ({
    ...planned,
    status: 'running',
    states: planned.states.map((s, i) => ({ ...s, status: statuses[i] as never, ...(statuses[i] === 'done' ? { seconds: 20 } : {}) })),
    ...extra,
  });

  it('weighs runs by their training work', () => {
    const small = parseExperimentConfig({ partSize: 100, target: { epochs: 2 } });
    expect(runWork(small)).toBe(100 * 2 + 100 * 1 * 2); // target + one shadow
    expect(runWork(parseExperimentConfig({ partSize: 100, target: { epochs: 2 }, attacks: ['random', 'correctness'] }))).toBe(200);
    expect(runWork(parseExperimentConfig({ partSize: 100, target: { epochs: 2 }, attacks: ['correctness'], defenses: { l2: {} } }))).toBe(400);
  });

  it('measures the rate on trained runs and ignores stored ones', () => {
    // Equal runs: one trained in 20 s, one stored, the third half done 5 s ago.
    const progress = withStates(['done', 'cached', 'running'], { currentStartedAt: 0 });
    const { fraction, etaSeconds } = suiteEta(progress, 0.5, 5_000);
    expect(fraction).toBeCloseTo(2.5 / 3);
    expect(etaSeconds).toBeCloseTo(15);
  });

  it('extrapolates the first run from its own progress, and has no ETA before that', () => {
    expect(suiteEta(withStates(['running', 'pending', 'pending'], { currentStartedAt: 0 }), 0, 1_000).etaSeconds).toBeUndefined();
    // 25 % in 10 s: 30 s more for this run, 40 s for each of the other two.
    expect(suiteEta(withStates(['running', 'pending', 'pending'], { currentStartedAt: 0 }), 0.25, 10_000).etaSeconds).toBeCloseTo(110);
    expect(suiteEta({ ...withStates(['done', 'done', 'done']), status: 'done' }, 0, 0)).toEqual({ fraction: 1 });
  });

  it('reads the current run’s fraction from its training stages, weighted by epochs', () => {
    const config = parseExperimentConfig({ partSize: 100, target: { epochs: 4 }, shadow: { count: 1, epochs: 4 } });
    const stages = {
      'train-target': { status: 'done' as const },
      'train-shadow': { status: 'running' as const, epoch: 2, epochs: 4, modelCount: 1, modelsDone: 0, modelIndex: 0 },
    };
    expect(currentRunFraction(config, stages)).toBeCloseTo(0.75);
    expect(currentRunFraction(undefined, {})).toBe(0);
  });
});
