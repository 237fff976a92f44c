/** The end-of-run summary the CLI prints: the target's figures and one row per attack. */
import type { ExperimentResult } from '../core/experiment';

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
    a.auc.toFixed(4),
    a.accuracy.toFixed(4),
    a.bestAccuracy.toFixed(4),
    a.advantage.toFixed(4),
    a.tprAtFpr['0.001'].toFixed(4),
    a.tprAtFpr['0.01'].toFixed(4),
    a.tprAtFpr['0.1'].toFixed(4),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  lines.push(formatRow(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => formatRow(r, widths)));
  for (const { name, reason } of result.notApplicable) lines.push(`${name.padEnd(widths[0])}  ${reason}`);
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
    lines.push(`DP-SGD: ε = ${a.epsilon.toFixed(3)} at δ = ${privacy.delta} (RDP order ${a.order}, ${a.steps} steps, q = ${a.samplingRate.toFixed(4)}, σ_eff = ${a.effectiveNoiseMultiplier})${a.samplingMatchesAccountant ? '' : ' — shuffled batches: the accountant assumes Poisson sampling, so this ε is only the customary estimate'}`);
  }
  const strongest = [...privacy.empirical].sort((a, b) => b.epsilon - a.epsilon)[0];
  if (strongest) lines.push(`empirical lower bound: ε ≥ ${strongest.epsilon.toFixed(3)} (${strongest.attack}, 95 % Clopper–Pearson, δ = ${privacy.delta})`);
  return lines.join('\n');
}
