/** Every attack's ROC curve on one chart, linear or log-log, with the chance diagonal; the table of figures beside it. */
import { memo, useState } from 'react';
import { ATTACK_NAMES, ATTACKS } from '../../core/attacks/registry';
import { REPORTED_FPRS, type AttackResult } from '../../core/attacks/evaluate';
import { isWiderThanFigure, rocTprBand, WIDE_INTERVAL_MARK, type Interval } from '../../core/metrics/intervals';
import { guaranteeCurves, logSpacedFprs, type GuaranteeCurves } from '../../core/privacy/dp-region';
import type { PrivacySummary } from '../../core/pipeline/types';
import { useUiStore } from '../state/ui-store';
import { useRecordsStore } from '../records/records-store';
import { ChartFrame, arxiv, colourFor } from './ChartFrame';
import { LOG_FLOOR, formatRate, thinCurve, toLogRates, type Point } from './chart-data';
import { LightPlot, type PlotSeries } from './LightPlot';

export function attackLabel(name: string): string {
  return (ATTACKS as Record<string, { label: string } | undefined>)[name]?.label ?? name;
}

const LOG_TICKS = [1e-4, 1e-3, 1e-2, 1e-1, 1];
const MAX_POINTS = 300;

/** The DP-SGD target's guarantee as curves (privacy/dp-region.ts), or undefined when the target is not DP-SGD. */
export function guaranteeFor(privacy: Pick<PrivacySummary, 'accountant' | 'delta'> | undefined): (GuaranteeCurves & { epsilon: number; delta: number; mu?: number }) | undefined {
  const accountant = privacy?.accountant;
  if (!accountant || !Number.isFinite(accountant.epsilon)) return undefined;
  const guarantee = { epsilon: accountant.epsilon, delta: privacy.delta, ...(accountant.gdpMu !== undefined ? { mu: accountant.gdpMu } : {}) };
  return { ...guarantee, ...guaranteeCurves(guarantee, logSpacedFprs(LOG_FLOOR, 120)) };
}

