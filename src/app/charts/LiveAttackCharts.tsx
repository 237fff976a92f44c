/**
 * The attacks while the target trains: its latest ROC curves and score histograms (chart-ready
 * from the worker, pipeline/live.ts), and the leakage over training, AUC and TPR at 1 % FPR per
 * epoch. The caption says what is shown mid-run, so a moving curve is never mistaken for a result.
 */
import { memo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ATTACK_NAMES } from '../../core/attacks/registry';
import type { EpochMetrics } from '../../core/models/train';
import type { LiveAttackCurve, LiveAttackSnapshot } from '../../core/pipeline/live';
import { useUiStore } from '../state/ui-store';
import { ChartFrame, arxiv, colourFor } from './ChartFrame';
import { attackLabel } from './RocChart';
import { LOG_FLOOR, formatRate, toLogRates, type Point } from './chart-data';

/** "epoch 12 of 30, no shadow threshold yet": what a live chart shows. */
export function liveCaption(snapshot: LiveAttackSnapshot): string {
  const thresholds = snapshot.shadowThresholds ? 'thresholds from the shadow models' : 'no shadow threshold yet';
  return `Live: epoch ${snapshot.epoch} of ${snapshot.epochs}, gap ${formatRate(snapshot.generalizationGap)}, ${thresholds}`;
}

const LOG_TICKS = [1e-4, 1e-3, 1e-2, 1e-1, 1];

