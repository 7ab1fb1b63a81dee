// Commands on runs: stop, resume, continue a finished run, RL from a
// checkpoint, evaluate, and the run's files (spec, log, folder, CSV export,
// delete).
import { existsSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkpointNames } from '../../core/run/checkpoints';
import { checkpointLabel, parseCheckpointName, RUN_FILES, runFile } from '../../core/run/layout';
import type { ResolvedConfig } from '../../core/spec/config';
import { metricsCsv } from '../runs/metricsCsv';
import type { EvalRequest } from '../trainer/checkpointEval';
import type { RunEntry } from '../runs/runStore';
import type { RunsNode } from '../views/runsTree';
import { anyRun, isDone, isLive, isResumable, runArg, specArg } from './args';
import type { CommandFactory, Services } from './services';

export const stopRun: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, isLive, 'Stop which run?');
  if (run) await s.ctx.trainers.stop(run);
};

export const resumeRun: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, isResumable, 'Resume which stopped or failed run?');
  if (!run) return undefined;
  if (run.info.status === 'done') {
    void vscode.window.showInformationMessage(`Reasoning Lab: ${s.ctx.store.label(run.id)} is done; "Continue for More Steps…" trains it on as a new run.`);
    return undefined;
  }
  return opened(s, await s.ctx.trainers.resume(run));
};

/** A second argument gives the number of steps without asking. */
export const continueRun: CommandFactory = (s) => async (arg, steps) => {
  const run = await runArg(s, arg, isDone, 'Continue which finished run?');
  if (!run) return undefined;
  const extra = Number.isSafeInteger(steps) && (steps as number) > 0 ? (steps as number) : await askSteps(run);
  return extra === undefined ? undefined : opened(s, await s.ctx.trainers.continueRun(run, extra));
};

async function askSteps(run: RunEntry): Promise<number | undefined> {
  const phase = run.info.stage === 'pretrain' ? 'pretraining' : 'RL';
  const planned = run.info.stage === 'pretrain' ? run.info.config.pretrain.steps : run.info.config.rl.steps;
  const text = await vscode.window.showInputBox({
    title: `Continue ${run.info.name} as a new run`,
    prompt: `More ${phase} steps after its ${planned} (the finished run stays as it is)`,
    value: String(Math.max(1, Math.round(planned / 2))),
    validateInput: (v) => (/^[1-9]\d{0,6}$/.test(v.trim()) ? null : 'A whole number of steps, 1 or more.'),
  });
  return text === undefined ? undefined : Number(text.trim());
}

/**
 * A new run that does RL from a checkpoint (a checkpoint node, or a run's latest
 * pretraining checkpoint) with a spec the user picks (or a second argument gives).
 */
export const startRlFromCheckpoint: CommandFactory = (s) => async (arg, specArgument) => {
  const node = arg && typeof arg === 'object' && 'kind' in arg ? (arg as RunsNode) : undefined;
  const run = node?.kind === 'checkpoint' ? node.run : await runArg(s, arg, (r) => !isLive(r), 'Start RL from a checkpoint of which run?');
  if (!run) return undefined;
  const name = node?.kind === 'checkpoint' ? node.name : checkpointNames(run.dir).filter((n) => parseCheckpointName(n)?.phase === 'pretrain').at(-1);
  if (!name) {
    void vscode.window.showInformationMessage(`Reasoning Lab: ${s.ctx.store.label(run.id)} has no pretraining checkpoint to start RL from.`);
    return undefined;
  }
  const spec = specArgument === undefined ? await pickSpec(run) : await specArg(specArgument);
  if (!spec) return undefined;
  const checkpoint = path.join(run.dir, RUN_FILES.checkpoints, name);
  const label = `${s.ctx.store.label(run.id)} ${checkpointLabel(name)}`;
  return opened(s, await s.ctx.trainers.startFromSpec(spec, { checkpoint, label, model: run.info.config.model }));
};

/** The spec the run was started from first, then the other specs of the workspace. */
async function pickSpec(run: RunEntry): Promise<vscode.Uri | undefined> {
  const files = await vscode.workspace.findFiles('**/*.countdown', '**/{node_modules,.rlab}/**', 200);
  const own = run.info.specFile;
  const ordered = [...files].sort((a, b) => Number(b.fsPath === own) - Number(a.fsPath === own));
  const pick = await vscode.window.showQuickPick(
    ordered.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), description: uri.fsPath === own ? 'the spec this run was started from' : undefined, uri })),
    { title: 'Start RL from this checkpoint', placeHolder: 'Which spec sets the RL stage? (its model block must match the checkpoint)' },
  );
  return pick?.uri;
}

/** Opens the spec a run was started from (or, when that file is gone, the run's copy). */
export const openRunSpec: CommandFactory = (s) => async (arg) => {
  const run = await runArg(s, arg, anyRun, 'Open the spec of which run?');
  if (!run) return undefined;
  const file = run.info.specFile && existsSync(run.info.specFile) ? run.info.specFile : runFile(run.dir, 'spec');
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  return file;
};

/** Shows a run that started (its dashboard) and returns its id. */
function opened(s: Services, started: { runId: string } | undefined): string | undefined {
  if (started) s.dashboard.open([started.runId]);
  return started?.runId;
}

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

/** A run's trainer.log; without a run, the trainer output channel once some trainer has written to it. */
export const showTrainerLog: CommandFactory = (s) => async (arg) => {
  const run = arg === undefined ? undefined : await runArg(s, arg, anyRun, 'Show the log of which run?');
  const log = run ? runFile(run.dir, 'log') : undefined;
  if (log && existsSync(log)) {
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  } else if (s.ctx.store.list().length === 0 && !s.ctx.trainers.hasLiveRun()) {
    void vscode.window.showInformationMessage('Reasoning Lab: no run has a log yet. Train a spec ("Reasoning Lab: Start Training"), and each run keeps its trainer.log.');
  } else {
    s.ctx.trainerLog.show();
  }
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
    // Beside the workspace's files, not in the hidden runs folder.
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir()), `${run.id}-metrics.csv`),
    filters: { CSV: ['csv'] },
    saveLabel: 'Export Metrics',
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, Buffer.from(metricsCsv(run.steps), 'utf8'));
  void vscode.window.showInformationMessage(`Reasoning Lab: wrote ${run.steps.length} steps to ${vscode.workspace.asRelativePath(target)}.`);
  return target;
};

export const refreshRuns: CommandFactory = (s) => () => s.ctx.tailer?.rescan();
