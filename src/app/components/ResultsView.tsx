/** The result on screen (or the live run), its charts and table, and the session's runs. */
import { memo, useLayoutEffect, useMemo } from 'react';
import { GapScatter } from '../charts/GapScatter';
import { PrivacyUtility } from '../charts/PrivacyUtility';
import { LessonPanel } from '../lessons/LessonPanel';
import { DefenseSummary } from './DefenseSummary';
import { ResultsTable, RocChart } from '../charts/RocChart';
import { ScoreHistograms } from '../charts/ScoreHistograms';
import { RecordsView } from '../records/RecordsView';
import { BreakdownTable } from '../records/BreakdownTable';
import { TrainingCurves } from '../charts/TrainingCurves';
import { LeakageOverTraining, LiveGapTrajectory, LiveHistograms, LiveRoc } from '../charts/LiveAttackCharts';
import { formatRate } from '../charts/chart-data';
import { ErrorBoundary } from './ErrorBoundary';
import { configHash } from '../../core/hash';
import { useConfigStore } from '../state/config-store';
import { selectDisplayedRun, useResultsStore } from '../state/results-store';
import { useRunStore } from '../state/run-store';
import { needsNoTraining } from '../state/instant-rerun';
import { useUiStore } from '../state/ui-store';
import type { StoredRun } from '../../shared/storage/db';

const EMPTY: readonly never[] = [];

/**
 * One run of the session's list, memoised: every re-run adds one, and a control change should
 * re-render the two entries whose marks change, not the whole list.
 */
const SessionRun = memo(function SessionRun({ run, shown, matches }: { run: StoredRun; shown: boolean; matches: boolean }) {
  const c = run.config;
  const show = () => {
    useUiStore.getState().select(run.hash);
    useConfigStore.getState().replace(c);
  };
  return (
    <li className={shown ? 'shown' : undefined}>
      <button type="button" onClick={show} title="Show this run and load its settings">
        {c.dataset.name} · {c.partSize}/part · {c.target.architecture} {c.target.epochs} ep · seed {c.seed} · gap{' '}
        {formatRate(run.result.target.generalizationGap, 2)}
        {run.origin === 'import' ? ' · imported' : ''}
        {matches ? ' · matches the controls' : ''}
      </button>
    </li>
  );
});

function SessionRuns({ currentHash, shownHash }: { currentHash: string; shownHash?: string }) {
  const order = useResultsStore((s) => s.order);
  const runs = useResultsStore((s) => s.runs);
  if (order.length === 0) return null;
  return (
    <details className="session-runs" open={order.length > 1}>
      <summary>Runs in this session ({order.length})</summary>
      <ul>
        {[...order].reverse().map((hash) => (
          <SessionRun key={hash} run={runs[hash]} shown={hash === shownHash} matches={hash === currentHash} />
        ))}
      </ul>
    </details>
  );
}