function LiveRocView({ snapshot }: { snapshot: LiveAttackSnapshot }) {
  const log = useUiStore((s) => s.rocScale) === 'log';
  const axis = {
    type: 'number' as const,
    scale: log ? ('log' as const) : ('linear' as const),
    domain: [log ? LOG_FLOOR : 0, 1],
    ticks: log ? LOG_TICKS : [0, 0.2, 0.4, 0.6, 0.8, 1],
    tickFormatter: (v: number) => (log ? (v >= 0.01 ? String(v) : v.toExponential(0)) : v.toFixed(1)),
    allowDataOverflow: true,
  };
  const rows = (points: readonly Point[]) => (log ? toLogRates(points) : points).map(([fpr, tpr]) => ({ fpr, tpr }));
  const diagonal: Point[] = log ? [[LOG_FLOOR, LOG_FLOOR], [1, 1]] : [[0, 0], [1, 1]];
  return (
    <ChartFrame
      title="ROC curves while the target trains"
      testId="live-roc"
      explanation={
        <>
          <span data-testid="live-caption">{liveCaption(snapshot)}</span>. After each epoch the metric attacks score the target&apos;s
          current predictions on its members and non-members; watch the curves leave the diagonal as the model starts to memorise.
        </>
      }
      more={
        <p>
          TPR = members called members / members; FPR = non-members called members / non-members. Low-FPR reading after Carlini et al.
          ({arxiv('2112.03570')}). The final figures, with intervals, replace these when the run ends.
        </p>
      }
    >
      <ResponsiveContainer width="100%" height={300}>
        <LineChart margin={{ top: 5, right: 15, bottom: 20, left: 5 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="fpr" {...axis} label={{ value: 'false-positive rate', position: 'insideBottom', offset: -10 }} />
          <YAxis dataKey="tpr" {...axis} width={50} />
          <Legend verticalAlign="top" />
          <Line data={rows(diagonal)} dataKey="tpr" name="chance" stroke="#aaa" strokeDasharray="6 4" dot={false} isAnimationActive={false} legendType="none" />
          {snapshot.attacks.map((attack) => (
            <Line
              key={attack.name}
              data={rows(attack.roc)}
              dataKey="tpr"
              name={`${attackLabel(attack.name)} (AUC ${formatRate(attack.auc)})`}
              stroke={colourFor(attack.name, ATTACK_NAMES)}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

function LiveHistogram({ attack }: { attack: LiveAttackCurve }) {
  const { edges, members, nonMembers } = attack.histogram;
  const m = members.reduce((a, b) => a + b, 0) || 1;
  const n = nonMembers.reduce((a, b) => a + b, 0) || 1;
  const data = members.map((count, i) => ({ x: edges[i], members: count / m, nonMembers: nonMembers[i] / n }));
  const t = attack.threshold;
  const shown = t !== undefined && Number.isFinite(t) && t >= edges[0] && t <= edges[edges.length - 1];
  return (
    <div className="subchart" data-testid={`live-histogram-${attack.name}`}>
      <h4>{attackLabel(attack.name)}</h4>
      <ResponsiveContainer width="100%" height={150}>
        <AreaChart data={data} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={[edges[0], edges[edges.length - 1]]} tickFormatter={(v: number) => v.toPrecision(2)} />
          <YAxis width={40} tickFormatter={(v: number) => v.toFixed(2)} />
          <Area type="stepAfter" dataKey="members" stroke="#d62728" fill="#d62728" fillOpacity={0.25} isAnimationActive={false} />
          <Area type="stepAfter" dataKey="nonMembers" stroke="#1f77b4" fill="#1f77b4" fillOpacity={0.25} isAnimationActive={false} />
          {shown && <ReferenceLine x={t} stroke="#000" strokeDasharray="4 3" />}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

function LiveHistogramsView({ snapshot }: { snapshot: LiveAttackSnapshot }) {
  return (
    <ChartFrame
      title="Member vs non-member scores while the target trains"
      testId="live-histograms"
      explanation={
        <>
          {liveCaption(snapshot)}. <span style={{ color: '#d62728' }}>Members</span> against <span style={{ color: '#1f77b4' }}>non-members</span>,
          each as a fraction of its group; the dashed line is the shadow models&apos; threshold once they are trained.
        </>
      }
    >
      <div className="grid">
        {snapshot.attacks.filter((a) => a.name !== 'random').map((a) => (
          <LiveHistogram key={a.name} attack={a} />
        ))}
      </div>
    </ChartFrame>
  );
}

interface LeakageRow {
  readonly epoch: number;
  readonly [series: string]: number;
}

/** One row per epoch that has attack figures: `<attack>:auc` and `<attack>:tpr` columns. */
export function leakageRows(history: readonly EpochMetrics[]): LeakageRow[] {
  return history.flatMap((h) =>
    h.attacks ? [Object.fromEntries([['epoch', h.epoch], ...h.attacks.flatMap((a) => [[`${a.name}:auc`, a.auc], [`${a.name}:tpr`, a.tprAt1]])]) as LeakageRow] : [],
  );
}

function LeakageOverTrainingView({ history, live, stale }: { history: readonly EpochMetrics[]; live?: boolean; stale?: boolean }) {
  const rows = leakageRows(history);
  const names = [...new Set(history.flatMap((h) => h.attacks?.map((a) => a.name) ?? []))].filter((n) => n !== 'random');
  return (
    <ChartFrame
      title="Leakage over training"
      testId="leakage-chart"
      stale={stale}
      explanation={
        <>
          {live ? 'Live: ' : ''}each attack&apos;s AUC (solid) and TPR at 1 % FPR (dashed) on the target after each scored epoch. Membership
          leaks as the model overfits: both climb while the training accuracy pulls away from the test accuracy.
        </>
      }
      more={<p>TPR at a fixed low FPR counts FPR strictly below the budget, as Carlini et al. do ({arxiv('2112.03570')}).</p>}
    >
      {rows.length === 0 ? (
        <p className="empty">No per-epoch attack figures: this run came from the cache under other attack settings, or from an imported file.</p>
      ) : (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={rows} margin={{ top: 5, right: 15, bottom: 20, left: 5 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="epoch" type="number" domain={['dataMin', 'dataMax']} label={{ value: 'epoch', position: 'insideBottom', offset: -10 }} />
            <YAxis domain={[0, 1]} width={45} />
            <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
            <Legend verticalAlign="top" />
            {names.flatMap((name) => [
              <Line key={`${name}:auc`} dataKey={`${name}:auc`} name={`${attackLabel(name)} AUC`} stroke={colourFor(name, ATTACK_NAMES)} dot={false} isAnimationActive={false} />,
              <Line key={`${name}:tpr`} dataKey={`${name}:tpr`} name={`${attackLabel(name)} TPR@1%`} stroke={colourFor(name, ATTACK_NAMES)} strokeDasharray="4 3" dot={false} isAnimationActive={false} legendType="none" />,
            ])}
          </LineChart>
        </ResponsiveContainer>
      )}
    </ChartFrame>
  );
}

export const LiveRoc = memo(LiveRocView);
export const LiveHistograms = memo(LiveHistogramsView);
export const LeakageOverTraining = memo(LeakageOverTrainingView);
