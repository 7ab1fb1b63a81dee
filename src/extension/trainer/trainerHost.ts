// Starts, stops and follows trainer processes for the window: the Node binary,
// startup under a cancellable progress notification, and the
// run's end (a trainer that dies without saying so leaves its run failed).
import { describeBackend } from '../../core/protocol/describe-backend';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { rmdirSync } from 'node:fs';
import type { EvalRecord, RunInfo } from '../../core/protocol/records';
import type { TrainerLaunch } from '../../core/protocol/trainer';
import { analyzeSpec } from '../../core/spec/analyze';
import { createRunDir } from '../../core/run/files';
import { crashedInfo, isProcessAlive, writeRunInfo } from '../../core/run/run-info';
import type { Ctx } from '../ctx';
import type { RunEntry } from '../runs/runStore';
import { checkReport } from '../spec/specReport';
import { evaluateCheckpoint, type EvalRequest } from './checkpointEval';
import { resolveNodeRuntime, type NodeRuntime } from './nodePath';
import { describeExit, TrainerProcess } from './trainerProcess';
import { describeScore } from '../../core/protocol/describe-score';

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

  async startFromSpec(specUri: vscode.Uri): Promise<StartedRun | undefined> {
    const root = this.ctx.runsRoot;
    if (!root) {
      void vscode.window.showErrorMessage('Reasoning Lab: open a folder first; runs are saved in it (setting reasoningLab.runFolder).');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(specUri);
    if (doc.isDirty) await doc.save();
    // Errors are caught here, before a process or a run folder exists.
    const analysis = analyzeSpec(doc.getText());
    if (analysis.hasErrors) {
      const report = checkReport(vscode.workspace.asRelativePath(specUri), doc.getText());
      void vscode.window
        .showErrorMessage(`Reasoning Lab: cannot train yet. ${report.summary}`, 'Show Problems')
        .then((c) => c && vscode.commands.executeCommand('workbench.actions.view.problems'));
      return undefined;
    }
    const name = analysis.config.name;
    const runDir = createRunDir(root, name);
    return this.launch({ spec: specUri.fsPath, runDir, resume: false, stage: 'all', device: this.deviceOverride() }, `Starting ${name}`);
  }

  async resume(run: RunEntry): Promise<StartedRun | undefined> {
    if (run.info.status === 'running') {
      void vscode.window.showInformationMessage(`Reasoning Lab: ${run.id} is already running.`);
      return undefined;
    }
    return this.launch({ spec: null, runDir: run.dir, resume: true, stage: run.info.stage, device: this.deviceOverride() }, `Resuming ${run.id}`);
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

  private deviceOverride(): string | null {
    const d = this.ctx.settings.device;
    return d === 'spec' ? null : d;
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

  private async launch(launch: TrainerLaunch, title: string): Promise<StartedRun | undefined> {
    const runtime = this.runtime();
    if (!runtime) return undefined;
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(launch.runDir);
    this.ctx.log.info(`starting trainer (${runtime.execPath}, ${runtime.source}) for ${launch.runDir}`);
    const proc = new TrainerProcess(this.ctx.asAbsolutePath(path.join('dist', 'trainer.js')), runtime, launch, cwd);
    this.live.set(launch.runDir, proc);
    this.changed.fire();
    const label = path.basename(launch.runDir);
    proc.onLog((r) => this.ctx.trainerLog[r.level](`[${label}] ${r.message}`));
    let cancelled = false;
    void proc.exited.then((exit) => {
      this.live.delete(launch.runDir);
      this.markFailedIfStillRunning(launch.runDir, cancelled ? 'Cancelled while starting.' : describeExit(exit));
      proc.dispose();
      this.changed.fire();
    });
    this.ctx.tailer?.rescan();
    try {
      const hello = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `${title}…`, cancellable: true },
        (_progress, token) =>
          new Promise<Awaited<typeof proc.hello>>((resolve, reject) => {
            token.onCancellationRequested(() => {
              cancelled = true;
              proc.kill();
              reject(new vscode.CancellationError());
            });
            proc.hello.then(resolve, reject);
          }),
      );
      this.ctx.log.info(`run ${hello.run.id} started on ${describeBackend(hello.backend)} (pid ${proc.pid})`);
      this.ctx.tailer?.refresh(launch.runDir);
      return { runId: hello.run.id, runDir: launch.runDir };
    } catch (err) {
      if (!(err instanceof vscode.CancellationError)) {
        void vscode.window
          .showErrorMessage(`Reasoning Lab: the trainer did not start. ${(err as Error).message}`, 'Show Log')
          .then((c) => c && this.ctx.trainerLog.show());
      }
      return undefined;
    }
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