function RocChartView({ attacks, stale, privacy }: { attacks: readonly AttackResult[]; stale?: boolean; privacy?: Pick<PrivacySummary, 'accountant' | 'delta'> }) {
  const guarantee = guaranteeFor(privacy);
  // Off by default: with several attacks the bands crowd the chart; on, each curve gets its own.
  const [showBands, setShowBands] = useState(false);
  const scale = useUiStore((s) => s.rocScale);
  const setScale = useUiStore((s) => s.setRocScale);
  // Linked to the Records view: the FPR under the mouse lights up the records above that threshold.
  const setHoverFpr = useRecordsStore((s) => s.setHoverFpr);
  const log = scale === 'log';
  const floor = log ? LOG_FLOOR : 0;
  const diagonal: Point[] = log ? [[LOG_FLOOR, LOG_FLOOR], [1, 1]] : [[0, 0], [1, 1]];
  const formatTick = (v: number) => (log ? (v >= 0.01 ? String(v) : v.toExponential(0)) : v.toFixed(1));
  // Both axes are rates on the same scale: linear 0..1, or log down to the smallest FPR the set allows.
  const axis = { scale, domain: [floor, 1] as const, ticks: log ? LOG_TICKS : [0, 0.2, 0.4, 0.6, 0.8, 1], format: formatTick };
  const drawn = (points: readonly Point[]) => (log ? toLogRates(points) : points);
  const curves = attacks.map((attack) => ({ attack, points: thinCurve(attack.roc, MAX_POINTS, scale) }));
  const series: PlotSeries[] = [
    { name: 'chance', colour: '#aaa', kind: 'line', dashed: '6 4', points: diagonal, unlisted: true },
    ...(guarantee
      ? [{ name: `DP bound (ε = ${guarantee.epsilon.toFixed(2)}, δ = ${guarantee.delta})`, colour: '#222', kind: 'line' as const, width: 2, dashed: '2 3', points: drawn(guarantee.region) }]
      : []),
    ...(guarantee?.gdp ? [{ name: `μ-GDP trade-off (μ ≈ ${guarantee.mu?.toFixed(2)})`, colour: '#777', kind: 'line' as const, width: 2, dashed: '8 3', points: drawn(guarantee.gdp) }] : []),
    // Imported results carry no per-record scores, so no member count: no band.
    ...(showBands
      ? curves.flatMap(({ attack, points }) => {
          if (attack.memberScores.length === 0) return [];
          const band = rocTprBand(points, attack.memberScores.length);
          return (['lower', 'upper'] as const).map(
            (side): PlotSeries => ({
              name: `${attackLabel(attack.name)} 95 % ${side}`,
              colour: colourFor(attack.name, ATTACK_NAMES),
              kind: 'line',
              width: 1,
              opacity: 0.45,
              dashed: '1 2',
              unlisted: true,
              points: drawn(band.map(([fpr, lower, upper]): Point => [fpr, side === 'lower' ? lower : upper])),
            }),
          );
        })
      : []),
    ...curves.map(({ attack, points }): PlotSeries => ({ name: `${attackLabel(attack.name)} (AUC ${formatRate(attack.auc)})`, colour: colourFor(attack.name, ATTACK_NAMES), kind: 'line', points: drawn(points) })),
  ];
  /** Each curve's TPR at the hovered FPR: its last point at or below it. */
  const readout = (fpr: number) =>
    curves.map(({ attack, points }) => {
      let tpr = 0;
      for (const [f, t] of points) if (f <= fpr) tpr = t;
      return `${attackLabel(attack.name)} ${tpr.toFixed(3)}`;
    });
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
        <>
        <p>
          TPR = members called members / members; FPR = non-members called members / non-members; AUC is the area under the
          curve. Reporting TPR at a low FPR such as 0.1% follows Carlini et al., &quot;Membership Inference Attacks From First
          Principles&quot; ({arxiv('2112.03570')}); as in LiRA&apos;s code, the FPR must be strictly below the budget.
          &quot;95 % bands&quot; draws, at each point, the exact (Clopper–Pearson) interval of its TPR as members above the
          threshold out of all members: pointwise, for the records of this one trained model.
        </p>
        {guarantee && (
          <p data-testid="roc-guarantee-note">
            This target trained with DP-SGD. The dotted black line is what its accountant&apos;s (ε, δ) allows any attack:
            TPR ≤ min(e<sup>ε</sup>·FPR + δ, 1 − e<sup>−ε</sup>·(1 − δ − FPR)) (Kairouz et al., {arxiv('1311.0776')}).{' '}
            {guarantee.gdp
              ? 'The grey dashed line is the tighter μ-GDP trade-off Φ(Φ⁻¹(FPR) + μ), with μ from the same run by the central limit theorem'
              : 'No μ-GDP curve: the batches were shuffled, not Poisson-sampled, so the central limit theorem'}{' '}
            (Dong, Roth &amp; Su, {arxiv('1905.02383')}){guarantee.gdp ? ': an approximation, not a certificate.' : ' does not apply.'} A
            point at FPR 0 is drawn at the axis floor: with N non-members its FPR is only known to lie below about 3/N, so it
            may sit above the curves there without contradicting them. Every attack curve must stay below the DP bound; the gap shows how much DP promises beyond what attacks
            achieve.
          </p>
        )}
        </>
      }
    >
      <div className="toggle" role="group" aria-label="ROC axes">
        <button type="button" aria-pressed={!log} onClick={() => setScale('linear')}>
          Linear
        </button>
        <button type="button" aria-pressed={log} data-testid="roc-log" onClick={() => setScale('log')}>
          Log-log
        </button>
        <button
          type="button"
          aria-pressed={showBands}
          data-testid="roc-bands"
          title="At each point, the 95 % Clopper–Pearson interval of its TPR (TP out of the members), pointwise"
          onClick={() => setShowBands(!showBands)}
        >
          95 % bands
        </button>
      </div>
      <LightPlot series={series} x={{ ...axis, label: 'false-positive rate' }} y={{ ...axis, label: 'true-positive rate' }} onHoverX={setHoverFpr} readout={readout} />
    </ChartFrame>
  );
}

