/** The lab's page: settings and run controls on the left, charts on the right. */
import { Controls } from './components/Controls';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ExportPanel } from './components/ExportPanel';
import { Messages } from './components/Messages';
import { ResultsView } from './components/ResultsView';
import { RunPanel } from './components/RunPanel';
import { StoragePanel } from './components/StoragePanel';

export function App() {
  return (
    <div className="app">
      <header>
        <h1>MIA Lab</h1>
        <p>Membership inference attacks on models you train in this browser. Copy the address to share the exact experiment.</p>
      </header>
      <Messages />
      <div className="layout">
        <aside className="sidebar">
          <ErrorBoundary area="the settings">
            <Controls />
          </ErrorBoundary>
          <ErrorBoundary area="the run panel">
            <RunPanel />
          </ErrorBoundary>
          <ErrorBoundary area="export">
            <ExportPanel />
          </ErrorBoundary>
          <ErrorBoundary area="storage">
            <StoragePanel />
          </ErrorBoundary>
        </aside>
        <main>
          <ErrorBoundary area="the results">
            <ResultsView />
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
