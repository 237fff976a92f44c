/** Run, pause, step and cancel; the backend that runs, per-stage progress with an ETA, and how the run ended. */
import { useEffect, useState } from 'react';
import { STAGES, type StageName } from '../../core/stages';
import { formatSeconds } from '../charts/chart-data';
import { BackendStatus } from './BackendStatus';
import { cancelRun, pauseRun, restartWorker, resumeRun, startRun, stepRun } from '../state/actions';
import { useSuiteStore } from '../suites/suite-store';
import { pauseState, runClock, stageEtaSeconds, stageFraction, useRunStore, type RunProgress, type StageProgress } from '../state/run-store';

/** Labels for the stages the lab knows; a stage added to the core later shows under its own name. */
const STAGE_LABELS: Partial<Record<string, string>> = {
  'load-data': 'Load data',
  'train-target': 'Train target',
  'train-undefended': 'Train undefended',
  'train-shadow': 'Train shadows',
  'train-references': 'Train references',
  predict: 'Predict',
  'query-labels': 'Label and public queries',
  defend: 'Output defenses',
  attack: 'Attack',
  audit: 'Privacy audit',
};

const stageLabel = (name: string) => STAGE_LABELS[name] ?? name;

/**
 * 70000 → "70,000", without toLocaleString: its first call on a page starts the browser's ICU
 * (22–60 ms of one task here, measured in headless Chromium), and it came in the middle of a run.
 */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function StageRow({ name, stage, now }: { name: StageName; stage: StageProgress; now: number }) {
  // `now` is the run's clock: it stands still while the run is paused.
  const fraction = stageFraction(stage);
  const eta = stageEtaSeconds(stage, now);
  let detail = '';
  if (stage.status === 'done') detail = stage.seconds !== undefined ? formatSeconds(stage.seconds) : 'done';
  else if (stage.status === 'skipped') detail = 'not needed';
  else if (stage.status === 'running') {
    const elapsed = stage.startedAt ? (now - stage.startedAt) / 1000 : 0;
    const models = stage.modelCount && stage.modelCount > 1 ? `model ${Math.min((stage.modelsDone ?? 0) + 1, stage.modelCount)}/${stage.modelCount} · ` : '';
    detail = stage.epochs ? `${models}epoch ${stage.epoch ?? 0}/${stage.epochs}` : `${models}${formatSeconds(elapsed)}`;
    if (eta !== undefined) detail += ` · ${formatSeconds(eta)} left`;
  }
  return (
    <li className={`stage ${stage.status}`} data-testid={`stage-${name}`} data-status={stage.status}>
      <span className="stage-name">{stageLabel(name)}</span>
      {fraction === undefined ? <progress aria-label={stageLabel(name)} /> : <progress aria-label={stageLabel(name)} value={fraction} max={1} />}
      <span className="stage-detail">{detail}</span>
    </li>
  );
}

function Outcome({ run }: { run: RunProgress }) {
  switch (run.status) {
    case 'done':
      return <p className="status ok">Finished.</p>;
    case 'cancelled':
      return <p className="status">Cancelled. The controls are yours again.</p>;
    case 'error':
      return (
        <div className="message error" role="alert" data-testid="run-error">
          <strong>The run failed.</strong> {run.error?.message}
          {run.error?.problems && (
            <ul>
              {run.error.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      );
    case 'crashed':
      return (
        <div className="message error" role="alert" data-testid="run-error">
          <strong>The worker stopped.</strong> {run.crash} It will be restarted on the next run.
        </div>
      );
    default:
      return null;
  }
}

/** Pause, resume, step (one epoch) and cancel of the run in progress, and how far it is. */
export function RunControls({ run, busy }: { run: RunProgress; busy: boolean }) {
  const pause = pauseState(run);
  const running = run.status === 'running';
  return (
    <div className="buttons run-controls">
      {pause === 'running' ? (
        <button type="button" data-testid="pause" disabled={!running} onClick={pauseRun} title="Stop before the next epoch">
          Pause
        </button>
      ) : (
        <button type="button" data-testid="resume" disabled={!running} onClick={resumeRun}>
          Resume
        </button>
      )}
      <button type="button" data-testid="step" disabled={!running} onClick={stepRun} title="Train one more epoch, then pause">
        Step
      </button>
      <button type="button" data-testid="cancel" disabled={!busy || run.status === 'cancelling'} onClick={cancelRun}>
        {run.status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
      </button>
    </div>
  );
}

/** The status line and the per-stage bars with their ETA. */
export function RunProgressView({ run }: { run: RunProgress }) {
  const busy = run.status === 'running' || run.status === 'cancelling';
  const now = runClock(run, useNow(busy));
  const pause = pauseState(run);
  const shown = run.status === 'running' && pause !== 'running' ? pause : run.status;
  const epochsTrained = STAGES.reduce((sum, name) => sum + (run.stages[name]?.epochsRun ?? 0), 0);
  return (
    <>
      <p className="status" data-testid="run-status" data-status={run.status} data-pause={pause} data-epochs-trained={epochsTrained}>
        Status: {shown}
        {pause === 'pausing' && ' (the epoch in progress finishes first)'}
        {pause === 'paused' && ' between epochs: Step trains one more, Resume goes on'}
        {run.status === 'done' && epochsTrained === 0 && ' · nothing trained: every model came from the cache'}
      </p>
      {run.status !== 'idle' && (
        <ol className="stages">
          {STAGES.map((name) => (
            <StageRow key={name} name={name} stage={run.stages[name] ?? { status: 'pending' }} now={now} />
          ))}
        </ol>
      )}
    </>
  );
}

export function RunPanel() {
  const run = useRunStore((s) => s.run);
  const busy = run.status === 'running' || run.status === 'cancelling';
  // A suite queues its runs on the same worker; the Run button waits for it.
  const suiteActive = useSuiteStore((s) => s.active);
  const { backend } = run;
  return (
    <section className="run-panel" aria-label="Run">
      <div className="buttons">
        <button type="button" className="primary" data-testid="run" disabled={busy || suiteActive} onClick={() => void startRun()} title={suiteActive ? 'A suite is running (Suites page)' : undefined}>
          Run
        </button>
        <button type="button" onClick={restartWorker} disabled={busy} title="Throw the worker away and start a fresh one on the next run">
          Restart worker
        </button>
      </div>
      <RunControls run={run} busy={busy} />
      <RunProgressView run={run} />
      {backend && <BackendStatus backend={backend} />}
      {run.dataset && (
        <p className="hint">
          {run.dataset.name}: {formatCount(run.dataset.count)} records (
          {run.dataset.source === 'cache' ? 'from the IndexedDB cache' : run.dataset.source === 'network' ? 'downloaded and parsed' : 'parsed from your files'})
        </p>
      )}
      {run.notices.map((notice) => (
        <p key={notice} className="message notice">
          {notice}
        </p>
      ))}
      <Outcome run={run} />
    </section>
  );
}
