// Tells the user when a run ends (done, stopped, failed with its error) or
// raises an alert. Driven by run.json transitions, so runs reattached after a
// reload and runs started elsewhere are reported the same way as ours.
import * as vscode from 'vscode';
import { COMMANDS } from '../../core/protocol/commands';
import { sentence } from './wording';
import type { RunStatus } from '../../core/protocol/records';
import type { RunStore } from '../runs/runStore';

export class RunNotifier implements vscode.Disposable {
  private readonly lastStatus = new Map<string, RunStatus>();
  private readonly subscriptions: vscode.Disposable[];
  /** Alerts written before this moment were already seen by someone. */
  private readonly since = Date.now();

  constructor(private readonly store: RunStore) {
    for (const run of store.list()) this.lastStatus.set(run.id, run.info.status);
    this.subscriptions = [
      store.onDidChangeRuns(() => this.check()),
      store.onDidAlert(({ runId, alert }) => {
        if (alert.time < this.since) return;
        void vscode.window
          .showWarningMessage(`Reasoning Lab: ${this.store.label(runId)}, ${alert.phase === 'rl' ? 'RL' : 'pretrain'} step ${alert.step}: ${alert.kind}. ${sentence(alert.evidence)} ${sentence(alert.advice)}`, 'Open Dashboard')
          .then((c) => c && vscode.commands.executeCommand(COMMANDS.openDashboard, runId));
      }),
    ];
  }

  private check(): void {
    for (const run of this.store.list()) {
      const before = this.lastStatus.get(run.id);
      const now = run.info.status;
      this.lastStatus.set(run.id, now);
      if (before !== 'running' || now === 'running') continue;
      const id = run.id;
      const label = this.store.label(id);
      if (now === 'failed') {
        void vscode.window
          .showErrorMessage(`Reasoning Lab: ${label} failed. ${run.info.error ?? ''}`, 'Show Log', 'Open Dashboard')
          .then((c) => c && vscode.commands.executeCommand(c === 'Show Log' ? COMMANDS.showTrainerLog : COMMANDS.openDashboard, id));
      } else {
        const best = Math.max(0, ...run.evals.map((e) => e.score.pass1));
        const summary = run.evals.length > 0 ? ` Best pass@1 ${(best * 100).toFixed(1)}%.` : '';
        void vscode.window
          .showInformationMessage(`Reasoning Lab: ${label} ${now === 'done' ? 'finished' : 'stopped'}.${summary}`, 'Open Dashboard')
          .then((c) => c && vscode.commands.executeCommand(COMMANDS.openDashboard, id));
      }
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
