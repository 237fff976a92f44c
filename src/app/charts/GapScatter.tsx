/** Attack accuracy against the target's generalization gap, one point per attack per run of the session. */
import { memo } from 'react';
import { ATTACK_NAMES } from '../../core/attacks/registry';
import type { StoredRun } from '../../shared/storage/db';
import type { EpochMetrics } from '../../core/models/train';
import { ChartFrame, arxiv, colourFor } from './ChartFrame';
import { attackLabel } from './RocChart';
import { yeomLine } from './chart-data';
import { LightPlot, spread, type PlotSeries } from './LightPlot';

interface GapPoint {
  readonly gap: number;
  readonly accuracy: number;
  readonly run: string;
}

export function gapSeries(runs: readonly StoredRun[]): Map<string, GapPoint[]> {
  const byAttack = new Map<string, GapPoint[]>();
  for (const run of runs) {
    const gap = run.result.target.generalizationGap;
    if (!Number.isFinite(gap)) continue;
    for (const attack of run.result.attacks) {
      if (!Number.isFinite(attack.accuracy)) continue;
      const points = byAttack.get(attack.name) ?? [];
      points.push({ gap, accuracy: attack.accuracy, run: run.hash });
      byAttack.set(attack.name, points);
    }
  }
  return byAttack;
}

/** The target's path epoch by epoch: (gap, attack accuracy at the shadow threshold) per attack. */
export function gapTrajectory(history: readonly EpochMetrics[]): Map<string, { gap: number; accuracy: number; epoch: number }[]> {
  const byAttack = new Map<string, { gap: number; accuracy: number; epoch: number }[]>();
  for (const h of history) {
    for (const a of h.attacks ?? []) {
      if (a.accuracy === undefined || a.name === 'random') continue;
      const points = byAttack.get(a.name) ?? [];
      points.push({ gap: h.trainAccuracy - h.testAccuracy, accuracy: a.accuracy, epoch: h.epoch });
      byAttack.set(a.name, points);
    }
  }
  return byAttack;
}

function GapScatterView({ runs, trajectory = [] }: { runs: readonly StoredRun[]; trajectory?: readonly EpochMetrics[] }) {
  const series = gapSeries(runs);
  const paths = gapTrajectory(trajectory);
  const gaps = [...series.values(), ...paths.values()].flat().map((p) => p.gap);
  const line = yeomLine(gaps);
  const accuracies = [...series.values(), ...paths.values()].flat().map((p) => p.accuracy);
  const lo = Math.min(...line.map(([g]) => g));
  const hi = Math.max(...line.map(([g]) => g));
  const pad = (hi - lo) * 0.05 || 0.01;
  const xDomain = [lo - pad, hi + pad] as const;
  const yDomain = [0.4, Math.ceil(Math.max(0.75, ...accuracies, ...line.map(([, a]) => a)) * 20) / 20] as const;
  const plotted: PlotSeries[] = [
    { name: '(1 + g)/2', colour: '#555', kind: 'line', dashed: '6 4', points: line },
    ...[...series.entries()].map(([name, points]): PlotSeries => ({ name: attackLabel(name), colour: colourFor(name, ATTACK_NAMES), kind: 'points', points: points.map((p) => [p.gap, p.accuracy]) })),
    // The target's trajectory over its epochs, toward its final point.
    ...[...paths.entries()].map(([name, points]): PlotSeries => ({ name: `${attackLabel(name)}, by epoch`, colour: colourFor(name, ATTACK_NAMES), kind: 'line', opacity: 0.6, unlisted: true, points: points.map((p) => [p.gap, p.accuracy]) })),
  ];
  return (
    <ChartFrame
      title="Attack accuracy vs generalization gap"
      testId="gap-chart"
      explanation={
        <>
          Every run of this session (and those restored from the cache), one point per attack, and the shown run&apos;s path epoch by
          epoch as it trained: the target&apos;s gap g = train
          accuracy − test accuracy against the attack&apos;s accuracy on a balanced set of members and non-members. The line is
          (1 + g)/2, what the correctness attack gets; attacks above it extract more than overfitting alone explains.
        </>
      }
      more={
        <p>
          Yeom et al., &quot;Privacy Risk in Machine Learning: Analyzing the Connection to Overfitting&quot; ({arxiv('1709.01604')}): the
          attack that says &quot;member&quot; exactly when the model is right has advantage g, so accuracy (1 + g)/2 on a balanced
          set.
        </p>
      }
    >
      {series.size === 0 && paths.size === 0 ? (
        <p className="empty">No finished runs yet.</p>
      ) : (
        <LightPlot series={plotted} x={{ scale: 'linear', domain: xDomain, ticks: spread(xDomain), format: (v) => v.toFixed(2), label: 'generalization gap g' }} y={{ scale: 'linear', domain: yDomain, ticks: spread(yDomain), format: (v) => v.toFixed(2), label: 'attack accuracy' }} />
      )}
    </ChartFrame>
  );
}

/** Memoised: the page re-renders on every progress event, and these charts only change with their result. */
export const GapScatter = memo(GapScatterView);
