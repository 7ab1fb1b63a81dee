// Activation: build the context, its views and services, and register the
// command index. Everything lives as long as the context.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { isDone, isResumable } from './commands/args';
import { Ctx } from './ctx';
import { DashboardPanels } from './dashboard/panel';
import { CountdownLanguageClient } from './languageClient';
import { RunNotifier } from './views/runNotifier';
import { RunsTreeProvider } from './views/runsTree';
import { SOLUTIONS_SCHEME, SolutionDocumentProvider } from './views/solutionDocuments';
import { RunStatusBar } from './views/statusBar';
import { TRACE_SCHEME, TraceDocumentProvider } from './views/traceDocuments';

let ctx: Ctx | undefined;

/** Keeps context keys for `when`/`enablement` clauses in step with the runs. */
function trackContextKeys(c: Ctx): void {
  const update = () => {
    const runs = c.store.list();
    void vscode.commands.executeCommand('setContext', 'reasoningLab.hasRuns', runs.length > 0);
    void vscode.commands.executeCommand('setContext', 'reasoningLab.hasLiveRun', c.trainers.hasLiveRun());
    void vscode.commands.executeCommand('setContext', 'reasoningLab.hasEndedRun', runs.some((r) => r.info.status !== 'running'));
    void vscode.commands.executeCommand('setContext', 'reasoningLab.hasResumableRun', runs.some(isResumable));
    void vscode.commands.executeCommand('setContext', 'reasoningLab.hasDoneRun', runs.some(isDone));
  };
  c.push(c.store.onDidChangeRuns(update), c.trainers.onDidChange(update));
  update();
}

export function activate(extension: vscode.ExtensionContext): { ctx: Ctx } {
  const c = new Ctx(extension);
  ctx = c;
  const tree = c.push(new RunsTreeProvider(c.store));
  c.push(
    vscode.window.createTreeView('reasoningLab.runs', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.workspace.registerTextDocumentContentProvider(TRACE_SCHEME, new TraceDocumentProvider(c.store)),
    vscode.workspace.registerTextDocumentContentProvider(SOLUTIONS_SCHEME, new SolutionDocumentProvider()),
    new RunStatusBar(c.store),
    new RunNotifier(c.store),
    new CountdownLanguageClient(c),
  );
  const dashboard = c.push(new DashboardPanels(extension.extensionUri, c.store, c.log));
  for (const command of registerCommands({ ctx: c, dashboard })) c.push(command);
  trackContextKeys(c);
  c.log.info(`activated (${extension.extension.packageJSON.version})`);
  return { ctx: c };
}

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
