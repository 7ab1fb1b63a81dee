// The notification that follows a run this window started, from "starting…"
// to its end: step x of N, elapsed and time left, with a bar over all the
// run's steps. Fed by the store, like every other view of a run.
import type * as vscode from 'vscode';
import { describeProgress, runProgress } from '../../core/run/progress';
import type { RunStore } from '../runs/runStore';

export function followInNotification(store: RunStore, runId: string, progress: vscode.Progress<{ message?: string; increment?: number }>): vscode.Disposable {
  let shown = 0;
  const update = () => {
    const run = store.get(runId);
    if (!run || run.info.status !== 'running') return;
    const p = runProgress(run.info, run.steps, Date.now(), run.evals);
    // The bar only moves forward (a resumed run repeats no steps it already counted).
    const increment = Math.max(0, p.share * 100 - shown);
    shown += increment;
    progress.report({ message: describeProgress(p), increment });
  };
  const subscriptions = [store.onDidAppend((d) => d.runId === runId && update()), store.onDidChangeRuns(update)];
  update();
  return { dispose: () => subscriptions.forEach((s) => s.dispose()) };
}