interface NotApplicable {
  readonly name: string;
  readonly reason: string;
}

function formatThreshold(t: number): string {
  return t === Infinity ? 'nobody' : t === -Infinity ? 'everybody' : Number.isFinite(t) ? t.toPrecision(4) : '—';
}

/** A figure's 95 % interval beside it, marked when wider than the figure itself (too few records to read it as a measurement). */
function IntervalCell({ metric, value, interval }: { metric: string; value: number; interval?: Interval }) {
  if (!interval) return <td className="interval" data-interval={metric} />;
  const wide = isWiderThanFigure(value, interval);
  return (
    <td className={`interval${wide ? ' wide' : ''}`} data-interval={metric} title={wide ? 'The 95 % interval is wider than the figure itself: too few records to read it as a measurement' : '95 % interval'}>
      [{formatRate(interval.lower)}, {formatRate(interval.upper)}]{wide ? WIDE_INTERVAL_MARK : ''}
    </td>
  );
}

function ResultsTableView({ attacks, notApplicable = [] }: { attacks: readonly AttackResult[]; notApplicable?: readonly NotApplicable[] }) {
  return (
    <table className="results-table" data-testid="results-table">
      <caption>
        Each figure with its 95 % interval: a bootstrap over records for AUC, accuracy and advantage, Clopper–Pearson for TPR
        (TPR at an FPR counts points strictly below it).{' '}
        {WIDE_INTERVAL_MARK} marks an interval wider than the figure itself: too few records to read it as a measurement.
      </caption>
      <thead>
        <tr>
          <th scope="col">Attack</th>
          <th scope="col" colSpan={2} title="Area under the ROC curve, with its 95 % bootstrap interval">AUC</th>
          <th scope="col" colSpan={2} title="Accuracy at the shadow-chosen threshold (what an attacker gets), with its 95 % bootstrap interval">Accuracy</th>
          <th scope="col" title="Accuracy at the best threshold on the target itself (an oracle bound)">Best acc.</th>
          <th scope="col" colSpan={2} title="max(TPR − FPR), with its 95 % bootstrap interval">Advantage</th>
          <th scope="col" colSpan={2} title="Largest TPR with FPR strictly below 0.1 % (LiRA's convention), with its 95 % Clopper–Pearson interval">TPR @ 0.1% FPR</th>
          <th scope="col" colSpan={2} title="Largest TPR with FPR strictly below 1 %, with its 95 % Clopper–Pearson interval">TPR @ 1% FPR</th>
          <th scope="col" colSpan={2} title="Largest TPR with FPR strictly below 10 %, with its 95 % Clopper–Pearson interval">TPR @ 10% FPR</th>
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
            <IntervalCell metric="auc" value={a.auc} interval={a.intervals?.auc} />
            <td data-metric="accuracy">{formatRate(a.accuracy)}</td>
            <IntervalCell metric="accuracy" value={a.accuracy} interval={a.intervals?.accuracy} />
            <td>{formatRate(a.bestAccuracy)}</td>
            <td data-metric="advantage">{formatRate(a.advantage)}</td>
            <IntervalCell metric="advantage" value={a.advantage} interval={a.intervals?.advantage} />
            {REPORTED_FPRS.map((f) => [
              <td key={f} data-metric={`tpr-${f}`}>{formatRate(a.tprAtFpr[f])}</td>,
              <IntervalCell key={`${f}-interval`} metric={`tpr-${f}`} value={a.tprAtFpr[f]} interval={a.intervals?.tprAtFpr[f]} />,
            ])}
            <td title={a.classThresholds ? `Per class: ${a.classThresholds.map((t) => formatThreshold(t)).join(', ')}` : undefined}>
              {a.classThresholds ? 'per class' : formatThreshold(a.threshold)}
            </td>
          </tr>
        ))}
        {notApplicable.map((a) => (
          <tr key={a.name} data-attack={a.name} data-not-applicable="true" className="not-applicable">
            <th scope="row">
              <span className="swatch" style={{ background: '#ccc' }} />
              {attackLabel(a.name)}
            </th>
            <td colSpan={14} className="reason" title={a.reason}>
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
