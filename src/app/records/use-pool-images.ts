/**
 * The pool's pixels for the Records view, read from the copy of the parsed dataset the worker kept
 * in IndexedDB when it ran the experiment (shared/storage/db.ts), so the page never re-parses or
 * re-downloads anything. Undefined while loading; 'missing' when the cache was cleared.
 */
import { useEffect, useState } from 'react';
import type { DatasetConfig } from '../../core/config';
import type { ImageDataset } from '../../core/datasets/types';
import { datasetCacheKey, loadDataset } from '../../shared/storage/db';

export function usePoolImages(dataset: DatasetConfig): ImageDataset | 'missing' | undefined {
  const key = datasetCacheKey(dataset);
  const [state, setState] = useState<{ key: string; value: ImageDataset | 'missing' } | undefined>();
  useEffect(() => {
    let live = true;
    loadDataset(key)
      .then((stored) => live && setState({ key, value: stored?.dataset ?? 'missing' }))
      .catch(() => live && setState({ key, value: 'missing' }));
    return () => {
      live = false;
    };
  }, [key]);
  return state?.key === key ? state.value : undefined;
}
