/**
 * Results by class and by correctness: each attack's AUC and TPR at 1 % FPR per label and on the
 * records the target gets right or wrong (core attacks/records.ts does the arithmetic, in the
 * Records view's worker: records-worker.ts). Averages hide that some classes, and misclassified
 * members, leak far more than others.
 */
import { memo, useMemo, useState } from 'react';
import type { AttackResult } from '../../core/attacks/evaluate';
import { misclassifiedMembers, type GroupFigures, type ScoredRecords } from '../../core/attacks/records';
import { useBreakdown } from './records-worker';
import { attackLabel } from '../charts/RocChart';
import { formatRate } from '../charts/chart-data';

function Cell({ figures }: { figures: GroupFigures }) {
  if (figures.auc === undefined) return <td className="reason" title={`${figures.members} members, ${figures.nonMembers} non-members`}>—</td>;
  return (
    <td title={`${figures.members} members, ${figures.nonMembers} non-members; TPR at 1% FPR ${formatRate(figures.tprAt1PctFpr ?? 0)}`}>
      {formatRate(figures.auc)} <small>/ {formatRate(figures.tprAt1PctFpr ?? 0)}</small>
    </td>
  );
}

function BreakdownTableView({ attacks, records, numClasses, classNames }: { attacks: readonly AttackResult[]; records: ScoredRecords; numClasses: number; classNames?: readonly string[] }) {
  // Folded by default: the per-record arithmetic (a ROC per class and attack) is asked of the
  // worker once it is opened, not on every re-run a slider starts.
  const [open, setOpen] = useState(false);
  const scored = useMemo(() => attacks.filter((a) => a.memberScores.length + a.nonMemberScores.length === records.member.length && records.member.length > 0), [attacks, records]);
  const answered = useBreakdown(scored, records, numClasses, open);
  const wrong = useMemo(() => (records.predicted ? misclassifiedMembers(records) : undefined), [records]);
  if (scored.length === 0) return null;
  const rows = answered && 'value' in answered ? answered.value : [];
  return (
    <details className="breakdown" data-testid="breakdown-table" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        By class and by correctness (AUC / TPR at 1% FPR){wrong !== undefined && ` · ${wrong} member${wrong === 1 ? '' : 's'} misclassified by the target`}
      </summary>
      {answered && 'error' in answered && <p className="empty" role="alert">The breakdown could not be computed: {answered.error}</p>}
      {open && !answered && <div className="chart-pending" aria-busy="true" />}
      {rows.length > 0 && <table className="results-table">
        <thead>
          <tr>
            <th scope="col">Attack</th>
            {Array.from({ length: numClasses }, (_, c) => (
              <th scope="col" key={c}>{classNames?.[c] ?? c}</th>
            ))}
            {rows[0].byCorrectness && <th scope="col">correct</th>}
            {rows[0].byCorrectness && <th scope="col">misclassified</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name} data-attack={row.name}>
              <th scope="row">{attackLabel(row.name)}</th>
              {row.byClass.map((figures) => <Cell key={figures.label} figures={figures} />)}
              {row.byCorrectness && <Cell figures={row.byCorrectness.correct} />}
              {row.byCorrectness && <Cell figures={row.byCorrectness.misclassified} />}
            </tr>
          ))}
        </tbody>
      </table>}
    </details>
  );
}

/** Memoised: it changes only with its result. */
export const BreakdownTable = memo(BreakdownTableView);
