/**
 * Every defense of the registry as a switch with sliders for its parameters (ranges from the
 * registry), its explanation and citations on demand, and DP-SGD's ε live as the sliders move.
 */
import { memo } from 'react';
import { DEFENSE_LIST, type DefenseId, type DefenseInfo, type ParameterSpec } from '../../core/defenses/registry';
import { arxiv } from '../charts/ChartFrame';
import { useConfigStore } from '../state/config-store';
import { parameterValue, setDefenseParameter, sliderRange, toggleDefense } from './defense-settings';
import { formatEpsilon, liveDpSgdEpsilon } from './live-epsilon';

function ParameterControl({ info, parameter }: { info: DefenseInfo; parameter: ParameterSpec }) {
  const defenses = useConfigStore((s) => s.config.defenses);
  const batchSize = useConfigStore((s) => s.config.target.batchSize);
  const update = useConfigStore((s) => s.update);
  const value = parameterValue(defenses, info, parameter.name);
  const id = `defense-${info.id}-${parameter.name}`;
  const set = (next: number | string) => update({ defenses: setDefenseParameter(defenses, info.id, parameter.name, next) });
  if (parameter.kind === 'enum') {
    return (
      <div className="field">
        <label htmlFor={id} title={parameter.description}>
          {parameter.label}
        </label>
        <select id={id} data-testid={id} value={String(value)} onChange={(e) => set(e.target.value)}>
          {parameter.values.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <small>{parameter.description}</small>
      </div>
    );
  }
  // A microbatch larger than the batch is refused by the config; the slider stops at the batch size.
  const range = sliderRange(parameter, info.id === 'dp-sgd' && parameter.name === 'microbatchSize' ? batchSize : undefined);
  return (
    <div className="field slider">
      <label htmlFor={id} title={parameter.description}>
        {parameter.label}
      </label>
      <span className="slider-row">
        <input
          id={id}
          data-testid={id}
          type="range"
          min={range.min}
          max={range.max}
          step={range.step}
          value={Number(value)}
          onChange={(e) => set(Number(e.target.value))}
        />
        <output htmlFor={id} data-testid={`${id}-value`}>
          {String(value)}
        </output>
      </span>
      <small>{parameter.description}</small>
    </div>
  );
}

/** ε at δ = 1e-5 for the DP-SGD settings and the target's schedule, recomputed on every slider move. */
function LiveEpsilonView() {
  const config = useConfigStore((s) => s.config);
  const live = liveDpSgdEpsilon(config);
  if (live.kind === 'none') return null;
  if (live.kind === 'invalid') return <p className="hint">ε cannot be computed for these settings: {live.reason}</p>;
  return (
    <div className="epsilon" data-testid="dp-epsilon" data-epsilon={live.epsilon}>
      <strong>
        {formatEpsilon(live.epsilon)}
        {live.upperBound && ' at most'}
      </strong>{' '}
      at δ = {live.delta.toExponential(0)} (Rényi order {live.order})
      <small>
        N = {live.datasetSize} training records, batch B = {live.batchSize} (q = {live.samplingRate.toPrecision(3)}), {live.epochs} epochs ={' '}
        {live.steps} steps, noise σ = {live.noiseMultiplier}
        {live.effectiveNoiseMultiplier !== live.noiseMultiplier && ` (effective ${live.effectiveNoiseMultiplier}: microbatches double the sensitivity)`}.
        {' '}
        {live.poisson
          ? 'Assumes Poisson sampling (each record joins each step with probability q), which is how the lab trains.'
          : 'The accountant assumes Poisson sampling; with shuffled batches this is only the customary estimate, not a guarantee.'}
        {live.upperBound && ' Early stopping may end training sooner; the run reports the ε of the epochs it trained.'}
      </small>
    </div>
  );
}

function DefenseCard({ info }: { info: DefenseInfo }) {
  const defenses = useConfigStore((s) => s.config.defenses);
  const update = useConfigStore((s) => s.update);
  const on = defenses[info.id as DefenseId] !== undefined;
  const id = `defense-${info.id}`;
  return (
    <div className={`defense${on ? ' on' : ''}`} data-testid={`${id}-card`}>
      <div className="checkbox">
        <input id={id} type="checkbox" data-testid={id} checked={on} onChange={(e) => update({ defenses: toggleDefense(defenses, info.id, e.target.checked) })} />
        <label htmlFor={id}>
          {info.label} <small>({info.kind === 'output' ? 'on the outputs' : 'in training'})</small>
        </label>
      </div>
      {on && info.parameters.map((p) => <ParameterControl key={p.name} info={info} parameter={p} />)}
      {on && info.id === 'dp-sgd' && <LiveEpsilonView />}
      <details className="explanation">
        <summary>What it does</summary>
        <p>{info.explanation}</p>
        {info.references.length > 0 && (
          <p className="hint">
            Sources:{' '}
            {info.references.map((ref, i) => (
              <span key={ref}>
                {i > 0 && ', '}
                {arxiv(ref)}
              </span>
            ))}
          </p>
        )}
      </details>
    </div>
  );
}

/** Memoised: the cards read their own defenses from the store; another control's change re-renders none of it. */
export const DefensesPanel = memo(function DefensesPanel() {
  const count = useConfigStore((s) => Object.keys(s.config.defenses).length);
  return (
    <fieldset className="defenses" data-testid="defenses">
      <legend>Defenses{count > 0 ? ` (${count} on)` : ''}</legend>
      <p className="hint">
        Shadow models train under the same defenses (the attacker knows the recipe). Training defenses also train the target once without
        them, to measure their price in accuracy.
      </p>
      {DEFENSE_LIST.map((info) => (
        <DefenseCard key={info.id} info={info} />
      ))}
    </fieldset>
  );
});
