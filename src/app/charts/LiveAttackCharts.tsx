/**
 * The attacks while the target trains: its latest ROC curves and score histograms (chart-ready
 * from the worker, pipeline/live.ts), and the leakage over training, AUC and TPR at 1 % FPR per
 * epoch. The caption says what is shown mid-run, so a moving curve is never mistaken for a result.
 */
import { memo } from 'react';
import { ATTACK_NAMES } from '../../core/attacks/registry';
import type { EpochMetrics } from '../../core/models/train';
import type { LiveAttackCurve, LiveAttackSnapshot } from '../../core/pipeline/live';
import { useUiStore } from '../state/ui-store';
import { ChartFrame, arxiv, colourFor } from './ChartFrame';
import { attackLabel } from './RocChart';
import { LOG_FLOOR, formatRate, toLogRates, yeomLine, type Point } from './chart-data';
import { LightLines, type LightSeries } from './LightLines';
import { LightPlot, epochAxis, type PlotSeries } from './LightPlot';
import { gapTrajectory } from './GapScatter';

/** "epoch 12 of 30, no shadow threshold yet": what a live chart shows. */
export function liveCaption(snapshot: LiveAttackSnapshot): string {
  const thresholds = snapshot.shadowThresholds ? 'thresholds from the shadow models' : 'no shadow threshold yet';
  return `Live: epoch ${snapshot.epoch} of ${snapshot.epochs}, gap ${formatRate(snapshot.generalizationGap)}, ${thresholds}`;
}

const LOG_TICKS = [1e-4, 1e-3, 1e-2, 1e-1, 1];

/**
 * While the target trains, every chart here is drawn light (LightLines.tsx, plain SVG): redrawing
 * recharts (the lab's charts before) a few times a second held the main thread 0.1–1 s each time.
 */
function LiveRocView({ snapshot }: { snapshot: LiveAttackSnapshot }) {
  const log = useUiStore((s) => s.rocScale) === 'log';
  // Log-log: the rates as log10, from the floor the set allows to 1.
  const scaled = (points: readonly Point[]): [number, number][] => (log ? toLogRates(points).map(([f, t]) => [Math.log10(f), Math.log10(t)]) : points.map(([f, t]) => [f, t]));
  const domain: [number, number] = log ? [Math.log10(LOG_FLOOR), 0] : [0, 1];
  const series: LightSeries[] = [
    { name: 'chance', colour: '#aaa', dashed: true, points: scaled(log ? [[LOG_FLOOR, LOG_FLOOR], [1, 1]] : [[0, 0], [1, 1]]) },
    ...snapshot.attacks.map((attack) => ({
      name: `${attackLabel(attack.name)} (AUC ${formatRate(attack.auc)})`,
      colour: colourFor(attack.name, ATTACK_NAMES),
      points: scaled(attack.roc),
    })),
  ];
  return (
    <ChartFrame
      title="ROC curves while the target trains"
      testId="live-roc"
      explanation={
        <>
          <span data-testid="live-caption">{liveCaption(snapshot)}</span>. After each epoch the metric attacks score the target&apos;s
          current predictions on its members and non-members; watch the curves leave the diagonal as the model starts to memorise.
          {log ? ' Axes: log10 of the rates.' : ''}
        </>
      }
      more={
        <p>
          TPR = members called members / members; FPR = non-members called members / non-members. Low-FPR reading after Carlini et al.
          ({arxiv('2112.03570')}). The final figures, with intervals, replace these when the run ends.
        </p>
      }
    >
      <LightLines series={series} xDomain={domain} yDomain={domain} xLabel={log ? 'log10 false-positive rate' : 'false-positive rate'} />
      <LightLegend series={series.slice(1)} />
    </ChartFrame>
  );
}

/** Names and colours under a light chart (it has no legend of its own). */
function LightLegend({ series }: { series: readonly LightSeries[] }) {
  return (
    <p className="light-legend">
      {series.map((s) => (
        <span key={s.name} style={{ color: s.colour, marginRight: '1em' }}>
          {s.dashed ? '- - ' : '— '}
          {s.name}
        </span>
      ))}
    </p>
  );
}

