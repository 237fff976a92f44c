/** Every attack's ROC curve on one chart, linear or log-log, with the chance diagonal; the table of figures beside it. */
import { memo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ATTACK_NAMES, ATTACKS } from '../../core/attacks/registry';
import { REPORTED_FPRS, type AttackResult } from '../../core/attacks/evaluate';
import { isWiderThanFigure, rocTprBand, WIDE_INTERVAL_MARK, type Interval } from '../../core/metrics/intervals';
import { guaranteeCurves, logSpacedFprs, type GuaranteeCurves } from '../../core/privacy/dp-region';
import type { PrivacySummary } from '../../core/pipeline/types';
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
          {guarantee && (
            <Line
              data={toRows(log ? toLogRates(guarantee.region) : [...guarantee.region])}
              dataKey="tpr"
              name={`DP bound (ε = ${guarantee.epsilon.toFixed(2)}, δ = ${guarantee.delta})`}
              stroke="#222"
              strokeWidth={2}
              strokeDasharray="2 3"
              dot={false}
              isAnimationActive={false}
              data-testid="roc-dp-region"
            />
          )}
          {guarantee?.gdp && (
            <Line
              data={toRows(log ? toLogRates(guarantee.gdp) : [...guarantee.gdp])}
              dataKey="tpr"
              name={`μ-GDP trade-off (μ ≈ ${guarantee.mu?.toFixed(2)})`}
              stroke="#777"
              strokeWidth={2}
              strokeDasharray="8 3"
              dot={false}
              isAnimationActive={false}
            />
          )}
          {showBands &&
            attacks.flatMap((attack) => {
              // Imported results carry no per-record scores, so no member count: no band.
              if (attack.memberScores.length === 0) return [];
              const band = rocTprBand(thinCurve(attack.roc, MAX_POINTS, scale), attack.memberScores.length);
              return (['lower', 'upper'] as const).map((side) => {
                const points = band.map(([fpr, lower, upper]): Point => [fpr, side === 'lower' ? lower : upper]);
                return (
                  <Line
                    key={`${attack.name}-${side}`}
                    data={toRows(log ? toLogRates(points) : points)}
                    dataKey="tpr"
                    name={`${attackLabel(attack.name)} 95 % ${side}`}
                    stroke={colourFor(attack.name, ATTACK_NAMES)}
                    strokeOpacity={0.45}
                    strokeWidth={1}
                    strokeDasharray="1 2"
                    dot={false}
                    isAnimationActive={false}
                    legendType="none"
                    type="linear"
                  />
                );
              });
            })}
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
