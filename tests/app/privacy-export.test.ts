import { describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../src/core/config';
import type { ExperimentResult } from '../../src/core/experiment';
import { NO_DEFENSE, privacyAttacks, privacyUtilitySeries } from '../../src/app/charts/privacy-data';
import { escapeXml, fileStem, svgDocument, svgSize } from '../../src/app/charts/export-chart';
import { strongestEmpirical } from '../../src/app/components/DefenseSummary';
import type { StoredRun } from '../../src/shared/storage/db';
import { fakeResult } from './fixtures';

function run(hash: string, defenses: object, testAccuracy: number, auc: number, extra: Partial<ExperimentResult> = {}): StoredRun {
  const config = parseExperimentConfig({ defenses });
  const base = fakeResult(config);
  const result: ExperimentResult = {
    ...base,
    attacks: base.attacks.map((a) => ({ ...a, auc, tprAtFpr: { ...a.tprAtFpr, '0.01': auc / 10 } })),
    ...(Object.keys(defenses).length > 0
      ? { defense: { defenses: config.defenses, active: [], testAccuracy: { defended: testAccuracy, undefended: 0.9 }, trainAccuracy: { defended: 1, undefended: 1 }, labelOnly: false } }
      : { target: { ...base.target, testAccuracy } }),
    ...extra,
  };
  return { hash, config, result, finishedAt: 0, origin: 'run' };
}

describe('privacy vs utility points', () => {
  const runs = [
    run('a', {}, 0.9, 0.8),
    run('b', { 'dp-sgd': { noiseMultiplier: 1 } }, 0.7, 0.55, { privacy: { delta: 1e-5, empirical: [], accountant: { epsilon: 3, order: 8, noiseMultiplier: 1, effectiveNoiseMultiplier: 1, steps: 10, samplingRate: 0.1, samplingMatchesAccountant: true } } }),
    run('c', { 'dp-sgd': { noiseMultiplier: 3 } }, 0.5, 0.51),
    run('d', { l2: { lambda: 0.01 } }, 0.85, 0.7),
    run('e', { 'label-only': {} }, 0.9, NaN, { attacks: [], notApplicable: [{ name: 'loss', reason: 'labels only' }] }),
  ];

  it('plots defended runs by defense, with the undefended runs as the baseline', () => {
    const { series, missing } = privacyUtilitySeries(runs, 'loss', 'auc');
    expect(series.map((s) => s.name)).toEqual([NO_DEFENSE, 'DP-SGD', 'L2 weight decay']);
    expect(series[1].points.map((p) => [p.accuracy, p.value])).toEqual([[0.5, 0.51], [0.7, 0.55]]);
    expect(series[1].points[1]).toMatchObject({ epsilon: 3, label: expect.stringContaining('Noise σ 1') });
    expect(series[0].points).toEqual([expect.objectContaining({ accuracy: 0.9, value: 0.8 })]);
    // label-only has no loss figure: counted, never drawn as NaN.
    expect(missing).toBe(1);
  });

  it('switches to TPR at 1 % FPR, and is empty without defended runs', () => {
    expect(privacyUtilitySeries(runs, 'loss', 'tpr').series[2].points[0].value).toBeCloseTo(0.07);
    expect(privacyUtilitySeries([runs[0]], 'loss', 'auc')).toEqual({ series: [], missing: 0 });
    expect(privacyAttacks(runs)).toEqual(['loss']);
    expect(privacyAttacks([runs[0]])).toEqual([]);
  });

  it('names the strongest empirical ε, ignoring zero and infinite bounds', () => {
    expect(strongestEmpirical([{ attack: 'loss', epsilon: 0.4, threshold: 1 }, { attack: 'entropy', epsilon: 1.2, threshold: 1 }, { attack: 'random', epsilon: 0, threshold: 1 }])?.attack).toBe('entropy');
    expect(strongestEmpirical([{ attack: 'random', epsilon: 0, threshold: 1 }])).toBeUndefined();
  });
});

describe('chart export documents', () => {
  it('places each part and text in one standalone, escaped SVG', () => {
    const svg = svgDocument(300.4, 200, [{ x: 10, y: 28, markup: '<svg width="100" height="50"><path d="M0 0L1 1"/></svg>' }], [{ x: 4, y: 18, text: 'ROC <curves> & more', bold: true }]);
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="301" height="200" viewBox="0 0 301 200"/);
    expect(svg).toContain('<g transform="translate(10,28)"><svg width="100" height="50">');
    expect(svg).toContain('ROC &lt;curves&gt; &amp; more');
    expect(svgSize(svg)).toEqual({ width: 301, height: 200 });
  });

  it('reads sizes of the core’s figures and names files safely', () => {
    expect(svgSize('<svg xmlns="x" viewBox="0 0 640 480">')).toEqual({ width: 640, height: 480 });
    expect(svgSize('not svg')).toBeUndefined();
    expect(fileStem('Privacy vs utility')).toBe('privacy-vs-utility');
    expect(escapeXml('"a"')).toBe('&quot;a&quot;');
  });
});
