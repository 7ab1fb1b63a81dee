// The status bar item while a run is live: step x of N, time left, and reward
// and accuracy (or loss) of the newest live run, with its actions in the
// tooltip. Set from one function.
import * as vscode from 'vscode';
import { COMMANDS } from '../../core/protocol/commands';
import { describeProgress, formatDuration, runProgress } from '../../core/run/progress';
import type { RunEntry, RunStore } from '../runs/runStore';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('reasoningLab.run', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly store: RunStore) {
    this.item.name = 'Reasoning Lab Run';
    this.item.command = COMMANDS.openDashboard;
    this.subscriptions = [store.onDidAppend(() => this.update()), store.onDidChangeRuns(() => this.update())];
    this.update();
  }

  /** The newest running run, if any. */
  liveRun(): RunEntry | undefined {
    return this.store.list().find((r) => r.info.status === 'running');
  }

  private update(): void {
    const run = this.liveRun();
    if (!run) {
      this.item.hide();
      return;
    }
    const last = run.steps.at(-1);
    const progress = runProgress(run.info, run.steps, Date.now(), run.evals);
    const parts = [`${progress.phase === 'rl' ? 'RL' : 'pretrain'} ${progress.step}/${progress.total}`];
    const eta = progress.runEtaMs ?? progress.etaMs;
    if (eta !== null && progress.share < 1) parts.push(`~${formatDuration(eta)} left`);
    if (last?.rewardMean !== undefined) parts.push(`reward ${last.rewardMean.toFixed(2)}`);
    if (last?.accuracy !== undefined) parts.push(`acc ${(last.accuracy * 100).toFixed(0)}%`);
    if (last?.loss !== undefined && progress.phase === 'pretrain') parts.push(`loss ${last.loss.toFixed(3)}`);
    this.item.text = `$(pulse) ${parts.join(' · ')}`;
    const arg = encodeURIComponent(JSON.stringify([run.id]));
    const tooltip = new vscode.MarkdownString(
      `**${this.store.label(run.id)}** — running\n\n${describeProgress(progress)}\n\n` +
        `[Open Dashboard](command:${COMMANDS.openDashboard}?${arg}) · ` +
        `[Stop](command:${COMMANDS.stopRun}?${arg}) · ` +
        `[Show Trainer Log](command:${COMMANDS.showTrainerLog}?${arg})`,
    );
    tooltip.isTrusted = { enabledCommands: [COMMANDS.openDashboard, COMMANDS.stopRun, COMMANDS.showTrainerLog] };
    this.item.tooltip = tooltip;
    this.item.command = { title: 'Open Dashboard', command: COMMANDS.openDashboard, arguments: [run.id] };
    this.item.show();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