export function ResultsView() {
  const config = useConfigStore((s) => s.config);
  const currentHash = useMemo(() => configHash(config), [config]);
  const runs = useResultsStore((s) => s.runs);
  const order = useResultsStore((s) => s.order);
  const selectedHash = useUiStore((s) => s.selectedHash);
  // Only what this view needs from the run: a new object per progress event would redraw every chart.
  const status = useRunStore((s) => s.run.status);
  const liveHistory = useRunStore((s) => s.run.history);
  const liveAttacks = useRunStore((s) => s.run.live);
  const displayed = selectDisplayedRun({ runs, order }, currentHash, selectedHash);
  // A change that needs no training is being re-run this instant (instant-rerun.ts): the charts
  // keep their drawing until the new result replaces it, rather than redraw twice to say "stale".
  // A failed or cancelled re-run leaves the stale notice up.
  const failed = status === 'error' || status === 'cancelled' || status === 'crashed';
  const updating = useMemo(() => displayed?.stale === true && !failed && needsNoTraining(config, runs), [displayed?.stale, failed, config, runs]);
  const stale = displayed?.stale === true && !updating;
  const allRuns = useMemo(() => order.map((hash) => runs[hash]), [order, runs]);
  // An instant re-run trains nothing: the finished charts stay up (no live view to mount and unmount).
  const live = (status === 'running' || status === 'cancelling') && !updating;
  const result = displayed?.run.result;
  const shownHash = displayed?.run.hash;
  useLayoutEffect(() => {
    if (shownHash) performance.mark('mia:results-drawn');
  }, [shownHash]);
  return (
    <div className="results">
      <ErrorBoundary area="the lesson">
        <LessonPanel />
      </ErrorBoundary>
      <SessionRuns currentHash={currentHash} shownHash={displayed?.run.hash} />
      {!displayed && !live && (
        <div className="intro">
          <h2>Membership inference, step by step</h2>
          <p>
            Pick a dataset and models on the left and press <strong>Run</strong>. The lab trains a target model on one part of the
            data (its members), a shadow model on another, and then asks each attack: was this record in the target&apos;s training
            set? Everything runs in this browser, in a Web Worker; nothing is uploaded.
          </p>
        </div>
      )}
      {result && (
        <p className="result-summary" data-testid="result-summary" data-run={displayed?.run.hash} data-stale={displayed?.stale ? 'true' : 'false'}>
          Target: train accuracy {formatRate(result.target.trainAccuracy)}, test accuracy {formatRate(result.target.testAccuracy)}, gap{' '}
          {formatRate(result.target.generalizationGap)} · backend {result.backend} · {result.dataset.name}
          {updating && <span className="hint" data-testid="updating"> · updating for the new settings (no training needed)…</span>}
        </p>
      )}
      <ErrorBoundary area="the training curves">
        {live ? (
          <TrainingCurves target={liveHistory.target ?? EMPTY} shadow={liveHistory.shadow} live />
        ) : (
          result && <TrainingCurves target={result.target.history} shadow={result.shadows[0]?.history} stale={stale} />
        )}
      </ErrorBoundary>
      {live && liveAttacks && (
        <ErrorBoundary area="the live attack curves">
          <LiveRoc snapshot={liveAttacks} />
          <LiveHistograms snapshot={liveAttacks} />
        </ErrorBoundary>
      )}
      <ErrorBoundary area="the leakage chart">
        {live ? (
          liveAttacks && <LeakageOverTraining history={liveHistory.target ?? EMPTY} live />
        ) : (
          result && <LeakageOverTraining history={result.target.history} stale={stale} />
        )}
      </ErrorBoundary>
      {result && !(live && liveAttacks) && (
        <>
          <ErrorBoundary area="the ROC curves">
            <RocChart attacks={result.attacks} stale={stale} privacy={result.privacy} />
            <ResultsTable attacks={result.attacks} notApplicable={result.notApplicable ?? EMPTY} />
            <BreakdownTable attacks={result.attacks} records={result.records} numClasses={result.dataset.numClasses} />
          </ErrorBoundary>
          <ErrorBoundary area="the defenses">
            <DefenseSummary result={result} />
          </ErrorBoundary>
          <ErrorBoundary area="the score histograms">
            <ScoreHistograms attacks={result.attacks} stale={stale} />
          </ErrorBoundary>
          <ErrorBoundary area="the records view">
            <RecordsView input={result} dataset={result.config.dataset} stale={stale} />
          </ErrorBoundary>
        </>
      )}
      <ErrorBoundary area="the gap chart">
        {live && liveAttacks ? (
          <LiveGapTrajectory history={liveHistory.target ?? EMPTY} />
        ) : (
          allRuns.length > 0 && <GapScatter runs={allRuns} trajectory={result?.target.history ?? EMPTY} />
        )}
      </ErrorBoundary>
      <ErrorBoundary area="the privacy–utility chart">{allRuns.length > 0 && <PrivacyUtility runs={allRuns} />}</ErrorBoundary>
    </div>
  );
}
