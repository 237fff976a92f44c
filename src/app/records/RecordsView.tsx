/**
 * The records behind the numbers: the members the chosen attack exposes first, drawn as images,
 * each with its score, ranks, the attack's threshold, which attacks flag it at 1 % FPR, and for
 * reference attacks the record's confidence under its IN and OUT reference models. Linked to the
 * ROC chart (hovering a point lights up the records above its threshold) and to the histograms
 * (a clicked record is marked in each). Changing the attack redraws everything from that attack.
 */
import { memo, useMemo } from 'react';
import type { RecordsExposure } from '../../core/attacks/records';
import type { DatasetConfig } from '../../core/config';
import { ChartFrame, arxiv } from '../charts/ChartFrame';
import { attackLabel } from '../charts/RocChart';
import { chooseAttack, exposedMemberCards, rankableAttacks, thresholdAtFpr, type RecordCard, type RecordsInput } from './records-data';
import { RecordImage } from './RecordImage';
import { useRecordsStore } from './records-store';
import { usePoolImages } from './use-pool-images';
import { useRecordsExposure } from './records-worker';

function formatScore(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/** The IN and OUT confidences of one record as two rows of ticks on a shared axis. */
function InOutStrip({ inOut }: { inOut: NonNullable<RecordCard['inOut']> }) {
  const all = [...inOut.in, ...inOut.out];
  const min = Math.min(...all);
  const max = Math.max(...all);
  const x = (v: number) => (max > min ? 4 + ((v - min) / (max - min)) * 92 : 50);
  return (
    <svg width="100" height="22" viewBox="0 0 100 22" aria-label="confidence under IN (red) and OUT (blue) reference models" data-testid="in-out-strip">
      {inOut.in.map((v, i) => <line key={`i${i}`} x1={x(v)} x2={x(v)} y1={2} y2={9} stroke="#d62728" />)}
      {inOut.out.map((v, i) => <line key={`o${i}`} x1={x(v)} x2={x(v)} y1={13} y2={20} stroke="#1f77b4" />)}
    </svg>
  );
}

function Card({ card, dataset, lit, selected, onSelect, classNames }: { card: RecordCard; dataset: Parameters<typeof RecordImage>[0]['dataset'] | undefined; lit: boolean; selected: boolean; onSelect: () => void; classNames?: readonly string[] }) {
  const name = (c: number) => classNames?.[c] ?? String(c);
  return (
    <button type="button" className={`record-card${lit ? ' lit' : ''}${selected ? ' selected' : ''}`} onClick={onSelect} data-testid="record-card" data-position={card.position} aria-pressed={selected}>
      {dataset ? <RecordImage dataset={dataset} poolIndex={card.poolIndex} /> : <span className="record-placeholder">#{card.poolIndex}</span>}
      <small>
        #{card.rank} · score {formatScore(card.score)}
        <br />
        label {name(card.label)}
        {card.predicted !== undefined && card.predicted !== card.label ? ` · predicted ${name(card.predicted)}` : ''} · #{card.classRank} in class
        <br />
        {card.flaggedBy.length > 0 ? `flagged by ${card.flaggedBy.length}` : 'flagged by none'}
      </small>
      {card.inOut && <InOutStrip inOut={card.inOut} />}
    </button>
  );
}

/**
 * The ranks and flags behind the cards are per-record work over every attack: the Records view's
 * worker computes them (records-worker.ts), so a new result's table and charts commit
 * without them and this view follows when the worker answers, showing the previous result's
 * cards meanwhile (issue 10: no task over 100 ms, and the page only draws).
 */
function RecordsViewRanked({ input, dataset, stale }: { input: RecordsInput; dataset: DatasetConfig; stale?: boolean }) {
  const hasScores = useMemo(() => rankableAttacks(input.attacks).length > 0, [input]);
  const ranked = useRecordsExposure(input);
  if (!hasScores) return <p className="empty">No attack with per-record scores in this result.</p>;
  if (!ranked) return <div className="chart-pending" data-testid="chart-pending" aria-busy="true" />;
  if ('error' in ranked) return <p className="empty" role="alert">The records could not be ranked: {ranked.error}</p>;
  return <RecordsViewInner input={ranked.key} exposure={ranked.value} dataset={dataset} stale={stale} />;
}

function RecordsViewInner({ input, exposure, dataset: datasetConfig, stale }: { input: RecordsInput; exposure: RecordsExposure; dataset: DatasetConfig; stale?: boolean }) {
  const wanted = useRecordsStore((s) => s.attack);
  const setAttack = useRecordsStore((s) => s.setAttack);
  const hoverFpr = useRecordsStore((s) => s.hoverFpr);
  const selected = useRecordsStore((s) => s.selected);
  const select = useRecordsStore((s) => s.select);
  const pool = usePoolImages(datasetConfig);
  const candidates = rankableAttacks(input.attacks);
  const attack = chooseAttack(input.attacks, wanted);
  const attackExposure = attack && exposure.attacks.find((a) => a.name === attack.name);
  const cards = useMemo(() => (attack && attackExposure ? exposedMemberCards(input, attack, attackExposure) : []), [input, attack, attackExposure]);
  const overlap = exposure.tally;
  const hoverThreshold = attackExposure && hoverFpr !== undefined ? thresholdAtFpr(attackExposure, hoverFpr) : undefined;
  if (!attack || !attackExposure) return <p className="empty">No attack with per-record scores in this result.</p>;
  const selectedCard = cards.find((c) => c.position === selected);
  const dataset = typeof pool === 'object' ? pool : undefined;
  return (
    <ChartFrame
      title="Records"
      testId="records-view"
      stale={stale}
      explanation={
        <>
          The members the chosen attack finds most member-like, highest score first. Hover the ROC curve to light up the ones above that
          point&apos;s threshold; click one to mark its score in the histograms. &quot;Flagged&quot; means called a member at 1% false
          positives on this target&apos;s non-members.
        </>
      }
      more={
        <p>
          Outliers and atypical records leak first: a model can only fit them by remembering them (Carlini et al., {arxiv('2112.03570')};
          Feldman, {arxiv('1906.05271')}). For reference attacks the ticks are the record&apos;s logit-scaled confidence under the reference
          models that trained on it (red) and those that did not (blue).
        </p>
      }
    >
      <label>
        Attack{' '}
        <select value={attack.name} onChange={(e) => setAttack(e.target.value)} data-testid="records-attack">
          {candidates.map((a) => (
            <option key={a.name} value={a.name}>
              {attackLabel(a.name)}
            </option>
          ))}
        </select>
      </label>{' '}
      <small data-testid="records-threshold">
        threshold {formatScore(attack.threshold)}
        {hoverThreshold !== undefined && ` · hovered ROC point (FPR ${(100 * (hoverFpr ?? 0)).toFixed(2)}%): score > ${formatScore(hoverThreshold)}`}
      </small>
      <p className="records-overlap" data-testid="records-overlap">
        Members flagged at {100 * exposure.fpr}% FPR by none of the {candidates.length} attacks: {overlap.none}; by one: {overlap.one}; by several:{' '}
        {overlap.several}; by all: {overlap.all}.
      </p>
      {pool === 'missing' && <p className="hint">The dataset is no longer stored in this browser (the cache was cleared): run again to see the images.</p>}
      <div className="record-grid" data-testid="record-grid" data-attack={attack.name}>
        {cards.map((card) => (
          <Card
            key={`${attack.name}-${card.position}`}
            card={card}
            dataset={dataset}
            lit={hoverThreshold !== undefined && card.score > hoverThreshold}
            selected={card.position === selected}
            onSelect={() => select(card.position === selected ? undefined : card.position)}
            classNames={dataset?.classNames}
          />
        ))}
      </div>
      {selectedCard && (
        <p data-testid="records-selected">
          Record #{selectedCard.poolIndex} (label {selectedCard.label}): score {formatScore(selectedCard.score)} under {attackLabel(attack.name)}, rank{' '}
          {selectedCard.rank}; flagged by {selectedCard.flaggedBy.map(attackLabel).join(', ') || 'no attack'}. Its place in each histogram is marked.
        </p>
      )}
    </ChartFrame>
  );
}

/** Memoised: the page re-renders on every progress event; this view changes with its result and its own store. */
export const RecordsView = memo(RecordsViewRanked);

