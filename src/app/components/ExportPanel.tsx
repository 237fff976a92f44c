/** Downloads in the CLI's formats, and import of a results, config or bundle file (picked or dropped). */
import { useMemo } from 'react';
import { toScoresCsv } from '../../core/results';
import { importFile } from '../state/actions';
import { configHash } from '../../core/hash';
import { useConfigStore } from '../state/config-store';
import { configJsonText, resultsJsonText } from '../state/import-export';
import { selectDisplayedRun, useResultsStore } from '../state/results-store';
import { useUiStore } from '../state/ui-store';
import { downloadBlob } from '../charts/export-chart';

function download(name: string, text: string, type: string): void {
  downloadBlob(name, new Blob([text], { type }));
}

export function ExportPanel() {
  const config = useConfigStore((s) => s.config);
  const currentHash = useMemo(() => configHash(config), [config]);
  const runs = useResultsStore((s) => s.runs);
  const order = useResultsStore((s) => s.order);
  const selectedHash = useUiStore((s) => s.selectedHash);
  const displayed = selectDisplayedRun({ runs, order }, currentHash, selectedHash);
  const result = displayed?.run.result;
  const hasScores = Boolean(result && result.records.poolIndex.length > 0);
  const stem = displayed ? `mia-lab-${displayed.run.hash}` : 'mia-lab';
  return (
    <section className="export" aria-label="Export and import">
      <h2>Export and import</h2>
      <div className="buttons">
        <button type="button" data-testid="export-results" disabled={!result} onClick={() => result && download(`${stem}-results.json`, resultsJsonText(result), 'application/json')}>
          Results JSON
        </button>
        <button type="button" disabled={!hasScores} title={hasScores ? undefined : 'An imported results file has no per-record scores'} onClick={() => result && download(`${stem}-scores.csv`, toScoresCsv(result), 'text/csv')}>
          Scores CSV
        </button>
        <button type="button" onClick={() => download(`mia-lab-config-${currentHash}.json`, configJsonText(config), 'application/json')}>
          Config JSON
        </button>
      </div>
      {displayed?.stale && <p className="hint">The results shown are from an earlier run, not the current settings.</p>}
      <label
        className="import dropzone"
        data-testid="import-drop"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const file = e.dataTransfer.files[0];
          if (file) void importFile(file);
        }}
      >
        Import a results.json, a config, or an experiment bundle (.miab, from <code>lab bundle</code>): pick it or drop it here{' '}
        <input type="file" accept=".json,.miab,application/json,application/octet-stream" data-testid="import-file" onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void importFile(file);
          e.target.value = '';
        }} />
      </label>
    </section>
  );
}
