// Commands on .countdown specs: write a new one, train it, check it, solve its
// problems.
import { existsSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { COMMANDS } from '../../core/protocol/commands';
import { LANGUAGE_ID } from '../languageClient';
import { checkReport } from '../spec/specReport';
import { starterSpec } from '../starterSpec';
import { solutionsUri } from '../views/solutionDocuments';
import { specArg } from './args';
import type { CommandFactory } from './services';

export const newExperiment: CommandFactory = () => async () => {
  const name = await vscode.window.showInputBox({
    title: 'New Countdown Experiment',
    prompt: 'Name of the experiment (the file is <name>.countdown)',
    value: 'my-experiment',
    validateInput: (v) => (/^[A-Za-z0-9._-]+$/.test(v) ? null : 'Use letters, digits, dot, dash and underscore only.'),
  });
  if (!name) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0];
  const text = starterSpec(name);
  if (!folder) {
    const doc = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: text });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc.uri;
  }
  const uri = vscode.Uri.joinPath(folder.uri, `${name}.countdown`);
  if (existsSync(uri.fsPath)) {
    void vscode.window.showWarningMessage(`Reasoning Lab: ${vscode.workspace.asRelativePath(uri)} already exists; opened it instead.`);
  } else {
    writeFileSync(uri.fsPath, text, { flag: 'wx' });
  }
  // A tab of its own (not a preview the next opened file replaces): the user edits it next.
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
};

export const startTraining: CommandFactory = (s) => async (arg) => {
  const spec = await specArg(arg);
  if (!spec) return undefined;
  const started = await s.ctx.trainers.startFromSpec(spec);
  if (started) s.dashboard.open([started.runId]);
  return started?.runId;
};

export const checkSpec: CommandFactory = () => async (arg) => {
  const spec = await specArg(arg);
  if (!spec) return undefined;
  const doc = await vscode.workspace.openTextDocument(spec);
  const report = checkReport(vscode.workspace.asRelativePath(spec), doc.getText());
  if (report.errors > 0) {
    void vscode.window
      .showErrorMessage(`Reasoning Lab: ${report.summary}`, 'Show Problems')
      .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
  } else {
    void vscode.window
      .showInformationMessage(`Reasoning Lab: ${report.summary}`, 'Start Training')
      .then((c) => c && vscode.commands.executeCommand(COMMANDS.startTraining, spec));
  }
  return report;
};

export const solveProblems: CommandFactory = () => async (arg) => {
  const spec = await specArg(arg);
  if (!spec) return undefined;
  const doc = await vscode.workspace.openTextDocument(solutionsUri(spec));
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  return doc.getText();
};
