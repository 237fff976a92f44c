/** What the cache holds, and a button to empty it. */
import { formatBytes } from '../charts/chart-data';
import { clearCache } from '../state/actions';
import { useUiStore } from '../state/ui-store';

export function StoragePanel() {
  const storage = useUiStore((s) => s.storage);
  return (
    <section className="storage" aria-label="Storage">
      <h2>Storage</h2>
      <p data-testid="storage-used">
        {storage
          ? `${formatBytes(storage.usage)} used of ${formatBytes(storage.quota)} available to this site (results and parsed datasets in IndexedDB).`
          : 'The browser does not report its storage use.'}
      </p>
      <button type="button" data-testid="clear-cache" onClick={() => void clearCache()}>
        Clear cache
      </button>
    </section>
  );
}
