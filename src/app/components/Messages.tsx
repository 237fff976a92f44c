/** Errors and notices the user should see, each dismissible. */
import { useUiStore } from '../state/ui-store';

export function Messages() {
  const messages = useUiStore((s) => s.messages);
  const dismiss = useUiStore((s) => s.dismiss);
  if (messages.length === 0) return null;
  return (
    <div className="messages" aria-live="polite">
      {messages.map((m) => (
        <div key={m.id} className={`message ${m.kind}`} role={m.kind === 'error' ? 'alert' : 'status'} data-testid={`message-${m.kind}`}>
          <span>{m.text}</span>
          {m.details && m.details.length > 0 && (
            <ul>
              {m.details.map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
          )}
          <button type="button" className="dismiss" aria-label="Dismiss" onClick={() => dismiss(m.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
