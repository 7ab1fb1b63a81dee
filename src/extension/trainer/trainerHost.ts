// Starts, stops and follows the trainer processes of this window: new runs,
// resumed and continued ones, RL from a checkpoint, each refused early when its
// spec, device or Node binary cannot work; each followed in a notification until
// it ends; a trainer that dies without saying so leaves its run failed. Also
// Evaluate Checkpoint, in a child process of its own.
import { rmdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../core/protocol/commands';
import { describeBackend } from '../../core/protocol/describe-backend';
import { describeScore } from '../../core/protocol/describe-score';
import type { EvalRecord, RunInfo } from '../../core/protocol/records';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { continueRun } from '../../core/run/continue';
import { createRunDir } from '../../core/run/files';
import { crashedInfo, isProcessAlive, writeRunInfo } from '../../core/run/run-info';
import { analyzeSpec } from '../../core/spec/analyze';
import { createRunFolder } from '../../core/run/new-run';
import type { Device, ModelConfig } from '../../core/spec/config';
import { deviceProblem, installedBackends } from '../../core/spec/devices';
import type { Ctx } from '../ctx';
import type { RunEntry } from '../runs/runStore';
import { checkReport } from '../spec/specReport';
import { followInNotification } from '../views/progressNotification';
import { evaluateCheckpoint, type EvalRequest } from './checkpointEval';
import { modelMismatch } from './modelMismatch';
import { resolveNodeRuntime, type NodeRuntime } from './nodePath';
import { describeExit, TrainerProcess } from './trainerProcess';

export interface StartedRun {
  runId: string;
  runDir: string;
}

export class TrainerHost implements vscode.Disposable {
  /** Live trainers forked by this window, by run folder. */
  private readonly live = new Map<string, TrainerProcess>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly ctx: Ctx) {}

  /** True when this window forked the trainer of the run in `runDir` and it is still going. */
  owns(runDir: string): boolean {
    return this.live.has(runDir);
  }

  /** True when some trainer is live (ours, or one reattached from disk). */
  hasLiveRun(): boolean {
    return this.live.size > 0 || this.ctx.store.list().some((r) => r.info.status === 'running');
  }

  /**
   * Trains a spec as a new run: pretraining then RL, or with `base` only RL from
   * that checkpoint. Refuses, before a run folder exists, a spec with errors or a
   * device this machine cannot load; asks first when the spec is already training.
   */
  async startFromSpec(specUri: vscode.Uri, base?: { checkpoint: string; label: string; model: ModelConfig }): Promise<StartedRun | undefined> {
    const root = this.runsRootOrSay();
    if (!root) return undefined;
    const doc = await vscode.workspace.openTextDocument(specUri);
    if (doc.isDirty) await doc.save();
    const analysis = analyzeSpec(doc.getText());
    if (analysis.hasErrors) {
      const report = checkReport(vscode.workspace.asRelativePath(specUri), doc.getText());
      void vscode.window
        .showErrorMessage(`Reasoning Lab: cannot train yet. ${report.summary}`, 'Show Problems')
        .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
      return undefined;
    }
    const { config } = analysis;
    if (!this.deviceLoads(config.device)) return undefined;
    if (base) {
      const mismatch = modelMismatch(config.model, base.model);
      if (mismatch) {
        void vscode.window.showErrorMessage(`Reasoning Lab: RL goes on from the weights of ${base.label}, so the spec's model block must describe that model: ${mismatch}.`);
        return undefined;
      }
    } else {
      const training = this.ctx.store.runningFrom(specUri.fsPath, config.name);
      if (training) {
        const choice = await vscode.window.showWarningMessage(
          `Reasoning Lab: ${this.ctx.store.label(training.id)} is already training from ${vscode.workspace.asRelativePath(specUri)}. Start another run of it?`,
          'Start Another',
          'Open Its Dashboard',
        );
        if (choice === 'Open Its Dashboard') void vscode.commands.executeCommand(COMMANDS.openDashboard, training.id);
        if (choice !== 'Start Another') return undefined;
      }
    }
    // The run folder gets the text checked above and the config it resolved to: the trainer opens it and parses nothing.
    const runDir = createRunDir(root, config.name);
    const stage = base ? 'rl' : 'all';
    createRunFolder(runDir, { specFile: specUri.fsPath, specText: doc.getText(), config, stage, parent: base?.checkpoint ?? null });
    const title = base ? `RL of ${config.name} from ${base.label}` : `Training ${config.name}`;
    return this.launch({ spec: null, runDir, resume: true, stage, device: this.deviceOverride(), from: null }, title);
  }

  /** Goes on from the run's latest checkpoint (a stopped or failed run; one killed before any starts again). */
  async resume(run: RunEntry): Promise<StartedRun | undefined> {
    if (run.info.status === 'running') {
      void vscode.window.showInformationMessage(`Reasoning Lab: ${this.ctx.store.label(run.id)} is already running.`);
      return undefined;
    }
    if (!this.deviceLoads(run.info.config.device)) return undefined;
    return this.launch({ spec: null, runDir: run.dir, resume: true, stage: run.info.stage, device: this.deviceOverride() }, `Resuming ${this.ctx.store.label(run.id)}`);
  }

  /** Trains a finished run on for `extra` more steps, as a new run; the finished one is left as it is. */
  async continueRun(run: RunEntry, extra: number): Promise<StartedRun | undefined> {
    const root = this.runsRootOrSay();
    if (!root || !this.deviceLoads(run.info.config.device)) return undefined;
    let made: ReturnType<typeof continueRun>;
    try {
      made = continueRun(run.dir, (name) => createRunDir(root, name), extra);
    } catch (err) {
      void vscode.window.showErrorMessage(`Reasoning Lab: cannot continue ${this.ctx.store.label(run.id)}: ${(err as Error).message}`);
      return undefined;
    }
    this.ctx.tailer?.rescan();
    return this.launch(
      { spec: null, runDir: made.dir, resume: true, stage: made.info.stage, device: this.deviceOverride() },
      `Continuing ${this.ctx.store.label(run.id)} for ${extra} more steps`,
    );
  }

  /** Checkpoints and stops a run: over IPC when ours, else with SIGTERM to its pid. */
  async stop(run: RunEntry): Promise<void> {
    const proc = this.live.get(run.dir);
    if (proc) {
      const checkpoint = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Stopping ${run.id} (writing a checkpoint)…` },
        () => proc.stop(),
      );
      this.ctx.log.info(`run ${run.id} stopped${checkpoint ? ` at checkpoint ${checkpoint.path}` : ''}`);
      return;
    }
    const pid = run.info.pid;
    if (run.info.status !== 'running' || pid === null || !isProcessAlive(pid)) {
      void vscode.window.showInformationMessage(`Reasoning Lab: ${run.id} is not running.`);
      return;
    }
    // A trainer from before a reload (or from the CLI): SIGTERM asks it to checkpoint and stop.
    process.kill(pid, 'SIGTERM');
    this.ctx.log.info(`run ${run.id}: sent SIGTERM to trainer pid ${pid}`);
  }

  private deviceOverride(): Device | null {
    const d = this.ctx.settings.device;
    return d === 'spec' ? null : d;
  }

  /** True when the device a run would use (the setting's, else the spec's) loads here; else says why. */
  private deviceLoads(specDevice: Device): boolean {
    const override = this.deviceOverride();
    const problem = deviceProblem(override ?? specDevice, installedBackends(this.ctx.asAbsolutePath('.')));
    if (!problem) return true;
    const where = override ? 'the setting reasoningLab.device asks for it' : "the spec's `device` asks for it";
    void vscode.window
      .showErrorMessage(`Reasoning Lab: cannot train here: ${problem} (${where}).`, ...(override ? ['Open Settings'] : []))
      .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'reasoningLab.device'));
    return false;
  }

  private runsRootOrSay(): string | undefined {
    const root = this.ctx.runsRoot;
    if (!root) void vscode.window.showErrorMessage('Reasoning Lab: open a folder first; runs are saved in it (setting reasoningLab.runFolder).');
    return root;
  }

  /**
   * Evaluates a checkpoint folder or a run folder's latest checkpoint; the record
   * joins the run's evaluations (eval.jsonl, the runs view). Shows and returns it.
   */
  async evaluate(request: EvalRequest, label: string): Promise<EvalRecord | undefined> {
    const runtime = this.runtime();
    if (!runtime) return undefined;
    const cli = this.ctx.asAbsolutePath(path.join('dist', 'cli.js'));
    const where = request.split === 'test' ? 'the test split' : 'the spec\'s problems';
    try {
      const record = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Evaluating ${label} on ${where} (pass@${request.samples})…`, cancellable: true },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return evaluateCheckpoint(runtime, cli, request, abort.signal);
        },
      );
      const message = `${label} (${record.phase} step ${record.step}) on ${record.score.n} of ${where}: ${describeScore(record.score, record.k)}. Added to the run's evaluations.`;
      this.ctx.log.info(`evaluation: ${message}`);
      void vscode.window.showInformationMessage(`Reasoning Lab: ${message}`);
      return record;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') void vscode.window.showErrorMessage(`Reasoning Lab: evaluation of ${label} failed: ${(err as Error).message}`);
      return undefined;
    }
  }

  private runtime(): NodeRuntime | undefined {
    try {
      return resolveNodeRuntime(this.ctx.settings.nodePath);
    } catch (err) {
      void vscode.window
        .showErrorMessage(`Reasoning Lab: ${(err as Error).message}`, 'Open Settings')
        .then((c) => c && vscode.commands.executeCommand('workbench.action.openSettings', 'reasoningLab.nodePath'));
      return undefined;
    }
  }

  /**
   * Forks the trainer and follows it in a notification until it ends; resolves
   * once it says hello (or fails to). Cancel kills it while it starts, and
   * afterwards stops it with a checkpoint.
   */
  private async launch(launch: TrainerLaunch, title: string): Promise<StartedRun | undefined> {
    const runtime = this.runtime();
    if (!runtime) return undefined;
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(launch.runDir);
    this.ctx.log.info(`starting trainer (${runtime.execPath}, ${runtime.source}) for ${launch.runDir}`);
    const proc = new TrainerProcess(this.ctx.asAbsolutePath(path.join('dist', 'trainer.js')), runtime, launch, cwd);
    this.live.set(launch.runDir, proc);
    this.changed.fire();
    const runId = path.basename(launch.runDir);
    proc.onLog((r) => this.ctx.trainerLog[r.level](`[${runId}] ${r.message}`));
    let cancelled = false;
    void proc.exited.then((exit) => {
      this.live.delete(launch.runDir);
      this.markFailedIfStillRunning(launch.runDir, cancelled ? 'Cancelled while starting.' : describeExit(exit));
      proc.dispose();
      this.changed.fire();
    });
    this.ctx.tailer?.rescan();
    return new Promise((started) => {
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        progress.report({ message: 'starting…' });
        let running = false;
        token.onCancellationRequested(() => {
          if (running) {
            progress.report({ message: 'stopping (writing a checkpoint)…' });
            void proc.stop().catch(() => undefined);
          } else {
            cancelled = true;
            proc.kill();
          }
        });
        proc.hello.then(
          (hello) => {
            running = true;
            this.ctx.log.info(`run ${hello.run.id} started on ${describeBackend(hello.backend)} (pid ${proc.pid})`);
            this.ctx.tailer?.refresh(launch.runDir);
            started({ runId: hello.run.id, runDir: launch.runDir });
          },
          (err: Error) => {
            if (!cancelled) {
              void vscode.window
                .showErrorMessage(`Reasoning Lab: the trainer did not start. ${err.message}`, 'Show Log')
                .then((c) => c && this.ctx.trainerLog.show());
            }
            started(undefined);
          },
        );
        const follow = followInNotification(this.ctx.store, runId, progress);
        return proc.exited.then(() => follow.dispose());
      });
    });
  }

  /** The trainer is gone: if run.json still says running, it crashed. */
  private markFailedIfStillRunning(runDir: string, reason: string): void {
    this.ctx.tailer?.rescan();
    const info: RunInfo | undefined = this.ctx.store.list().find((r) => r.dir === runDir)?.info;
    if (!info) {
      // It died before writing run.json: nothing to keep but an empty folder.
      try {
        rmdirSync(runDir);
      } catch {
        // not empty: leave it for the user to read
      }
      return;
    }
    if (info.status !== 'running') return;
    try {
      writeRunInfo(runDir, crashedInfo(info, reason));
    } catch (err) {
      this.ctx.log.error(`cannot mark ${runDir} failed: ${(err as Error).message}`);
    }
    this.ctx.tailer?.refresh(runDir);
  }

  dispose(): void {
    // Trainers keep running when the window goes away; a new window reattaches to them.
    for (const proc of this.live.values()) {
      proc.connection.dispose();
      proc.child.disconnect?.();
      proc.child.unref();
      proc.dispose();
    }
    this.live.clear();
    this.changed.dispose();
  }
}
