/**
 * A number input that keeps what the user types (an empty box mid-edit is fine) and commits only
 * values the config accepts; a refused value is shown with the reason beside it.
 */
import { useEffect, useId, useState } from 'react';

interface Props {
  readonly label: string;
  readonly value: number;
  /** Returns false (and the store says why) when the value is refused. */
  readonly onCommit: (value: number) => boolean;
  readonly step?: number | 'any';
  readonly min?: number;
  readonly max?: number;
  readonly hint?: string;
  readonly testId?: string;
}

export function NumberField({ label, value, onCommit, step = 1, min, max, hint, testId }: Props) {
  const id = useId();
  const [text, setText] = useState(String(value));
  const [refused, setRefused] = useState(false);
  // Follow outside changes (a preset, a link) without rewriting what is being typed ("1." stays "1.").
  useEffect(() => {
    setText((current) => (Number(current) === value && current.trim() !== '' ? current : String(value)));
    setRefused(false);
  }, [value]);
  const commit = (next: string) => {
    setText(next);
    const parsed = Number(next);
    if (next.trim() === '' || !Number.isFinite(parsed)) {
      setRefused(true);
      return;
    }
    setRefused(!onCommit(parsed));
  };
  return (
    <div className={`field${refused ? ' refused' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        value={text}
        step={step}
        min={min}
        max={max}
        data-testid={testId}
        aria-invalid={refused}
        onChange={(e) => commit(e.target.value)}
      />
      {hint && <small>{hint}</small>}
    </div>
  );
}
