// Commands that show things: the dashboard (one run, or several compared), a
// trace as a document, and the versions of everything.
import * as vscode from 'vscode';
import { installedBackends } from '../../core/spec/devices';
import { resolveNodeRuntime } from '../trainer/nodePath';
import { TRACE_LANGUAGE_ID, traceUri } from '../views/traceDocuments';
import { anyRun, runArg, runItems } from './args';
import type { CommandFactory } from './services';

export const showVersion: CommandFactory = ({ ctx }) => () => {
  const pkg = ctx.extension.extension.packageJSON as { displayName: string; version: string };
  const runs = ctx.store.list();
  const backends = installedBackends(ctx.asAbsolutePath('.'));
  let trainerNode: string;
  try {
    const runtime = resolveNodeRuntime(ctx.settings.nodePath);
    trainerNode = `${runtime.execPath} (${runtime.source})`;
  } catch (err) {
    trainerNode = (err as Error).message;
  }
  const message =
    `${pkg.displayName} ${pkg.version} · VS Code ${vscode.version} · extension host Node ${process.versions.node} · ` +
    `trainer backends installed: ${backends.join(', ') || 'none'} · trainer Node: ${trainerNode} · ` +
    `${runs.length} run(s) in ${ctx.runsRoot ?? 'no folder'}`;
  ctx.log.info(message);
  void vscode.window.showInformationMessage(message);
  return message;
};

export const openDashboard: CommandFactory = (s) => async (arg) => {
  const runs = s.ctx.store.list();
  if (runs.length === 0) {
    s.dashboard.open([]);
    return;
  }
  const run = arg === undefined ? runs[0] : await runArg(s, arg, anyRun, 'Show which run?');
  if (run) s.dashboard.open([run.id]);
};

export const compareRuns: CommandFactory = (s) => async (arg) => {
  if (Array.isArray(arg) && arg.every((a) => typeof a === 'string')) {
    s.dashboard.open(arg as string[], 'compare');
    return;
  }
  const runs = s.ctx.store.list();
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Reasoning Lab: no runs to compare yet. Train a spec ("Reasoning Lab: Start Training"), then compare its runs here.');
    return;
  }
  const picks = await vscode.window.showQuickPick(runItems(s, runs), { canPickMany: true, placeHolder: 'Choose the runs to compare' });
  if (picks && picks.length > 0) s.dashboard.open(picks.map((p) => p.run.id), 'compare');
};

/** Opens a trace as a read-only document, highlighted as a trace (think and answer parts). */
async function showTrace(runId: string, index: number): Promise<void> {
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(traceUri(runId, index)), TRACE_LANGUAGE_ID);
  await vscode.window.showTextDocument(doc, { preview: true });
}

export const openTrace: CommandFactory = (s) => async (runId, index) => {
  if (typeof runId !== 'string' || !Number.isSafeInteger(index)) {
    const run = await runArg(s, runId, (r) => r.traces.length > 0, 'Open a trace of which run?');
    if (!run) return;
    const pick = await vscode.window.showQuickPick(
      run.traces
        .map((t, i) => ({ label: `step ${t.step} · ${t.verdict} · ${t.reward}`, description: `${t.numbers.join(' ')} → ${t.target}`, index: run.traceStart + i }))
        .reverse(),
      { placeHolder: 'Which trace?' },
    );
    if (pick) await showTrace(run.id, pick.index);
    return;
  }
  await showTrace(runId, index as number);
};
