/** Train and test accuracy and loss per epoch, target and shadow: the generalization gap, live. */
import { memo } from 'react';
import type { EpochMetrics } from '../../core/models/train';
import { ChartFrame, arxiv } from './ChartFrame';
import { trainingRows } from './chart-data';
import { LightLines, type LightSeries } from './LightLines';
import { LightPlot, epochAxis, spread, type PlotSeries } from './LightPlot';
import { QueuedDraw } from './QueuedDraw';

interface Props {
  readonly target: readonly EpochMetrics[];
  readonly shadow?: readonly EpochMetrics[];
  readonly stale?: boolean;
  readonly live?: boolean;
}

const SERIES = [
  { key: 'target.train', label: 'target train', colour: '#1f77b4', dash: undefined },
  { key: 'target.test', label: 'target test', colour: '#1f77b4', dash: '5 4' },
  { key: 'shadow.train', label: 'shadow train', colour: '#ff7f0e', dash: undefined },
  { key: 'shadow.test', label: 'shadow test', colour: '#ff7f0e', dash: '5 4' },
] as const;

function MetricChart({ rows, metric, label }: { rows: ReturnType<typeof trainingRows>; metric: 'Accuracy' | 'Loss'; label: string }) {
  const series: PlotSeries[] = SERIES.flatMap((s) => {
    const [model, split] = s.key.split('.');
    const key = `${model}.${split}${metric}`;
    const points = rows.filter((r) => Number.isFinite(r[key])).map((r): [number, number] => [r.epoch, r[key]]);
    return points.length === 0 ? [] : [{ name: s.label, colour: s.colour, kind: 'line' as const, points, ...(s.dash ? { dashed: s.dash } : {}) }];
  });
  const top = metric === 'Accuracy' ? 1 : Math.ceil(Math.max(0.1, ...series.flatMap((s) => s.points.map(([, v]) => v))) * 10) / 10;
  /** Each curve's value at the hovered epoch. */
  const readout = (x: number) =>
    series.map((s) => {
      const nearest = s.points.reduce((best, p) => (Math.abs(p[0] - x) < Math.abs(best[0] - x) ? p : best));
      return `${s.name} ${nearest[1].toFixed(3)} (epoch ${nearest[0]})`;
    });
  return (
    <div className="subchart">
      <h4>{label}</h4>
      <LightPlot
        series={series}
        x={epochAxis(rows.map((r) => r.epoch))}
        y={{ scale: 'linear', domain: [0, top], ticks: spread([0, top]), format: (v) => v.toFixed(2), label: metric.toLowerCase() }}
        readout={readout}
      />
    </div>
  );
}

/** The same series as MetricChart, drawn light (LightLines.tsx) while the run goes on. */
function LiveMetricChart({ rows, metric, label }: { rows: ReturnType<typeof trainingRows>; metric: 'Accuracy' | 'Loss'; label: string }) {
  const series: LightSeries[] = [];
  let top = metric === 'Accuracy' ? 1 : 0;
  for (const s of SERIES) {
    const [model, split] = s.key.split('.');
    const dataKey = `${model}.${split}${metric}`;
    const points = rows.filter((r) => dataKey in r).map((r) => [r.epoch, r[dataKey]] as const);
    if (points.length === 0) continue;
    if (metric === 'Loss') for (const [, y] of points) if (Number.isFinite(y)) top = Math.max(top, y * 1.05);
    series.push({ name: s.label, colour: s.colour, dashed: s.dash !== undefined, points });
  }
  const epochs = Math.max(1, ...rows.map((r) => r.epoch));
  return (
    <div className="subchart">
      <h4>{label}</h4>
      <LightLines series={series} xDomain={[1, epochs]} yDomain={[0, top || 1]} xLabel="epoch" />
    </div>
  );
}

function TrainingCurvesView({ target, shadow = [], stale, live }: Props) {
  const rows = trainingRows(target, shadow);
  return (
    <ChartFrame
      title={live ? 'Training curves (live)' : 'Training curves'}
      testId="training-curves"
      stale={stale}
      explanation={
        <>
          Solid lines are the training part (the members), dashed the held-out test part. The distance between them is the
          generalization gap g = train accuracy − test accuracy, which is what the simplest attacks exploit.
        </>
      }
      more={
        <p>
          Loss is the mean cross-entropy −log p<sub>y</sub>. Yeom et al. ({arxiv('1709.01604')}) show that an attacker gains
          advantage g from overfitting alone; the shadow model (Shokri et al., {arxiv('1610.05820')}) is trained like the target
          on disjoint data so its members and non-members can calibrate the attacks.
        </p>
      }
    >
      {rows.length === 0 ? (
        <p className="empty">No epochs yet.</p>
      ) : (
        <div className="pair">
          {/* Live: plain SVG, redrawn a few times a second for a millisecond each; the finished run gets
              LightPlot (legend, hover readout), one chart per task (QueuedDraw.tsx). */}
          {live ? (
            <>
              <LiveMetricChart rows={rows} metric="Accuracy" label="Accuracy" />
              <LiveMetricChart rows={rows} metric="Loss" label="Loss" />
            </>
          ) : (
            <>
              <QueuedDraw minHeight={250} name="training-accuracy">
                <MetricChart rows={rows} metric="Accuracy" label="Accuracy" />
              </QueuedDraw>
              <QueuedDraw minHeight={250} name="training-loss">
                <MetricChart rows={rows} metric="Loss" label="Loss" />
              </QueuedDraw>
            </>
          )}
        </div>
      )}
    </ChartFrame>
  );
}

/** The same curves: an instant re-run brings the very histories again, in new arrays. */
function sameHistory(a: readonly EpochMetrics[], b: readonly EpochMetrics[]): boolean {
  return (
    a === b ||
    (a.length === b.length &&
      a.every((m, i) => m.epoch === b[i].epoch && m.trainLoss === b[i].trainLoss && m.testLoss === b[i].testLoss && m.trainAccuracy === b[i].trainAccuracy && m.testAccuracy === b[i].testAccuracy))
  );
}

/**
 * Memoised: the page re-renders on every progress event, and these charts only change with their
 * result; a re-run that trained nothing (an output defense changed) keeps them as drawn.
 */
export const TrainingCurves = memo(
  TrainingCurvesView,
  (before, after) => before.stale === after.stale && before.live === after.live && sameHistory(before.target, after.target) && sameHistory(before.shadow ?? [], after.shadow ?? []),
);
