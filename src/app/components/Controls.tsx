/** The experiment's settings, all read from the core's registries and written to the config store. */
import { memo, useState, type DragEvent, type ReactNode } from 'react';
import { ATTACK_NAMES, ATTACKS, type AttackName } from '../../core/attacks/registry';
import { PRESETS, type TrainingConfig } from '../../core/config';
import { BUILTIN_DATASETS, BUILTIN_DATASET_IDS, isBuiltinDatasetId } from '../../core/datasets/builtin';
import { ARCHITECTURE_CATALOG as ARCHITECTURES, ARCHITECTURE_IDS, type ArchitectureId } from '../../core/models/catalog';
import { BACKEND_CHOICES, type BackendChoice } from '../../../workers/protocol';
import { chooseDatasetFiles } from '../state/actions';
import { useConfigStore } from '../state/config-store';
import { useUiStore } from '../state/ui-store';
import type { ControlGroup } from '../state/url-hash';
import { DefensesPanel } from '../defenses/DefensesPanel';
import { NumberField } from './NumberField';
import { AuditControls } from './AuditControls';
import { SpecFields, configSections } from './SpecFields';

/** Training fields, shown by TrainingFields rather than the generated sections. */
const TRAINING_KEYS = ['architecture', 'epochs', 'batchSize', 'learningRate'];
const NO_KEYS: readonly string[] = [];
/** Config sections with hand-made controls above; every other section is generated from the schema. */
const HAND_MADE_SECTIONS = ['dataset', 'target', 'shadow', 'defenses'];

const BACKEND_LABELS: Record<BackendChoice, string> = {
  auto: 'Auto (WebGPU → webgl → wasm → cpu)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly',
  cpu: 'CPU (plain JavaScript)',
};

function TrainingFields({ role, training, onChange }: { role: string; training: TrainingConfig; onChange: (patch: Partial<TrainingConfig>) => boolean }) {
  return (
    <fieldset className="training">
      <legend>{role}</legend>
      <div className="field">
        <label htmlFor={`${role}-arch`}>Architecture</label>
        <select
          id={`${role}-arch`}
          data-testid={`${role.toLowerCase()}-architecture`}
          value={training.architecture}
          onChange={(e) => onChange({ architecture: e.target.value as ArchitectureId })}
        >
          {ARCHITECTURE_IDS.map((id) => (
            <option key={id} value={id} title={ARCHITECTURES[id].description}>
              {ARCHITECTURES[id].label}
            </option>
          ))}
        </select>
      </div>
      <NumberField label="Epochs" value={training.epochs} min={1} onCommit={(epochs) => onChange({ epochs })} testId={`${role.toLowerCase()}-epochs`} />
      <NumberField label="Batch size" value={training.batchSize} min={1} onCommit={(batchSize) => onChange({ batchSize })} />
      <NumberField label="Learning rate" value={training.learningRate} step="any" onCommit={(learningRate) => onChange({ learningRate })} />
    </fieldset>
  );
}

/**
 * The sections below read their own slice of the config store and are memoised: a change to one
 * control re-renders its section, not the whole form (issue 10: the input event's own render).
 */
const DatasetControls = memo(function DatasetControls() {
  const dataset = useConfigStore((s) => s.config.dataset);
  const update = useConfigStore((s) => s.update);
  const userFiles = useUiStore((s) => s.userFiles);
  const [dragging, setDragging] = useState(false);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void chooseDatasetFiles(event.dataTransfer.files);
  };
  const builtin = isBuiltinDatasetId(dataset.name) ? BUILTIN_DATASETS[dataset.name] : undefined;
  return (
    <fieldset>
      <legend>Dataset</legend>
      <div className="field">
        <label htmlFor="dataset">Data</label>
        <select
          id="dataset"
          data-testid="dataset"
          value={dataset.name}
          onChange={(e) => {
            const name = e.target.value;
            if (isBuiltinDatasetId(name)) update({ dataset: { name } });
            else if (userFiles.length > 0) update({ dataset: { name: 'custom', files: userFiles.map((f) => f.name) } });
          }}
        >
          {BUILTIN_DATASET_IDS.map((id) => (
            <option key={id} value={id}>
              {BUILTIN_DATASETS[id].label}
            </option>
          ))}
          <option value="custom" disabled={dataset.name !== 'custom' && userFiles.length === 0}>
            Your files{dataset.name === 'custom' ? `: ${(dataset.files ?? []).join(', ')}` : ''}
          </option>
        </select>
      </div>
      {builtin && <p className="hint">{builtin.description}</p>}
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor="dataset-files">Drop dataset files here, or pick them:</label>
        <input
          id="dataset-files"
          data-testid="dataset-files"
          type="file"
          multiple
          accept=".gz,.tar,.tgz,.bin,.txt,application/gzip,application/x-tar,application/octet-stream,*"
          onChange={(e) => e.target.files && void chooseDatasetFiles(e.target.files)}
        />
        <small>IDX (raw or .gz), CIFAR-10/100 binaries, or their .tar.gz. Parsed in the worker when the run starts; a bad file is refused by name.</small>
      </div>
      {dataset.name === 'custom' && userFiles.length === 0 && (
        <p className="hint">The files are not in this page's memory; the parsed copy in the cache is used if there is one, else pick them again.</p>
      )}
    </fieldset>
  );
});

