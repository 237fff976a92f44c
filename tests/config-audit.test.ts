import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseExperimentConfig } from '../src/core/config';
import { ConfigError } from '../src/core/schema';

function problems(input: unknown): string[] {
  try {
    parseExperimentConfig(input);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

describe('thresholdScope and the audit block', () => {
  it('default to per-class thresholds and no audit', () => {
    expect(DEFAULT_CONFIG.thresholdScope).toBe('per-class');
    expect(DEFAULT_CONFIG.audit.canaries).toBe(0);
    const config = parseExperimentConfig({ thresholdScope: 'global', audit: { canaries: 500 } });
    expect(config.thresholdScope).toBe('global');
    expect(config.audit).toEqual({ canaries: 500, guessesIn: 100, guessesOut: 100, confidence: 0.95 });
  });

  it('refuse an unknown scope, bad audit fields, and guesses that do not fit', () => {
    expect(problems({ thresholdScope: 'class' }).join()).toMatch(/config\.thresholdScope: must be one of "per-class", "global"/);
    expect(problems({ audit: { canaries: -1 } }).join()).toMatch(/config\.audit\.canaries/);
    expect(problems({ audit: { confidence: 1 } }).join()).toMatch(/config\.audit\.confidence/);
    expect(problems({ audit: { canaries: 100, guessesIn: 80, guessesOut: 40 } }).join()).toMatch(/guessesIn \+ guessesOut \(120\) must not exceed canaries \(100\)/);
    expect(problems({ audit: { canaries: 100, guessesIn: 0, guessesOut: 0 } }).join()).toMatch(/at least 1/);
    expect(problems({ audit: { colour: 1 } }).join()).toMatch(/config\.audit\.colour: unknown field/);
  });

  it('keep the canaries in the pool outside the four parts', () => {
    // MNIST has 70,000 records; four parts of 17,000 leave 2,000.
    expect(problems({ partSize: 17_000, audit: { canaries: 2_001 } }).join()).toMatch(/at most 2000, the mnist records outside the four parts/);
    expect(problems({ partSize: 17_000, audit: { canaries: 2_000 } })).toEqual([]);
  });
});

describe('the audit and early stopping', () => {
  it('are refused together: the validation slice would take IN canaries out of training', () => {
    expect(problems({ audit: { canaries: 500 }, defenses: { 'early-stopping': {} } }).join()).toMatch(/cannot be combined with early-stopping/);
    expect(problems({ defenses: { 'early-stopping': {} } })).toEqual([]);
  });
});
