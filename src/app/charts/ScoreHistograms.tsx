/** Members' and non-members' score distributions per attack, with the threshold the attack used. */
import { memo } from 'react';
import { Area, AreaChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AttackResult } from '../../core/attacks/evaluate';
import { ChartFrame, arxiv } from './ChartFrame';
import { attackLabel } from './RocChart';
import { scoreHistogram } from './chart-data';
import { QueuedDraw } from './QueuedDraw';
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
  return (
    <div className="subchart" data-testid={`histogram-${attack.name}`}>
      <h4>{attackLabel(attack.name)}</h4>
      <ResponsiveContainer width="100%" height={170}>
        <AreaChart data={hist.bins} margin={{ top: 5, right: 10, bottom: 5, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="x" type="number" domain={[hist.min, hist.max]} tickFormatter={(v: number) => v.toPrecision(2)} />
          <YAxis width={40} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} labelFormatter={(v) => `score ≥ ${Number(v).toPrecision(4)}`} />
          <Area type="stepAfter" dataKey="members" name="members" stroke="#d62728" fill="#d62728" fillOpacity={0.25} isAnimationActive={false} />
          <Area type="stepAfter" dataKey="nonMembers" name="non-members" stroke="#1f77b4" fill="#1f77b4" fillOpacity={0.25} isAnimationActive={false} />
          {thresholdShown && <ReferenceLine x={t} stroke="#000" strokeDasharray="4 3" label={{ value: 'threshold', position: 'top', fontSize: 11 }} />}
          {recordShown && <ReferenceLine x={Math.min(Math.max(recordScore, hist.min), hist.max)} stroke="#2ca02c" strokeWidth={2} label={{ value: 'record', position: 'insideTopRight', fontSize: 11 }} />}
        </AreaChart>
      </ResponsiveContainer>
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
          {/* One histogram per task (QueuedDraw.tsx): six at once held the page too long. */}
          {withScores.map((a) => (
            <QueuedDraw key={a.name} minHeight={200}>
              <Histogram attack={a} />
            </QueuedDraw>
          ))}
        </div>
      )}
    </ChartFrame>
  );
}

/** Memoised: the page re-renders on every progress event, and these charts only change with their result. */
export const ScoreHistograms = memo(ScoreHistogramsView);
