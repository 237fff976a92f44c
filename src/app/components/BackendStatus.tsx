/**
 * The backend a run uses, its WebGPU adapter, and on auto the measurement that chose it
 * (src/shared/backend-probe.ts) with a Re-measure button that forgets it, so the next auto run
 * times the backends again.
 */
import { useState } from 'react';
import { describeProbe, variantLabel, winningTiming } from '../../shared/backend-probe';
import { clearBackendProbes } from '../../shared/storage/db';
import type { BackendInfo } from '../../../workers/protocol';

function ProbeFigures({ probe }: { probe: NonNullable<BackendInfo['probe']> }) {
  // Which measurement was forgotten (its time), so the note goes away when a new one arrives.
  const [forgotten, setForgotten] = useState<{ measuredAt: number; error?: string }>();
  const cleared = forgotten?.measuredAt === probe.record.measuredAt ? forgotten : undefined;
  const remeasure = () => {
    const { measuredAt } = probe.record;
    clearBackendProbes().then(
      () => setForgotten({ measuredAt }),
      (error: unknown) => setForgotten({ measuredAt, error: `Could not forget the measurement: ${(error as Error)?.message ?? String(error)}` }),
    );
  };
  return (
    <p
      className="hint"
      data-testid="backend-probe"
      data-winner={probe.record.winner}
      data-winner-threads={winningTiming(probe.record)?.threads ?? 1}
      data-source={probe.source}
      data-probe-ms={Math.round(probe.record.probeMilliseconds)}
      data-timings={JSON.stringify(probe.record.timings)}
    >
      {describeProbe(probe.record)}
      {probe.source === 'remembered'
        ? ' (remembered: measured once per browser version, GPU and kind of model)'
        : ` (measured before this run in ${(probe.record.probeMilliseconds / 1000).toFixed(1)} s, start-ups and shader compilation included)`}{' '}
      <button type="button" data-testid="backend-remeasure" onClick={remeasure} disabled={cleared !== undefined && !cleared.error} title="Forget this measurement; the next run on auto times the backends again">
        Re-measure
      </button>
      {cleared && <> {cleared.error ?? 'Forgotten: the next run on auto times the backends again (about a second).'}</>}
    </p>
  );
}

export function BackendStatus({ backend }: { backend: BackendInfo }) {
  return (
    <>
      <p
        className="backend"
        data-testid="backend-active"
        data-backend={backend.active}
        data-threads={backend.threads ?? ''}
        data-adapter={backend.adapter ? (backend.adapter.isFallbackAdapter ? 'software' : 'hardware') : 'none'}
      >
        Backend: <strong>{variantLabel({ backend: backend.active, ...(backend.threads !== undefined ? { threads: backend.threads } : {}) })}</strong>
        {backend.requested !== backend.active && <> (asked for {backend.requested})</>}
        {backend.adapter && (
          <>
            {' '}
            · adapter {backend.adapter.vendor || '?'} {backend.adapter.architecture} {backend.adapter.device}
            {backend.adapter.isFallbackAdapter && ' (software)'}
          </>
        )}
      </p>
      {backend.probe && <ProbeFigures probe={backend.probe} />}
    </>
  );
}
