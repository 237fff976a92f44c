/**
 * What a student reads of the intervals and the audits, rendered without a DOM (as components.test.ts):
 * the attack table's intervals and wide-interval mark, the one-run audit beside the accountant's ε,
 * the DP guarantee curves the ROC chart draws, and the config's new fields in the URL.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { guaranteeFor, ResultsTable } from '../../src/app/charts/RocChart';
import { DefenseSummary } from '../../src/app/components/DefenseSummary';
import { AuditControls } from '../../src/app/components/AuditControls';
import { configToHash, hashToConfig } from '../../src/app/state/url-hash';
import { parseImportedFile, resultsJsonText } from '../../src/app/state/import-export';
import { measureAttack } from '../../src/core/attacks/evaluate';
import { parseExperimentConfig } from '../../src/core/config';
import type { ExperimentResult } from '../../src/core/experiment';
import { dpRegionTpr } from '../../src/core/privacy/dp-region';
import { fakeResult } from './fixtures';

describe('the attack table', () => {
  it('shows each figure with its 95 % interval and marks one wider than the figure', () => {
    // 3 of 4 members above every non-member: TPR at 0.1 % FPR = 0.75 with CP interval [0.194, 0.994] (wider than 0.75).
    const attack = measureAttack('loss', Float64Array.of(9, 8, 7, 1), Float64Array.of(5, 4, 3, 2), 4.5, { seed: 1 });
    const markup = renderToStaticMarkup(createElement(ResultsTable, { attacks: [attack] }));
    expect(markup).toMatch(/data-interval="tpr-0.001"[^>]*>\[0\.194, 0\.994\]\*</);
    expect(markup).toMatch(/data-metric="auc">0\.750</); // 12 of 16 pairs
    expect(markup).toContain('data-interval="auc"');
    expect(markup).toMatch(/95 % interval/);
  });
});

describe('the privacy figures', () => {
  const base = fakeResult(parseExperimentConfig({ defenses: { 'dp-sgd': {} }, audit: { canaries: 500, guessesIn: 50, guessesOut: 50 } }));
  const result: ExperimentResult = {
    ...base,
    privacy: {
      delta: 1e-5,
      accountant: { epsilon: 4.2, order: 6, noiseMultiplier: 1.1, effectiveNoiseMultiplier: 1.1, steps: 100, samplingRate: 0.1, samplingMatchesAccountant: true, gdpMu: 1.3 },
      empirical: [{ attack: 'loss', epsilon: 0.31, threshold: 0.5 }],
      audit: { canaries: 500, guessesIn: 50, guessesOut: 50, correct: 71, epsilonLowerBound: 0.57, confidence: 0.95, delta: 1e-5 },
    },
  };

  it('put the one-run audit beside the accountant and call the attack bound a heuristic', () => {
    const markup = renderToStaticMarkup(createElement(DefenseSummary, { result }));
    expect(markup).toMatch(/data-testid="one-run-audit"/);
    expect(markup).toMatch(/ε ≥ 0\.57 at 95 % confidence: 71 of\s*100 guesses right/);
    expect(markup).toMatch(/heuristic for this one trained model/);
    expect(markup).not.toMatch(/exceeds the accountant/);
  });

  it('give the ROC chart the (ε, δ) region and the μ-GDP curve of a DP-SGD target, and nothing without DP-SGD', () => {
    const curves = guaranteeFor(result.privacy);
    expect(curves?.epsilon).toBe(4.2);
    expect(curves?.gdp).toBeDefined();
    const [fpr, tpr] = curves!.region[40];
    expect(tpr).toBeCloseTo(dpRegionTpr(fpr, 4.2, 1e-5), 15);
    expect(guaranteeFor({ delta: 1e-5 })).toBeUndefined();
    const shuffled = guaranteeFor({ delta: 1e-5, accountant: { ...result.privacy.accountant!, gdpMu: undefined, samplingMatchesAccountant: false } });
    expect(shuffled?.region).toBeDefined();
    expect(shuffled?.gdp).toBeUndefined();
  });
});

describe('the URL', () => {
  it('carries the threshold scope and the audit block both ways', () => {
    const config = parseExperimentConfig({ thresholdScope: 'global', audit: { canaries: 300, guessesIn: 20, guessesOut: 30 } });
    const hash = configToHash(config);
    expect(hash).toContain('thresholdScope=global');
    expect(hash).toContain('audit.canaries=300');
    const back = hashToConfig(hash);
    expect(back.kind).toBe('config');
    if (back.kind === 'config') expect(back.config).toEqual(config);
    const bad = hashToConfig('#audit.canaries=100&audit.guessesIn=80&audit.guessesOut=40');
    expect(bad.kind).toBe('invalid');
  });
});

describe('an exported results file', () => {
  it('brings its intervals and class thresholds back on import', () => {
    const attack = measureAttack('confidence', Float64Array.of(9, 8, 7, 1), Float64Array.of(5, 4, 3, 2), 4.5, { seed: 1, classThresholds: [4.5, 2], labels: [0, 1, 0, 1, 0, 1, 0, 1] });
    const result: ExperimentResult = { ...fakeResult(), attacks: [attack] };
    const imported = parseImportedFile('results.json', resultsJsonText(result), 1);
    expect(imported.kind).toBe('results');
    if (imported.kind !== 'results') return;
    const [back] = imported.run.result.attacks;
    expect(back.intervals).toEqual(attack.intervals);
    expect(back.classThresholds).toEqual([4.5, 2]);
  });
});

describe('the controls', () => {
  it('offer the threshold scope (per class by default) and the audit switch (off by default)', () => {
    const markup = renderToStaticMarkup(createElement(AuditControls));
    expect(markup).toMatch(/data-testid="threshold-scope"/);
    expect(markup).toMatch(/<option value="per-class" selected="">one per class/);
    expect(markup).toMatch(/data-testid="audit-on"/);
    expect(markup).not.toMatch(/data-testid="audit-on"[^>]*checked/);
    expect(markup).toMatch(/One-run privacy audit \(off\)/);
  });
});
