// Commands on runs: stop, resume, evaluate, and the run's files (log, folder,
// CSV export, delete).
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, runFile } from '../../core/run/layout';
import type { ResolvedConfig } from '../../core/spec/config';
import { metricsCsv } from '../runs/metricsCsv';
import type { EvalRequest } from '../trainer/checkpointEval';
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

/**
 * Evaluates a checkpoint node, or a run's latest checkpoint, on the split and
 * with the k the user picks (or that a second argument `{ split, samples }` gives).
 */
export const evaluateCheckpoint: CommandFactory = (s) => async (arg, choice) => {
  const node = arg && typeof arg === 'object' && 'kind' in arg ? (arg as RunsNode) : undefined;
  const run = node?.kind === 'checkpoint' ? node.run : await runArg(s, arg, anyRun, 'Evaluate the latest checkpoint of which run?');
  if (!run) return undefined;
  const [target, label] = node?.kind === 'checkpoint' ? [path.join(run.dir, RUN_FILES.checkpoints, node.name), `${s.ctx.store.label(run.id)} ${node.name}`] : [run.dir, `${s.ctx.store.label(run.id)} (latest checkpoint)`];
  const picked = isEvalChoice(choice) ? choice : await pickEvaluation(run.info.config);
  return picked ? s.ctx.trainers.evaluate({ target, ...picked }, label) : undefined;
};

type EvalChoice = Pick<EvalRequest, 'split' | 'samples'>;

function isEvalChoice(v: unknown): v is EvalChoice {
  const c = v as EvalChoice | undefined;
  return (c?.split === 'test' || c?.split === 'problems') && Number.isSafeInteger(c.samples) && c.samples >= 1;
}

/** Which problems, and k of pass@k. */
async function pickEvaluation(config: ResolvedConfig): Promise<EvalChoice | undefined> {
  const limit = config.eval.limit === 0 ? config.task.test : Math.min(config.eval.limit, config.task.test);
  const splits = [
    { label: 'Test split', description: `${limit} of the ${config.task.test} held-out problems (the spec's eval limit)`, split: 'test' as const },
    ...(config.problems.length > 0 ? [{ label: 'The spec\'s problems', description: `${config.problems.length} from its problems block`, split: 'problems' as const }] : []),
  ];
  const split = splits.length === 1 ? splits[0] : await vscode.window.showQuickPick(splits, { title: 'Evaluate on', placeHolder: 'Which problems?' });
  if (!split) return undefined;
  const ks = [...new Set([1, 4, 8, 16, config.eval.samples])].sort((a, b) => a - b);
  const k = await vscode.window.showQuickPick(
    ks.map((n) => ({ label: `pass@${n}`, description: n === 1 ? 'greedy only' : `${n} samples per problem${n === config.eval.samples ? ' (the spec\'s)' : ''}`, n })),
    { title: 'Evaluate with', placeHolder: 'k of pass@k (greedy pass@1 is always measured)' },
  );
  return k ? { split: split.split, samples: k.n } : undefined;
}

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
