/**
 * The browser app's entry: restore the experiment from the URL and the last session's results
 * from IndexedDB, then render. Training runs in workers/experiment.worker.ts, never here.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { restoreSession, warmUp } from './state/actions';
import { watchInstantReruns } from './state/instant-rerun';
import { trainsLikeTarget, useConfigStore } from './state/config-store';
import { useUiStore } from './state/ui-store';
import { syncConfigWithUrl } from './state/url-sync';
import './styles.css';

// Subscribed first, so a control that needs no training posts its re-run to the worker before the
// other listeners (the URL's replaceState, a few ms under load) run in the same input event.
watchInstantReruns();
syncConfigWithUrl(window);
useUiStore.getState().setShadowFollowsTarget(trainsLikeTarget(useConfigStore.getState().config));
// A config from a link, a preset or a file whose shadow trains differently shows the shadow's own fields.
useConfigStore.subscribe((state, previous) => {
  if (state.config !== previous.config && !trainsLikeTarget(state.config)) useUiStore.getState().setShadowFollowsTarget(false);
});
void restoreSession();
warmUp();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ErrorBoundary area="the lab">
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
