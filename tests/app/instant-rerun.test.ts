import { describe, expect, it } from 'vitest';
import { needsNoTraining } from '../../src/app/state/instant-rerun';
import { parseExperimentConfig, type ExperimentConfig } from '../../src/core/config';
import type { StoredRun } from '../../src/shared/storage/db';
import { fakeResult, TINY_CONFIG } from './fixtures';

const stored = (config: ExperimentConfig, origin: StoredRun['origin'] = 'run'): StoredRun => ({ hash: `h${config.seed}-${origin}`, config, result: fakeResult(config), finishedAt: 1, origin });

describe('needsNoTraining (the check in every control change)', () => {
  const trained = stored(TINY_CONFIG);
  const rounded = parseExperimentConfig({ ...TINY_CONFIG, defenses: { rounding: { decimals: 2 } } });
  const reseeded = parseExperimentConfig({ ...TINY_CONFIG, seed: 9 });

  it('says an output defense needs no training after a run of the same models, and a new seed does', () => {
    const runs = { [trained.hash]: trained };
    expect(needsNoTraining(rounded, runs)).toBe(true);
    expect(needsNoTraining(reseeded, runs)).toBe(false);
    // Asked again with the same objects (its keys are remembered per config): the same answers.
    expect(needsNoTraining(rounded, runs)).toBe(true);
    expect(needsNoTraining(reseeded, runs)).toBe(false);
  });

  it('trusts only runs of this browser, not imported results (no models behind them)', () => {
    const imported = stored(TINY_CONFIG, 'import');
    expect(needsNoTraining(rounded, { [imported.hash]: imported })).toBe(false);
    expect(needsNoTraining(rounded, {})).toBe(false);
  });
});