function LiveHistogram({ attack }: { attack: LiveAttackCurve }) {
  const { edges, members, nonMembers } = attack.histogram;
  if (edges.length === 0) return null;
  // Each group as a fraction of itself, drawn as a step line over the bins.
  const steps = (counts: readonly number[]): [number, number][] => {
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    return counts.flatMap((count, i): [number, number][] => [[edges[i], count / total], [edges[i + 1], count / total]]);
  };
  const m = steps(members);
  const n = steps(nonMembers);
  const top = Math.max(0.01, ...m.map(([, y]) => y), ...n.map(([, y]) => y));
  const t = attack.threshold;
  const series: LightSeries[] = [
    { name: 'members', colour: '#d62728', points: m },
    { name: 'non-members', colour: '#1f77b4', points: n },
    ...(t !== undefined && Number.isFinite(t) && t >= edges[0] && t <= edges[edges.length - 1] ? [{ name: 'threshold', colour: '#000', dashed: true, points: [[t, 0], [t, top]] as [number, number][] }] : []),
  ];
  return (
    <div className="subchart" data-testid={`live-histogram-${attack.name}`}>
      <h4>{attackLabel(attack.name)}</h4>
      <LightLines series={series} xDomain={[edges[0], edges[edges.length - 1]]} yDomain={[0, top]} xLabel="score" />
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

function leakageSeries(history: readonly EpochMetrics[], names: readonly string[]): LightSeries[] {
  const of = (name: string, pick: (a: NonNullable<EpochMetrics['attacks']>[number]) => number) =>
    history.flatMap((h) => h.attacks?.filter((a) => a.name === name).map((a): [number, number] => [h.epoch, pick(a)]) ?? []);
  return names.flatMap((name) => [
    { name: `${attackLabel(name)} AUC`, colour: colourFor(name, ATTACK_NAMES), points: of(name, (a) => a.auc) },
    { name: `${attackLabel(name)} TPR@1%`, colour: colourFor(name, ATTACK_NAMES), dashed: true, points: of(name, (a) => a.tprAt1) },
  ]);
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
      ) : live ? (
        <>
          <LightLines series={leakageSeries(history, names)} xDomain={[Math.min(...rows.map((r) => r.epoch)), Math.max(...rows.map((r) => r.epoch))]} yDomain={[0, 1]} xLabel="epoch" />
          <LightLegend series={leakageSeries(history, names).filter((s) => !s.dashed)} />
        </>
      ) : (
        <LightPlot
          series={leakageSeries(history, names).map((l): PlotSeries => ({ name: l.name, colour: l.colour, kind: 'line', points: l.points, ...(l.dashed ? { dashed: '4 3', unlisted: true } : {}) }))}
          x={epochAxis(rows.map((r) => r.epoch))}
          y={{ scale: 'linear', domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => v.toFixed(2), label: 'AUC (solid), TPR at 1 % FPR (dashed)' }}
        />
      )}
    </ChartFrame>
  );
}

/** The target's path on the gap chart while it trains: (gap, attack accuracy) per scored epoch, against (1 + g)/2. */
function LiveGapTrajectoryView({ history }: { history: readonly EpochMetrics[] }) {
  const paths = gapTrajectory(history);
  const gaps = [...paths.values()].flat().map((p) => p.gap);
  const line = yeomLine(gaps);
  const series: LightSeries[] = [
    { name: '(1 + g)/2', colour: '#555', dashed: true, points: line },
    ...[...paths.entries()].map(([name, points]) => ({ name: attackLabel(name), colour: colourFor(name, ATTACK_NAMES), points: points.map((p): [number, number] => [p.gap, p.accuracy]) })),
  ];
  return (
    <ChartFrame
      title="Attack accuracy vs generalization gap while the target trains"
      testId="live-gap"
      explanation={
        <>
          Live: the target&apos;s path epoch by epoch, the gap g = train − test accuracy against each threshold attack&apos;s accuracy at the
          shadow models&apos; threshold. The dashed line is (1 + g)/2, what the correctness attack gets (Yeom et al., {arxiv('1709.01604')}).
        </>
      }
    >
      {paths.size === 0 ? (
        <p className="empty">No threshold attack with a shadow threshold yet.</p>
      ) : (
        <>
          <LightLines series={series} xDomain={[line[0][0], line[line.length - 1][0]]} yDomain={[0.4, Math.max(0.75, ...series.flatMap((s) => s.points.map(([, y]) => y)))]} xLabel="generalization gap g" />
          <LightLegend series={series} />
        </>
      )}
    </ChartFrame>
  );
}

export const LiveRoc = memo(LiveRocView);
export const LiveGapTrajectory = memo(LiveGapTrajectoryView);
export const LiveHistograms = memo(LiveHistogramsView);
export const LeakageOverTraining = memo(LeakageOverTrainingView);
