/** Privacy against utility for defenses: one point per run, attack AUC (or TPR at 1 % FPR) against the target's test accuracy. */
import { memo, useMemo } from 'react';
import { CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { StoredRun } from '../../shared/storage/db';
import { useUiStore } from '../state/ui-store';
import { ChartFrame, arxiv } from './ChartFrame';
import { attackLabel } from './RocChart';
import { NO_DEFENSE, privacyAttacks, privacyUtilitySeries, type PrivacyPoint } from './privacy-data';

const COLOURS = ['#7f7f7f', '#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function PointTooltip({ active, payload }: { active?: boolean; payload?: readonly { payload?: PrivacyPoint }[] }) {
  const point = active ? payload?.[0]?.payload : undefined;
  if (!point) return null;
  return (
    <div className="tooltip">
      <strong>{point.label}</strong>
      <br />
      test accuracy {point.accuracy.toFixed(3)} · {point.value.toFixed(3)}
      {point.epsilon !== undefined && ` · ε ${point.epsilon.toFixed(2)}`}
    </div>
  );
}

function PrivacyUtilityView({ runs }: { runs: readonly StoredRun[] }) {
  const attacks = useMemo(() => privacyAttacks(runs), [runs]);
  const chosen = useUiStore((s) => s.privacyAttack);
  const metric = useUiStore((s) => s.privacyMetric);
  const setChart = useUiStore((s) => s.setPrivacyChart);
  const attack = chosen && attacks.includes(chosen) ? chosen : (attacks.find((a) => a === 'loss') ?? attacks[0]);
  const { series, missing } = useMemo(() => (attack ? privacyUtilitySeries(runs, attack, metric) : { series: [], missing: 0 }), [runs, attack, metric]);
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
        <ResponsiveContainer width="100%" height={300}>
          <ScatterChart margin={{ top: 5, right: 15, bottom: 20, left: 5 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="accuracy" type="number" domain={['auto', 'auto']} tickFormatter={(v: number) => v.toFixed(2)} name="test accuracy" label={{ value: 'target test accuracy', position: 'insideBottom', offset: -10 }} />
            <YAxis dataKey="value" type="number" domain={metric === 'auc' ? [0.4, 'auto'] : [0, 'auto']} width={45} tickFormatter={(v: number) => v.toFixed(2)} name={yLabel} />
            {metric === 'auc' && <ReferenceLine y={0.5} stroke="#aaa" strokeDasharray="6 4" />}
            {metric === 'tpr' && <ReferenceLine y={0.01} stroke="#aaa" strokeDasharray="6 4" />}
            <Tooltip content={<PointTooltip />} />
            <Legend verticalAlign="top" />
            {series.map((s, i) => (
              <Scatter key={s.name} name={s.name} data={s.points as PrivacyPoint[]} fill={s.name === NO_DEFENSE ? '#7f7f7f' : COLOURS[(i % (COLOURS.length - 1)) + 1]} line={s.name !== NO_DEFENSE} isAnimationActive={false} />
            ))}
          </ScatterChart>
        </ResponsiveContainer>
      )}
      {missing > 0 && <p className="hint">{missing} defended run(s) have no figure for this attack (not applicable under label-only, or not run).</p>}
    </ChartFrame>
  );
}

export const PrivacyUtility = memo(PrivacyUtilityView);