/** What each kind of attack needs; a kind added to the registry later shows under its own name. */
const KIND_LABELS: Partial<Record<string, string>> = {
  baseline: 'baseline',
  threshold: 'shadow threshold',
  model: 'trained on shadow models',
  reference: 'reference models',
  'label-query': 'labels only, shadow threshold',
  quantile: 'quantile regression, no shadows',
};

const AttackControls = memo(function AttackControls() {
  const attacks = useConfigStore((s) => s.config.attacks);
  const update = useConfigStore((s) => s.update);
  const toggle = (name: AttackName, on: boolean) => {
    // Keep the registry's order so results list attacks the same way every time.
    const next = ATTACK_NAMES.filter((n) => (n === name ? on : attacks.includes(n)));
    update({ attacks: next });
  };
  return (
    <fieldset>
      <legend>Attacks</legend>
      {ATTACK_NAMES.map((name) => {
        const attack = ATTACKS[name];
        return (
          <div key={name} className="checkbox">
            <input
              id={`attack-${name}`}
              type="checkbox"
              data-testid={`attack-${name}`}
              checked={attacks.includes(name)}
              onChange={(e) => toggle(name, e.target.checked)}
            />
            <label htmlFor={`attack-${name}`} title={attack.explanation}>
              {attack.label} <small>({KIND_LABELS[attack.kind] ?? attack.kind})</small>
            </label>
          </div>
        );
      })}
    </fieldset>
  );
});

/**
 * A group of controls a link or lesson may hide (not rendered) or lock (shown, disabled: a
 * disabled fieldset disables everything inside it).
 */
function Group({ id, children }: { id: ControlGroup; children: ReactNode }) {
  const hidden = useUiStore((s) => s.hidden.includes(id));
  const locked = useUiStore((s) => s.locked.includes(id));
  if (hidden) return null;
  return (
    <fieldset className={`group${locked ? ' locked' : ''}`} disabled={locked} data-testid={`group-${id}`} title={locked ? 'Locked by the lesson' : undefined}>
      {children}
    </fieldset>
  );
}

export function Controls() {
  const config = useConfigStore((s) => s.config);
  const problems = useConfigStore((s) => s.problems);
  const preset = useConfigStore((s) => s.preset);
  const { update, applyPreset } = useConfigStore.getState();
  const backend = useUiStore((s) => s.backend);
  const setBackend = useUiStore((s) => s.setBackend);
  const follows = useUiStore((s) => s.shadowFollowsTarget);
  const setFollows = useUiStore((s) => s.setShadowFollowsTarget);
  // Shadow and reference models train like the target unless the user unticks the box (as in a config file).
  const updateTarget = (patch: Partial<TrainingConfig>) =>
    update(follows ? { target: patch, shadow: patch, reference: patch } : { target: patch });
  return (
    <section className="controls" aria-label="Experiment settings">
      <h2>Experiment</h2>
      <Group id="preset">
      <div className="field">
        <label htmlFor="preset">Preset</label>
        <select id="preset" data-testid="preset" value={preset ?? ''} onChange={(e) => e.target.value && applyPreset(e.target.value)}>
          <option value="">(custom settings)</option>
          {Object.entries(PRESETS).map(([name, p]) => (
            <option key={name} value={name} title={p.description}>
              {name}
            </option>
          ))}
        </select>
      </div>
      {preset && <p className="hint">{PRESETS[preset]?.description}</p>}
      </Group>
      <Group id="dataset">
        <DatasetControls />
      </Group>
      <Group id="partSize">
      <NumberField
        label="Records per part"
        value={config.partSize}
        min={10}
        onCommit={(partSize) => update({ partSize })}
        testId="part-size"
        hint="Four disjoint parts: target train (members), target test, shadow train, shadow test."
      />
      </Group>
      <Group id="seed">
        <NumberField label="Seed" value={config.seed} min={0} onCommit={(seed) => update({ seed })} testId="seed" />
      </Group>
      <Group id="target">
        <TrainingFields role="Target" training={config.target} onChange={updateTarget} />
      </Group>
      <Group id="shadow">
      <div className="checkbox">
        <input id="shadow-follows" type="checkbox" checked={follows} onChange={(e) => {
          setFollows(e.target.checked);
          if (e.target.checked) update({ shadow: config.target, reference: config.target });
        }} />
        <label htmlFor="shadow-follows">Shadow and reference models trained like the target</label>
      </div>
      {!follows && <TrainingFields role="Shadow" training={config.shadow} onChange={(patch) => update({ shadow: patch })} />}
      <SpecFields section="shadow" title="Shadow models" exclude={TRAINING_KEYS} />
      </Group>
      <Group id="attacks">
        <AttackControls />
        <AuditControls />
      </Group>
      <Group id="defenses">
        <DefensesPanel />
      </Group>
      <Group id="advanced">
      <details className="advanced">
        <summary>More settings (reference models, attack parameters)</summary>
        {configSections()
          .filter((section) => !HAND_MADE_SECTIONS.includes(section))
          .map((section) => (
            <SpecFields key={section} section={section} exclude={follows ? TRAINING_KEYS : NO_KEYS} />
          ))}
      </details>
      </Group>
      <Group id="backend">
      <div className="field">
        <label htmlFor="backend">Backend</label>
        <select id="backend" data-testid="backend" value={backend} onChange={(e) => setBackend(e.target.value as BackendChoice)}>
          {BACKEND_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {BACKEND_LABELS[choice]}
            </option>
          ))}
        </select>
      </div>
      </Group>
      {problems.length > 0 && (
        <div className="message error" role="alert" data-testid="config-problems">
          Not applied:
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
