/**
 * The browser app's entry. The interactive lab (workers, charts, IndexedDB) is not built yet; this
 * page lists what the engine offers, read from the same registries the CLI uses.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ATTACKS } from '../core/attacks/registry';
import { PRESETS } from '../core/config';
import { ARCHITECTURES } from '../core/models/architectures';

function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 760, margin: '2rem auto', lineHeight: 1.5 }}>
      <h1>MIA Lab</h1>
      <p>
        The in-browser lab is still being built. Today the engine runs headless: <code>npm run lab -- --preset quick</code>.
      </p>
      <h2>Attacks</h2>
      <ul>
        {Object.values(ATTACKS).map((a) => (
          <li key={a.name}>
            <strong>{a.label}</strong> — {a.explanation}
          </li>
        ))}
      </ul>
      <h2>Architectures</h2>
      <ul>
        {Object.values(ARCHITECTURES).map((a) => (
          <li key={a.id}>
            <strong>{a.label}</strong> — {a.description}
          </li>
        ))}
      </ul>
      <h2>Presets</h2>
      <ul>
        {Object.entries(PRESETS).map(([name, p]) => (
          <li key={name}>
            <code>{name}</code> — {p.description}
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
