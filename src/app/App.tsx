/** The lab's pages: the lab (settings and run controls on the left, charts on the right) and the suites. */
import { Controls } from './components/Controls';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ExportPanel } from './components/ExportPanel';
import { Messages } from './components/Messages';
import { ResultsView } from './components/ResultsView';
import { RunPanel } from './components/RunPanel';
import { StoragePanel } from './components/StoragePanel';
import { LessonsMenu } from './lessons/LessonPanel';
import { useUiStore } from './state/ui-store';
import { SuitesPage } from './suites/SuitesPage';

function Nav() {
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  return (
    <nav className="nav" aria-label="Pages">
      <div className="toggle" role="group">
        <button type="button" aria-pressed={view === 'lab'} data-testid="nav-lab" onClick={() => setView('lab')}>
          Lab
        </button>
        <button type="button" aria-pressed={view === 'suites'} data-testid="nav-suites" onClick={() => setView('suites')}>
          Suites
        </button>
      </div>
      <LessonsMenu />
    </nav>
  );
}

function Lab() {
  return (
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
  );
}

export function App() {
  const view = useUiStore((s) => s.view);
  return (
    <div className="app">
      <header>
        <h1>MIA Lab</h1>
        <p>Membership inference attacks on models you train in this browser. Copy the address to share the exact experiment.</p>
        <Nav />
      </header>
      <Messages />
      {view === 'suites' ? (
        <ErrorBoundary area="the suites">
          <SuitesPage />
        </ErrorBoundary>
      ) : (
        <Lab />
      )}
    </div>
  );
}
