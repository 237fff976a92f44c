/**
 * What the defenses on a result cost and bought: the target's test accuracy with and without them
 * (their price), and the privacy figures: the accountant's ε under DP-SGD beside the one-run
 * audit's lower bound (Steinke et al., arXiv:2305.08846), when it ran, and the strongest attack's
 * heuristic bound for this one trained model (Jagielski et al., arXiv:2006.07709). An accountant's
 * ε below the audit's bound would mean a bug or a broken assumption, so it is flagged.
 */
import { memo } from 'react';
import type { ExperimentResult } from '../../core/experiment';
import { arxiv } from '../charts/ChartFrame';
import { attackLabel } from '../charts/RocChart';
import { formatRate } from '../charts/chart-data';
import { describeDefenses } from '../defenses/defense-settings';
import { formatEpsilon } from '../defenses/live-epsilon';

type Empirical = ExperimentResult['privacy']['empirical'][number];

/** The attack with the largest finite empirical ε, or undefined when none has one. */
export function strongestEmpirical(empirical: readonly Empirical[]): Empirical | undefined {
  return empirical.filter((e) => Number.isFinite(e.epsilon) && e.epsilon > 0).reduce<Empirical | undefined>((best, e) => (!best || e.epsilon > best.epsilon ? e : best), undefined);
}

function DefenseSummaryView({ result }: { result: ExperimentResult }) {
  const { defense, privacy } = result;
  const strongest = strongestEmpirical(privacy.empirical);
  const accountant = privacy.accountant;
  const audit = privacy.audit;
  if (!defense && !accountant && !strongest && !audit) return null;
  const price = defense ? defense.testAccuracy.undefended - defense.testAccuracy.defended : undefined;
  return (
    <section className="result-summary defense-summary" data-testid="defense-summary">
      {defense && (
        <>
          <h3>Defenses: {describeDefenses(defense.defenses)}</h3>
          <table className="results-table compact" data-testid="defense-price">
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">with defenses</th>
                <th scope="col">without</th>
                <th scope="col">price</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">test accuracy</th>
                <td data-metric="defended">{formatRate(defense.testAccuracy.defended)}</td>
                <td data-metric="undefended">{formatRate(defense.testAccuracy.undefended)}</td>
                <td data-metric="price">{price === undefined ? '—' : `${price >= 0 ? '−' : '+'}${formatRate(Math.abs(price))}`}</td>
              </tr>
              <tr>
                <th scope="row">train accuracy</th>
                <td>{formatRate(defense.trainAccuracy.defended)}</td>
                <td>{formatRate(defense.trainAccuracy.undefended)}</td>
                <td />
              </tr>
            </tbody>
          </table>
          <p className="hint">
            &quot;Without&quot; is the same target trained and queried without the defenses (same seed and data).
            {defense.labelOnly && ' The target answers with labels only, so score attacks are not applicable.'}
            {defense.validationRecords !== undefined &&
              ` Early stopping held out ${defense.validationRecords} training records for validation; they are not counted as members.`}
            {defense.earlyStopping && ` It kept epoch ${defense.earlyStopping.bestEpoch} and stopped at ${defense.earlyStopping.stoppedEpoch}.`}
          </p>
        </>
      )}
      <div className="privacy" data-testid="privacy-figures">
        <div data-testid="accountant-epsilon">
          <strong>Accountant:</strong>{' '}
          {accountant ? (
            <>
              {formatEpsilon(accountant.epsilon)} at δ = {privacy.delta.toExponential(0)} (order {accountant.order}, {accountant.steps} steps, q ={' '}
              {accountant.samplingRate.toPrecision(3)}, σ {accountant.noiseMultiplier}
              {accountant.effectiveNoiseMultiplier !== accountant.noiseMultiplier && `, effective ${accountant.effectiveNoiseMultiplier}`})
              {accountant.gdpMu !== undefined && `; μ-GDP μ ≈ ${accountant.gdpMu.toFixed(2)} by the CLT (drawn on the ROC)`}
              {!accountant.samplingMatchesAccountant && ' — batches were shuffled, not Poisson-sampled: only the customary estimate'}
            </>
          ) : (
            'no guarantee (no DP-SGD): ε is unbounded'
          )}
        </div>
        <div data-testid="one-run-audit">
          <strong>One-run audit:</strong>{' '}
          {audit ? (
            <>
              ε ≥ {audit.epsilonLowerBound.toFixed(2)} at {Math.round(100 * audit.confidence)} % confidence: {audit.correct} of{' '}
              {audit.guessesIn + audit.guessesOut} guesses right ({audit.guessesIn} IN, {audit.guessesOut} OUT) about {audit.canaries} canaries
              ({arxiv('2305.08846')})
              {accountant && audit.epsilonLowerBound > accountant.epsilon + 1e-9 && (
                <span className="stale"> exceeds the accountant&apos;s ε: a broken assumption or a bug</span>
              )}
            </>
          ) : (
            'off (turn it on under Attacks: mislabelled canaries join training by coin flips)'
          )}
        </div>
        <div data-testid="empirical-epsilon">
          <strong>Strongest attack, heuristic for this one trained model:</strong>{' '}
          {strongest ? (
            <>
              ε ≥ {strongest.epsilon.toFixed(2)} from {attackLabel(strongest.attack)} at its calibrated threshold (Clopper–Pearson over records; not a certified audit)
              {accountant && strongest.epsilon > accountant.epsilon + 1e-9 && (
                <span className="stale"> exceeds the accountant&apos;s ε: a broken assumption or a bug</span>
              )}
            </>
          ) : (
            'no attack gives a positive lower bound'
          )}
        </div>
        <p className="hint">
          The accountant&apos;s ε is an upper bound on what any attack can learn (RDP of the sampled Gaussian, {arxiv('1908.10530')}).
          The one-run audit&apos;s ε is a lower bound that holds at its confidence over the canaries&apos; coins; the truth lies
          between. The attack heuristic ({arxiv('2006.07709')}) treats the records of one trained model as independent trials,
          which they are not, so read it as a hint, not a bound.
        </p>
      </div>
    </section>
  );
}

/** Memoised: the results view re-renders on every control change; this changes only with its result. */
export const DefenseSummary = memo(DefenseSummaryView);
