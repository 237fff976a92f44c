/** Members' and non-members' score distributions per attack, with the threshold the attack used. */
import { memo } from 'react';
import type { AttackResult } from '../../core/attacks/evaluate';
import { ChartFrame, arxiv } from './ChartFrame';
import { attackLabel } from './RocChart';
import { scoreHistogram } from './chart-data';
import { LightHistogram, type HistogramMarker } from './LightHistogram';
import { useRecordsStore } from '../records/records-store';

/** The score of record `position` (members first) under an attack, or undefined. */
function scoreOf(attack: AttackResult, position: number | undefined): number | undefined {
  if (position === undefined) return undefined;
  const m = attack.memberScores.length;
  return position < m ? attack.memberScores[position] : attack.nonMemberScores[position - m];
}

function Histogram({ attack }: { attack: AttackResult }) {
  const hist = scoreHistogram(attack.memberScores, attack.nonMemberScores);
  const t = attack.threshold;
  const thresholdShown = Number.isFinite(t) && t >= hist.min && t <= hist.max;
  // Linked to the Records view: the clicked record's score under this attack.
  const recordScore = scoreOf(attack, useRecordsStore((s) => s.selected));
  const recordShown = recordScore !== undefined && Number.isFinite(recordScore);
  const markers: HistogramMarker[] = [
    ...(thresholdShown ? [{ x: t, label: 'threshold', colour: '#000', className: 'threshold-line', dashed: true }] : []),
    ...(recordShown ? [{ x: Math.min(Math.max(recordScore, hist.min), hist.max), label: 'record', colour: '#2ca02c', className: 'record-line' }] : []),
  ];
  return (
    <div className="subchart" data-testid={`histogram-${attack.name}`}>
      <h4>{attackLabel(attack.name)}</h4>
      <LightHistogram hist={hist} markers={markers} />
      <small>
        {thresholdShown ? `threshold ${t.toPrecision(4)}` : t === Infinity ? 'threshold: nobody is called a member' : t === -Infinity ? 'threshold: everybody is called a member' : 'threshold outside the scores'}
        {hist.clamped > 0 && ` · ${hist.clamped} infinite score(s) in the end bins`}
      </small>
    </div>
  );
}

function ScoreHistogramsView({ attacks, stale }: { attacks: readonly AttackResult[]; stale?: boolean }) {
  const withScores = attacks.filter((a) => a.memberScores.length > 0);
  return (
    <ChartFrame
      title="Member vs non-member scores"
      testId="histograms"
      stale={stale}
      explanation={
        <>
          <span style={{ color: '#d62728' }}>Members</span> (the target&apos;s training records) against{' '}
          <span style={{ color: '#1f77b4' }}>non-members</span>, each as a fraction of its group. Higher scores mean &quot;more likely a
          member&quot;; the dashed line is the threshold: everything right of it is called a member. The less the two overlap, the more
          the model leaks.
        </>
      }
      more={
        <p>
          Threshold attacks take their cut-off from a shadow model&apos;s own members and non-members (Shokri et al., {arxiv('1610.05820')}),
          so the threshold need not be the best one for the target: compare the table&apos;s accuracy with its best accuracy.
        </p>
      }
    >
      {withScores.length === 0 ? (
        <p className="empty">This result has no per-record scores (an imported results file). Run it to see the distributions.</p>
      ) : (
        <div className="grid">
          {/* Plain SVG (LightHistogram.tsx): a dozen of them redraw within one frame. */}
          {withScores.map((a) => (
            <Histogram key={a.name} attack={a} />
          ))}
        </div>
      )}
    </ChartFrame>
  );
}

/** Memoised: the page re-renders on every progress event, and these charts only change with their result. */
export const ScoreHistograms = memo(ScoreHistogramsView);
