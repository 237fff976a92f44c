/**
 * Two choices about how the attacks are read: one threshold per class or one for all (Song &
 * Mittal, arXiv:2003.10595), and the one-run privacy audit (Steinke, Nasr & Jagielski,
 * arXiv:2305.08846). The audit's numbers (canaries, guesses, confidence) are under "More settings".
 */
import { memo } from 'react';
import { SUGGESTED_AUDIT } from '../../core/config';
import { THRESHOLD_SCOPES, type ThresholdScope } from '../../core/attacks/evaluate';
import { useConfigStore } from '../state/config-store';

const SCOPE_LABELS: Record<ThresholdScope, string> = {
  'per-class': 'one per class (Song & Mittal)',
  global: 'one for all records',
};

/** Memoised: it reads its own fields from the store, so another control's change does not re-render it. */
export const AuditControls = memo(function AuditControls() {
  const scope = useConfigStore((s) => s.config.thresholdScope);
  const canaries = useConfigStore((s) => s.config.audit.canaries);
  const update = useConfigStore((s) => s.update);
  return (
    <>
      <div className="field">
        <label htmlFor="threshold-scope" title="Confidence, entropy and modified entropy: their scores differ in scale from class to class">
          Thresholds of confidence / entropy attacks
        </label>
        <select id="threshold-scope" data-testid="threshold-scope" value={scope} onChange={(e) => update({ thresholdScope: e.target.value as ThresholdScope })}>
          {THRESHOLD_SCOPES.map((s) => (
            <option key={s} value={s}>
              {SCOPE_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      <div className="checkbox">
        <input
          id="audit-on"
          type="checkbox"
          data-testid="audit-on"
          checked={canaries > 0}
          onChange={(e) => update({ audit: e.target.checked ? SUGGESTED_AUDIT : { canaries: 0 } })}
        />
        <label
          htmlFor="audit-on"
          title="Mislabelled canaries each join the target's training by a coin flip; the attacker guesses which did. The count of right guesses bounds ε from below at 95 % confidence (Steinke, Nasr & Jagielski, arXiv:2305.08846). The canaries cost some test accuracy."
        >
          One-run privacy audit ({canaries > 0 ? `${canaries} canaries` : 'off'})
        </label>
      </div>
    </>
  );
});
