/** The end-of-run summary the CLI prints: the target's figures and one row per attack. */
import type { ExperimentResult } from '../core/experiment';
import type { AttackResult } from '../core/attacks/evaluate';
import { formatWithInterval, isWiderThanFigure, WIDE_INTERVAL_NOTE } from '../core/metrics/intervals';

function formatRow(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
}

export function formatResultsTable(result: ExperimentResult): string {
  const { target } = result;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `target ${target.architecture}: train acc ${pct(target.trainAccuracy)}, test acc ${pct(target.testAccuracy)}, ` +
      `gap g = ${target.generalizationGap.toFixed(4)} → correctness-attack accuracy (1+g)/2 = ${((1 + target.generalizationGap) / 2).toFixed(4)}`,
    '',
  ];
  const header = ['attack', 'AUC', 'acc@chosen thr', 'best acc (oracle)', 'advantage', 'TPR@0.1%FPR', 'TPR@1%FPR', 'TPR@10%FPR'];
  const rows = result.attacks.map((a) => [
    a.name,
    formatWithInterval(a.auc, a.intervals?.auc),
    formatWithInterval(a.accuracy, a.intervals?.accuracy),
    a.bestAccuracy.toFixed(3),
    formatWithInterval(a.advantage, a.intervals?.advantage),
    formatWithInterval(a.tprAtFpr['0.001'], a.intervals?.tprAtFpr['0.001']),
    formatWithInterval(a.tprAtFpr['0.01'], a.intervals?.tprAtFpr['0.01']),
    formatWithInterval(a.tprAtFpr['0.1'], a.intervals?.tprAtFpr['0.1']),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  lines.push(formatRow(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => formatRow(r, widths)));
  for (const { name, reason } of result.notApplicable) lines.push(`${name.padEnd(widths[0])}  ${reason}`);
  lines.push(...conventionNotes(result.attacks));
  const { defense, privacy } = result;
  if (defense) {
    lines.push(
      '',
      `defenses: ${defense.active.join(', ')}; target test accuracy ${pct(defense.testAccuracy.defended)} with them, ` +
        `${pct(defense.testAccuracy.undefended)} without (price ${(100 * (defense.testAccuracy.undefended - defense.testAccuracy.defended)).toFixed(1)} points)`,
    );
    if (defense.earlyStopping) lines.push(`early stopping: best epoch ${defense.earlyStopping.bestEpoch}, stopped at ${defense.earlyStopping.stoppedEpoch}; ${defense.validationRecords} validation records left out of the members`);
  }
  if (privacy.accountant) {
    const a = privacy.accountant;
    const mu = a.gdpMu !== undefined ? `; μ-GDP μ ≈ ${a.gdpMu.toFixed(3)} by the CLT` : '';
    lines.push(`DP-SGD: ε = ${a.epsilon.toFixed(3)} at δ = ${privacy.delta} (RDP order ${a.order}, ${a.steps} steps, q = ${a.samplingRate.toFixed(4)}, σ_eff = ${a.effectiveNoiseMultiplier}${mu})${a.samplingMatchesAccountant ? '' : ' — shuffled batches: the accountant assumes Poisson sampling, so this ε is only the customary estimate'}`);
  }
  if (privacy.audit) {
    const u = privacy.audit;
    lines.push(
      `one-run audit (Steinke et al., arXiv:2305.08846): ${u.correct} of ${u.guessesIn + u.guessesOut} guesses right ` +
        `(${u.guessesIn} IN, ${u.guessesOut} OUT, ${u.canaries} canaries) → ε ≥ ${u.epsilonLowerBound.toFixed(3)} at ${Math.round(100 * u.confidence)} % confidence, δ = ${u.delta}`,
    );
  }
  const strongest = [...privacy.empirical].sort((a, b) => b.epsilon - a.epsilon)[0];
  if (strongest) {
    lines.push(`heuristic ε for this one trained model (not a certified audit): ε ≥ ${strongest.epsilon.toFixed(3)} (${strongest.attack}, at its calibrated threshold, 95 % Clopper–Pearson, δ = ${privacy.delta})`);
  }
  return lines.join('\n');
}

/** What the figures follow, and the footnote for marked ones. */
function conventionNotes(attacks: readonly AttackResult[]): string[] {
  if (!attacks.some((a) => a.intervals)) return [];
  const notes = [
    '',
    'figures: value [95 % interval] — bootstrap over records (200 stratified resamples) for AUC, accuracy, advantage; Clopper–Pearson for TPR.',
    'TPR@x%FPR counts ROC points with FPR strictly below x (LiRA\'s convention).',
  ];
  const perClass = attacks.filter((a) => a.classThresholds).map((a) => a.name);
  if (perClass.length > 0) notes.push(`${perClass.join(', ')}: one shadow-chosen threshold per class (Song & Mittal, arXiv:2003.10595).`);
  const marked = attacks.some((a) => {
    const i = a.intervals;
    if (!i) return false;
    return (
      isWiderThanFigure(a.auc, i.auc) || isWiderThanFigure(a.accuracy, i.accuracy) || isWiderThanFigure(a.advantage, i.advantage) ||
      (['0.001', '0.01', '0.1'] as const).some((f) => isWiderThanFigure(a.tprAtFpr[f], i.tprAtFpr[f]))
    );
  });
  if (marked) notes.push(WIDE_INTERVAL_NOTE);
  return notes;
}
