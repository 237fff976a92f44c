/** Privacy against utility for defenses: one point per run, attack AUC (or TPR at 1 % FPR) against the target's test accuracy. */
import { memo, useMemo } from 'react';
import type { StoredRun } from '../../shared/storage/db';
import { useUiStore } from '../state/ui-store';
import { ChartFrame, arxiv } from './ChartFrame';
import { LightPlot, spread, type PlotSeries } from './LightPlot';
import { attackLabel } from './RocChart';
import { NO_DEFENSE, privacyAttacks, privacyUtilitySeries, type PrivacyPoint } from './privacy-data';

const COLOURS = ['#7f7f7f', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** What hovering a point says: the defenses, both coordinates and, for DP-SGD, the accountant's ε. */
function pointTitle(point: PrivacyPoint): string {
  return `${point.label}: test accuracy ${point.accuracy.toFixed(3)} · ${point.value.toFixed(3)}${point.epsilon !== undefined ? ` · ε ${point.epsilon.toFixed(2)}` : ''}`;
}

/** Every defense's points (joined by a line, as the defense's strength changes) and the chance level. */
function plotSeries(series: readonly { name: string; points: readonly PrivacyPoint[] }[], metric: 'auc' | 'tpr') {
  const points = series.flatMap((s) => s.points);
  const xs = points.map((p) => p.accuracy);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = (hi - lo) * 0.1 || 0.01;
  const xDomain = [lo - pad, hi + pad] as const;
  const chance = metric === 'auc' ? 0.5 : 0.01;
  const top = Math.max(chance * 1.2, ...points.map((p) => p.value));
  const yDomain = metric === 'auc' ? ([0.4, Math.ceil(top * 20) / 20] as const) : ([0, Math.ceil(top * 100) / 100] as const);
  const plotted: PlotSeries[] = [
    { name: 'chance', colour: '#aaa', kind: 'line', dashed: '6 4', unlisted: true, points: [[xDomain[0], chance], [xDomain[1], chance]] },
    ...series.flatMap((s, i): PlotSeries[] => {
      const colour = s.name === NO_DEFENSE ? '#7f7f7f' : COLOURS[(i % (COLOURS.length - 1)) + 1];
      const xy = s.points.map((p): [number, number] => [p.accuracy, p.value]);
      return [
        ...(s.name !== NO_DEFENSE && xy.length > 1 ? [{ name: `${s.name} (line)`, colour, kind: 'line' as const, unlisted: true, points: xy }] : []),
        { name: s.name, colour, kind: 'points', points: xy, titles: s.points.map(pointTitle) },
      ];
    }),
  ];
  return { plotted, xDomain, yDomain };
}

function PrivacyUtilityView({ runs }: { runs: readonly StoredRun[] }) {
  const attacks = useMemo(() => privacyAttacks(runs), [runs]);
  const chosen = useUiStore((s) => s.privacyAttack);
  const metric = useUiStore((s) => s.privacyMetric);
  const setChart = useUiStore((s) => s.setPrivacyChart);
  const attack = chosen && attacks.includes(chosen) ? chosen : (attacks.find((a) => a === 'loss') ?? attacks[0]);
  const { series, missing } = useMemo(() => (attack ? privacyUtilitySeries(runs, attack, metric) : { series: [], missing: 0 }), [runs, attack, metric]);
  const plot = useMemo(() => plotSeries(series, metric), [series, metric]);
  if (attacks.length === 0) return null;
  const yLabel = metric === 'auc' ? 'attack AUC' : 'TPR at 1 % FPR';
  return (
    <ChartFrame
      title="Privacy vs utility"
      testId="privacy-chart"
      explanation={
        <>
          Every run of this session with defenses, one point each: the target&apos;s test accuracy (what the defense costs) against
          the chosen attack&apos;s {yLabel} (what it still leaks). Grey points are runs without defenses. Down and to the right is
          better: private and useful.
        </>
      }
      more={
        <p>
          AUC 0.5 and TPR = FPR are chance. Reading attacks at a low false-positive rate follows Carlini et al. ({arxiv('2112.03570')});
          DP-SGD points carry the accountant&apos;s ε in their tooltip (Abadi et al., {arxiv('1607.00133')}).
        </p>
      }
    >
      <div className="toggle" role="group" aria-label="Privacy chart options">
        <label>
          Attack{' '}
          <select data-testid="privacy-attack" value={attack} onChange={(e) => setChart(e.target.value, metric)}>
            {attacks.map((a) => (
              <option key={a} value={a}>
                {attackLabel(a)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" aria-pressed={metric === 'auc'} onClick={() => setChart(attack, 'auc')}>
          AUC
        </button>
        <button type="button" aria-pressed={metric === 'tpr'} data-testid="privacy-tpr" onClick={() => setChart(attack, 'tpr')}>
          TPR @ 1% FPR
        </button>
      </div>
      {series.length === 0 ? (
        <p className="empty">No defended run has a {yLabel} for {attack ? attackLabel(attack) : 'this attack'}.</p>
      ) : (
        <LightPlot
          series={plot.plotted}
          x={{ scale: 'linear', domain: plot.xDomain, ticks: spread(plot.xDomain), format: (v) => v.toFixed(2), label: 'target test accuracy' }}
          y={{ scale: 'linear', domain: plot.yDomain, ticks: spread(plot.yDomain), format: (v) => v.toFixed(2), label: yLabel }}
        />
      )}
      {missing > 0 && <p className="hint">{missing} defended run(s) have no figure for this attack (not applicable under label-only, or not run).</p>}
    </ChartFrame>
  );
}

export const PrivacyUtility = memo(PrivacyUtilityView);
