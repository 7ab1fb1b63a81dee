// Commands on runs: stop, resume, evaluate, and the run's files (log, folder,
// CSV export, delete).
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, runFile } from '../../core/run/layout';
import { metricsCsv } from '../runs/metricsCsv';
import type { RunsNode } from '../views/runsTree';
import { anyRun, isLive, runArg } from './args';
import type { CommandFactory } from './services';

export const stopRun: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, isLive, 'Stop which run?');
  if (run) await s.ctx.trainers.stop(run);
};

export const resumeRun: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, (r) => !isLive(r), 'Resume which run?');
  if (!run) return undefined;
  const started = await s.ctx.trainers.resume(run);
  if (started) s.dashboard.open([started.runId]);
  return started?.runId;
};

export const evaluateCheckpoint: CommandFactory = (s) => async (arg) => {
  const node = arg && typeof arg === 'object' && 'kind' in arg ? (arg as RunsNode) : undefined;
  if (node?.kind === 'checkpoint') {
    return s.ctx.trainers.evaluate(path.join(node.run.dir, RUN_FILES.checkpoints, node.name), `${node.run.id} ${node.name}`, 'test');
  }
  const run = await runArg(s, arg, anyRun, 'Evaluate the latest checkpoint of which run?');
  return run ? s.ctx.trainers.evaluate(run.dir, `${run.id} latest checkpoint`, 'test') : undefined;
};

export const showTrainerLog: CommandFactory = (s) => async (arg) => {
  const run = arg === undefined ? undefined : await runArg(s, arg, anyRun, 'Show the log of which run?');
  const log = run ? runFile(run.dir, 'log') : undefined;
  if (log && existsSync(log)) await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  else s.ctx.trainerLog.show();
};

export const revealRunFolder: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, anyRun, 'Reveal which run?');
  if (!run) return;
  const uri = vscode.Uri.file(run.dir);
  // Inside the workspace the Explorer can show it; elsewhere only the OS file manager can.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
};

export const deleteRun: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, (r) => !isLive(r), 'Delete which run?');
  if (!run) return false;
  if (isLive(run)) {
    void vscode.window.showWarningMessage(`Reasoning Lab: ${run.id} is running; stop it before deleting it.`);
    return false;
  }
  const answer = await vscode.window.showWarningMessage(
    `Delete run ${run.id}? Its metrics, traces and checkpoints in ${run.dir} are removed for good.`,
    { modal: true },
    'Delete',
  );
  if (answer !== 'Delete') return false;
  rmSync(run.dir, { recursive: true, force: true });
  s.ctx.tailer?.rescan();
  s.ctx.log.info(`deleted run ${run.id}`);
  return true;
};

/** A second argument (a Uri) writes there without asking, for keybindings and scripts. */
export const exportMetrics: CommandFactory = (s) => async (arg, to) => {
  const run = await runArg(s, arg, (r) => r.steps.length > 0, 'Export the metrics of which run?');
  if (!run) return undefined;
  const target = to instanceof vscode.Uri ? to : await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(path.dirname(run.dir)), `${run.id}-metrics.csv`)),
    filters: { CSV: ['csv'] },
    saveLabel: 'Export Metrics',
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, Buffer.from(metricsCsv(run.steps), 'utf8'));
  void vscode.window.showInformationMessage(`Reasoning Lab: wrote ${run.steps.length} steps to ${vscode.workspace.asRelativePath(target)}.`);
  return target;
};

export const refreshRuns: CommandFactory = (s) => () => s.ctx.tailer?.rescan();
