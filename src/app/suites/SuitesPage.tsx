/**
 * The suites page (issue 7): pick one of the report's questions, see its grid of runs, start it;
 * runs queue on the worker one after another with overall progress and an ETA, stored runs are
 * reused, a stopped suite resumes, and the suite's tables and figures fill in as runs finish.
 */
import { useEffect, useMemo, useState } from 'react';
import { SUITES, getSuite, type SuiteSize, type SuiteSummary } from '../../core/suites/suites';
import { ExportButtons } from '../charts/ChartFrame';
import { formatSeconds } from '../charts/chart-data';
import { RunControls, RunProgressView } from '../components/RunPanel';
import { useRunStore } from '../state/run-store';
import { finishedRuns, type SuiteProgress, type SuiteRunState } from '../../core/suites/runner';
import { currentRunFraction, suiteEta } from './suite-queue';
import { showStored, startSuite, stopSuite, useSuiteStore } from './suite-store';

const STATUS_TEXT: Record<SuiteRunState['status'], string> = {
  pending: 'waiting',
  cached: 'stored (reused)',
  running: 'running…',
  done: 'done',
  failed: 'failed',
  cancelled: 'stopped',
};

function useTicker(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function RunGrid({ progress }: { progress: SuiteProgress }) {
  const paramNames = [...new Set(progress.runs.flatMap((run) => Object.keys(run.params)))];
  return (
    <table className="results-table suite-grid" data-testid="suite-grid">
      <thead>
        <tr>
          <th scope="col">Run</th>
          {paramNames.map((p) => (
            <th key={p} scope="col">
              {p}
            </th>
          ))}
          <th scope="col">Status</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {progress.runs.map((run, i) => {
          const state = progress.states[i];
          return (
            <tr key={run.id} data-run={run.id} data-status={state.status}>
              <th scope="row" title={`stored under ${state.key}`}>
                {run.label}
              </th>
              {paramNames.map((p) => (
                <td key={p}>{run.params[p] ?? ''}</td>
              ))}
              <td className={`suite-status ${state.status}`} title={state.error}>
                {STATUS_TEXT[state.status]}
                {state.error && `: ${state.error}`}
              </td>
              <td>{state.seconds !== undefined ? formatSeconds(state.seconds) : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function OverallProgress({ progress }: { progress: SuiteProgress }) {
  const stages = useRunStore((s) => s.run.stages);
  const runConfig = useRunStore((s) => s.run.config);
  const paused = useRunStore((s) => s.run.pausedAt !== undefined);
  const now = useTicker(progress.status === 'running');
  const { fraction, etaSeconds } = suiteEta(progress, currentRunFraction(runConfig, stages), now);
  const finished = progress.states.filter((s) => s.status === 'done' || s.status === 'cached').length;
  return (
    <div className="suite-progress" data-testid="suite-progress" data-status={progress.status} data-finished={finished}>
      <progress value={fraction} max={1} aria-label="Suite progress" />
      <span>
        {finished} of {progress.runs.length} runs finished · {Math.round(fraction * 100)} %
        {progress.status === 'running' && (paused ? ' · paused' : etaSeconds !== undefined ? ` · about ${formatSeconds(etaSeconds)} left` : ' · estimating…')}
        {progress.status === 'stopping' && ' · stopping…'}
        {progress.status === 'stopped' && ' · stopped: Start resumes, reusing the finished runs'}
        {progress.status === 'done' && ' · done'}
      </span>
    </div>
  );
}

/** summarise() on the finished runs; a suite that needs more runs for a figure says so instead of failing. */
function useSummary(progress: SuiteProgress): { summary?: SuiteSummary; error?: string } {
  return useMemo(() => {
    const runs = finishedRuns(progress);
    if (runs.length === 0) return {};
    try {
      return { summary: getSuite(progress.suite).summarise(runs) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }, [progress.suite, progress.results, progress.runs]);
}

function Summary({ progress }: { progress: SuiteProgress }) {
  const { summary, error } = useSummary(progress);
  const count = Object.keys(progress.results).length;
  if (count === 0) return <p className="empty">Tables and figures appear here as runs finish.</p>;
  if (!summary) return <p className="hint">The summary needs more finished runs ({error}).</p>;
  return (
    <div className="suite-summary" data-testid="suite-summary">
      {count < progress.runs.length && (
        <p className="stale">
          From {count} of {progress.runs.length} runs; the rest fill in as they finish.
        </p>
      )}
      {summary.notes.length > 0 && (
        <ul className="notes">
          {summary.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {summary.tables.map((table) => (
        <section key={table.title} className="chart">
          <h3>{table.title}</h3>
          <table className="results-table" data-testid="suite-table">
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, i) => (
                <tr key={i}>
                  {row.map((cell, j) => (
                    <td key={j}>{typeof cell === 'number' ? (Number.isFinite(cell) ? cell : '—') : cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <div className="grid figures">
        {summary.figures.map((figure) => (
          <figure key={figure.name} className="chart" data-testid="suite-figure">
            <figcaption>
              {figure.title} <ExportButtons name={`${progress.suite}-${figure.name}`} svg={() => figure.svg} />
            </figcaption>
            {/* The SVG comes from the core's own plot functions (plots/svg.ts), never from user input. */}
            <div className="svg-figure" dangerouslySetInnerHTML={{ __html: figure.svg }} />
          </figure>
        ))}
      </div>
    </div>
  );
}

export function SuitesPage() {
  const name = useSuiteStore((s) => s.name);
  const size = useSuiteStore((s) => s.size);
  const progress = useSuiteStore((s) => s.progress);
  const active = useSuiteStore((s) => s.active);
  const choose = useSuiteStore((s) => s.choose);
  const run = useRunStore((s) => s.run);
  const suite = getSuite(name);
  useEffect(() => {
    if (!useSuiteStore.getState().active) void showStored();
  }, []);
  const runBusy = run.status === 'running' || run.status === 'cancelling';
  return (
    <div className="suites-page" data-testid="suites-page">
      <section className="chart">
        <h2>Suites: the report&apos;s questions in one click</h2>
        <div className="suite-pick">
          <div className="field">
            <label htmlFor="suite">Suite</label>
            <select id="suite" data-testid="suite" value={name} disabled={active} onChange={(e) => choose(e.target.value, size)}>
              {SUITES.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.title}
                </option>
              ))}
            </select>
          </div>
          <div className="toggle" role="group" aria-label="Suite size">
            {(['quick', 'full'] as SuiteSize[]).map((s) => (
              <button key={s} type="button" aria-pressed={size === s} data-testid={`suite-size-${s}`} disabled={active} onClick={() => choose(name, s)}>
                {s === 'quick' ? 'Quick (minutes)' : 'Full (hours)'}
              </button>
            ))}
          </div>
        </div>
        <p className="question">
          <strong>Question:</strong> {suite.question}
        </p>
        <div className="buttons">
          <button type="button" className="primary" data-testid="suite-start" disabled={active || runBusy} onClick={() => void startSuite()}>
            {progress.states.some((s) => s.status === 'cached') ? 'Start (reusing stored runs)' : 'Start'}
          </button>
          <button type="button" data-testid="suite-stop" disabled={!active || progress.status === 'stopping'} onClick={stopSuite}>
            Stop
          </button>
        </div>
        <p className="hint">
          Runs train one after another in the background worker, on the backend chosen in the lab. Each finished run is stored in this
          browser under a hash of its config, so stopping loses at most the run in progress and Start resumes.
        </p>
        <OverallProgress progress={progress} />
        {active && (
          <div className="suite-current">
            <RunControls run={run} busy={runBusy} />
            <RunProgressView run={run} />
          </div>
        )}
        <RunGrid progress={progress} />
      </section>
      <Summary progress={progress} />
    </div>
  );
}
