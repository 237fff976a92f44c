/** Every attack's ROC curve on one chart, linear or log-log, with the chance diagonal; the table of figures beside it. */
import { memo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ATTACK_NAMES, ATTACKS } from '../../core/attacks/registry';
import type { AttackResult } from '../../core/attacks/evaluate';
import { useUiStore } from '../state/ui-store';
import { useRecordsStore } from '../records/records-store';
import { ChartFrame, arxiv, colourFor } from './ChartFrame';
import { LOG_FLOOR, formatRate, thinCurve, toLogRates, type Point } from './chart-data';

export function attackLabel(name: string): string {
  return (ATTACKS as Record<string, { label: string } | undefined>)[name]?.label ?? name;
}

const LOG_TICKS = [1e-4, 1e-3, 1e-2, 1e-1, 1];
const MAX_POINTS = 300;

function toRows(points: readonly Point[]) {
  return points.map(([fpr, tpr]) => ({ fpr, tpr }));
}

function RocChartView({ attacks, stale }: { attacks: readonly AttackResult[]; stale?: boolean }) {
  const scale = useUiStore((s) => s.rocScale);
  const setScale = useUiStore((s) => s.setRocScale);
  // Linked to the Records view: the FPR under the mouse lights up the records above that threshold.
  const setHoverFpr = useRecordsStore((s) => s.setHoverFpr);
  const log = scale === 'log';
  const floor = log ? LOG_FLOOR : 0;
  const diagonal: Point[] = log ? [[LOG_FLOOR, LOG_FLOOR], [1, 1]] : [[0, 0], [1, 1]];
  const formatTick = (v: number) => (log ? (v >= 0.01 ? String(v) : v.toExponential(0)) : v.toFixed(1));
  // Both axes are rates on the same scale: linear 0..1, or log down to the smallest FPR the set allows.
  const axis = {
    type: 'number' as const,
    scale: log ? ('log' as const) : ('linear' as const),
    domain: [floor, 1],
    ticks: log ? LOG_TICKS : [0, 0.2, 0.4, 0.6, 0.8, 1],
    tickFormatter: formatTick,
    allowDataOverflow: true,
  };
  return (
    <ChartFrame
      title="ROC curves"
      testId="roc-chart"
      stale={stale}
      explanation={
        <>
          Each curve sweeps an attack&apos;s threshold over the target&apos;s members (positives) and non-members: true-positive
          rate against false-positive rate. The dashed diagonal is guessing. On log-log axes the low-FPR corner, where an attack
          is confidently right about a few records, becomes visible.
        </>
      }
      more={
        <p>
          TPR = members called members / members; FPR = non-members called members / non-members; AUC is the area under the
          curve. Reporting TPR at a low FPR such as 0.1% follows Carlini et al., &quot;Membership Inference Attacks From First
          Principles&quot; ({arxiv('2112.03570')}).
        </p>
      }
    >
      <div className="toggle" role="group" aria-label="ROC axes">
        <button type="button" aria-pressed={!log} onClick={() => setScale('linear')}>
          Linear
        </button>
        <button type="button" aria-pressed={log} data-testid="roc-log" onClick={() => setScale('log')}>
          Log-log
        </button>
      </div>
      <ResponsiveContainer width="100%" height={340}>
        <LineChart
          margin={{ top: 5, right: 15, bottom: 20, left: 5 }}
          onMouseMove={(state) => setHoverFpr(typeof state?.activeLabel === 'number' ? state.activeLabel : state?.activeLabel !== undefined ? Number(state.activeLabel) : undefined)}
          onMouseLeave={() => setHoverFpr(undefined)}
        >
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="fpr" {...axis} label={{ value: 'false-positive rate', position: 'insideBottom', offset: -10 }} />
          <YAxis dataKey="tpr" {...axis} width={50} label={{ value: 'true-positive rate', angle: -90, position: 'insideLeft', offset: 10 }} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))} labelFormatter={(v) => `FPR ${Number(v).toFixed(4)}`} />
          <Legend verticalAlign="top" />
          <Line data={toRows(diagonal)} dataKey="tpr" name="chance" stroke="#aaa" strokeDasharray="6 4" dot={false} isAnimationActive={false} legendType="none" />
          {attacks.map((attack) => {
            const points = thinCurve(attack.roc, MAX_POINTS, scale);
            return (
              <Line
                key={attack.name}
                data={toRows(log ? toLogRates(points) : points)}
                dataKey="tpr"
                name={`${attackLabel(attack.name)} (AUC ${formatRate(attack.auc)})`}
                stroke={colourFor(attack.name, ATTACK_NAMES)}
                dot={false}
                isAnimationActive={false}
                type="linear"
              />
            );
          })}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

interface NotApplicable {
  readonly name: string;
  readonly reason: string;
}

function ResultsTableView({ attacks, notApplicable = [] }: { attacks: readonly AttackResult[]; notApplicable?: readonly NotApplicable[] }) {
  return (
    <table className="results-table" data-testid="results-table">
      <thead>
        <tr>
          <th scope="col">Attack</th>
          <th scope="col" title="Area under the ROC curve">AUC</th>
          <th scope="col" title="Accuracy at the shadow-chosen threshold (what an attacker gets)">Accuracy</th>
          <th scope="col" title="Accuracy at the best threshold on the target itself (an oracle bound)">Best acc.</th>
          <th scope="col" title="max(TPR − FPR)">Advantage</th>
          <th scope="col">TPR @ 0.1% FPR</th>
          <th scope="col">TPR @ 1% FPR</th>
          <th scope="col">TPR @ 10% FPR</th>
          <th scope="col" title="Member iff score ≥ threshold">Threshold</th>
        </tr>
      </thead>
      <tbody>
        {attacks.map((a) => (
          <tr key={a.name} data-attack={a.name}>
            <th scope="row" title={(ATTACKS as Record<string, { explanation: string } | undefined>)[a.name]?.explanation}>
              <span className="swatch" style={{ background: colourFor(a.name, ATTACK_NAMES) }} />
              {attackLabel(a.name)}
            </th>
            <td data-metric="auc">{formatRate(a.auc)}</td>
            <td data-metric="accuracy">{formatRate(a.accuracy)}</td>
            <td>{formatRate(a.bestAccuracy)}</td>
            <td>{formatRate(a.advantage)}</td>
            <td>{formatRate(a.tprAtFpr['0.001'])}</td>
            <td>{formatRate(a.tprAtFpr['0.01'])}</td>
            <td>{formatRate(a.tprAtFpr['0.1'])}</td>
            <td>{a.threshold === Infinity ? 'nobody' : a.threshold === -Infinity ? 'everybody' : Number.isFinite(a.threshold) ? a.threshold.toPrecision(4) : '—'}</td>
          </tr>
        ))}
        {notApplicable.map((a) => (
          <tr key={a.name} data-attack={a.name} data-not-applicable="true" className="not-applicable">
            <th scope="row">
              <span className="swatch" style={{ background: '#ccc' }} />
              {attackLabel(a.name)}
            </th>
            <td colSpan={8} className="reason" title={a.reason}>
              <strong>not applicable</strong> · {a.reason.replace(/^not applicable:\s*/i, '')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Memoised: the page re-renders on every progress event, and these charts only change with their result. */
export const RocChart = memo(RocChartView);

/** Memoised: the page re-renders on every progress event, and these charts only change with their result. */
export const ResultsTable = memo(ResultsTableView);
