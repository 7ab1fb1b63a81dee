// What a command acts on: its argument (a run id, a runs-tree node, a file), or
// else what the user picks.
import * as vscode from 'vscode';
import { LANGUAGE_ID } from '../languageClient';
import type { RunEntry } from '../runs/runStore';
import type { RunsNode } from '../views/runsTree';
import type { Services } from './services';

/** A run from a command argument, or picked by the user among those `filter` accepts. */
export async function runArg(s: Services, arg: unknown, filter: (r: RunEntry) => boolean, placeHolder: string): Promise<RunEntry | undefined> {
  if (typeof arg === 'string') return s.ctx.store.get(arg);
  if (arg && typeof arg === 'object' && 'run' in arg) return s.ctx.store.get((arg as RunsNode).run.id);
  const runs = s.ctx.store.list().filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`Reasoning Lab: no run to choose from (${placeHolder.toLowerCase()}).`);
    return undefined;
  }
  if (runs.length === 1) return runs[0];
  const pick = await vscode.window.showQuickPick(runItems(s, runs), { placeHolder });
  return pick?.run;
}

/** Quick-pick items of runs: the label that tells them apart, status and id. */
export function runItems(s: Services, runs: readonly RunEntry[]): (vscode.QuickPickItem & { run: RunEntry })[] {
  return runs.map((run) => ({ label: s.ctx.store.label(run.id), description: `${run.info.status} · ${run.id}`, run }));
}

/** The .countdown file a command acts on: its argument, the active editor, or a picked file. */
export async function specArg(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  if (Array.isArray(arg) && arg[0] instanceof vscode.Uri) return arg[0];
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === LANGUAGE_ID || active?.fileName.endsWith('.countdown')) return active.uri;
  const files = await vscode.workspace.findFiles('**/*.countdown', '**/{node_modules,.rlab}/**', 200);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('Reasoning Lab: no .countdown file here. Create one with "Reasoning Lab: New Countdown Experiment".');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    files.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Which experiment should train?' },
  );
  return pick?.uri;
}

export const isLive = (r: RunEntry): boolean => r.info.status === 'running';
/** Stopped or failed: there is more of it to train. */
export const isResumable = (r: RunEntry): boolean => r.info.status === 'stopped' || r.info.status === 'failed';
export const isDone = (r: RunEntry): boolean => r.info.status === 'done';
export const anyRun = (): boolean => true;
