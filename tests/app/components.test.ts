/**
 * Component tests without a DOM: components that take their data as props rendered to HTML with
 * react-dom/server from results built by hand, asserting what a student would read. (Components
 * that read the zustand stores render the stores' initial state on the server, so those are
 * covered by the store tests and the Chromium end-to-end test.)
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ResultsTable } from '../../src/app/charts/RocChart';
import { DefenseSummary } from '../../src/app/components/DefenseSummary';
import { RunProgressView, formatCount } from '../../src/app/components/RunPanel';
import { configHash } from '../../src/core/hash';
import { IDLE_RUN, reduceProgress, startedRun } from '../../src/app/state/run-store';
import { parseExperimentConfig } from '../../src/core/config';
import type { ExperimentResult } from '../../src/core/experiment';
import { fakeResult, TINY_CONFIG } from './fixtures';

const html = (element: ReturnType<typeof createElement>) => renderToStaticMarkup(element);

describe('components', () => {
  it('groups a record count by thousands as en-US does, without the browser\'s Intl', () => {
    expect([0, 999, 1000, 70_000, 1_234_567].map(formatCount)).toEqual(['0', '999', '1,000', '70,000', '1,234,567']);
  });

  it('the results table shows each attack\'s figures and "not applicable" rows without numbers', () => {
    const result = fakeResult();
    const markup = html(createElement(ResultsTable, { attacks: result.attacks, notApplicable: [{ name: 'entropy', reason: 'not applicable: labels only' }] }));
    expect(markup).toContain('0.750');
    expect(markup).toMatch(/not applicable/);
    expect(markup).not.toMatch(/NaN/);
  });

  it('the defense summary prices the defenses and puts the accountant\'s ε beside the empirical bound', () => {
    const result: ExperimentResult = {
      ...fakeResult(parseExperimentConfig({ defenses: { 'dp-sgd': {} } })),
      defense: { defenses: { 'dp-sgd': {} }, active: ['dp-sgd'], labelOnly: false, testAccuracy: { defended: 0.6, undefended: 0.85 }, trainAccuracy: { defended: 0.62, undefended: 1 } },
      privacy: {
        delta: 1e-5,
        accountant: { epsilon: 4.2, order: 6, noiseMultiplier: 1.1, effectiveNoiseMultiplier: 1.1, steps: 100, samplingRate: 0.1, samplingMatchesAccountant: true },
        empirical: [{ attack: 'loss', epsilon: 0.31, threshold: 0.5 }],
      },
    };
    const markup = html(createElement(DefenseSummary, { result }));
    expect(markup).toMatch(/4\.2/);
    expect(markup).toMatch(/0\.31/);
    expect(markup).toMatch(/60\.0\s*%|60%|0\.600/);
  });

  it('the progress view lists every stage with its state', () => {
    const run = reduceProgress(startedRun(TINY_CONFIG, configHash(TINY_CONFIG), 0), { type: 'stage-start', stage: 'train-target' }, 10);
    const markup = html(createElement(RunProgressView, { run }));
    expect(markup).toContain('data-testid="stage-train-target"');
    expect(markup).toMatch(/data-testid="stage-train-target"[^>]*data-status="running"/);
    expect(markup).toMatch(/data-testid="stage-predict"[^>]*data-status="pending"/);
    expect(html(createElement(RunProgressView, { run: IDLE_RUN }))).toMatch(/data-testid="run-status" data-status="idle"/);
  });
});
