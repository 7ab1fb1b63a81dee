// Finds the runs under the runs folder and keeps the RunStore in step with
// their files: run.json and the JSONL streams, followed with file-system
// watches (inotify), never by re-reading on a timer. Runs that claim to be
// running but whose trainer is gone are marked failed.
import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { AlertRecord, EvalRecord, RunInfo, StepRecord, TraceRecord } from '../../core/protocol/records';
import { RUN_FILES, runFile } from '../../core/run/layout';
import { JsonlTail } from '../../core/run/jsonl-tail';
import { crashedInfo, isProcessAlive, readRunInfo, runState, writeRunInfo } from '../../core/run/run-info';
import type { RunStore } from './runStore';

interface TrackedRun {
  dir: string;
  id: string | null;
  watcher: FSWatcher | null;
  steps: JsonlTail<StepRecord>;
  evals: JsonlTail<EvalRecord>;
  traces: JsonlTail<TraceRecord>;
  alerts: JsonlTail<AlertRecord>;
}

export interface RunTailerOptions {
  /** Run folders whose trainer this window started: their exit is handled by the trainer host. */
  isOwned: (runDir: string) => boolean;
  log: (message: string) => void;
  isAlive?: (pid: number) => boolean;
  /** How often to check that a reattached run's trainer is still alive. */
  livenessMs?: number;
}

export class RunTailer {
  private readonly runs = new Map<string, TrackedRun>();
  private rootWatcher: FSWatcher | null = null;
  private watchedRoot: string | null = null;
  private livenessTimer: ReturnType<typeof setInterval> | undefined;
  private readonly isAlive: (pid: number) => boolean;

  constructor(
    private readonly store: RunStore,
    readonly root: string,
    private readonly options: RunTailerOptions,
  ) {
    this.isAlive = options.isAlive ?? isProcessAlive;
  }

  start(): void {
    this.rescan();
    this.livenessTimer = setInterval(() => this.checkLiveness(), this.options.livenessMs ?? 5000);
    this.livenessTimer.unref?.();
  }

  /** Picks up new and deleted run folders; called by the watch and after a start or delete. */
  rescan(): void {
    this.watchRoot();
    const present = new Set<string>();
    if (existsSync(this.root)) {
      // Every folder is followed, even before its run.json exists: the run's own
      // watch sees run.json appear (this one sees only the folder).
      for (const entry of readdirSync(this.root, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const dir = path.join(this.root, entry.name);
        present.add(dir);
        if (!this.runs.has(dir)) this.track(dir);
      }
    }
    for (const [dir, run] of this.runs) {
      if (present.has(dir)) continue;
      run.watcher?.close();
      this.runs.delete(dir);
      if (run.id) this.store.remove(run.id);
    }
  }

  /** Reads whatever changed in one run folder (all files when `file` is unknown). */
  refresh(dir: string, file?: string | null): void {
    const run = this.runs.get(dir);
    if (!run) return;
    if (!file || file === RUN_FILES.run) this.readInfo(run);
    if (!run.id) return;
    const steps = !file || file === RUN_FILES.metrics ? run.steps.read() : [];
    const evals = !file || file === RUN_FILES.eval ? run.evals.read() : [];
    const traces = !file || file === RUN_FILES.traces ? run.traces.read() : [];
    const alerts = !file || file === RUN_FILES.alerts ? run.alerts.read() : [];
    if (steps.length + evals.length + traces.length + alerts.length > 0) {
      this.store.append(run.id, { steps, evals, traces, alerts });
    }
  }

  dispose(): void {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.rootWatcher?.close();
    for (const run of this.runs.values()) run.watcher?.close();
    this.runs.clear();
  }

  private track(dir: string): void {
    const run: TrackedRun = {
      dir,
      id: null,
      watcher: null,
      steps: new JsonlTail(runFile(dir, 'metrics')),
      evals: new JsonlTail(runFile(dir, 'eval')),
      traces: new JsonlTail(runFile(dir, 'traces')),
      alerts: new JsonlTail(runFile(dir, 'alerts')),
    };
    this.runs.set(dir, run);
    try {
      run.watcher = watch(dir, (_event, file) => this.refresh(dir, file?.toString() ?? null));
      run.watcher.on('error', () => this.rescan());
    } catch (err) {
      this.options.log(`cannot watch ${dir}: ${(err as Error).message}`);
    }
    this.refresh(dir);
    if (run.id) {
      const info = this.store.get(run.id)?.info;
      if (info) this.markIfCrashed(run, info);
    }
  }

  private readInfo(run: TrackedRun): void {
    let info: RunInfo;
    try {
      info = readRunInfo(run.dir);
    } catch {
      return; // missing or being replaced: the next change event reads it again
    }
    run.id = info.id;
    this.store.setInfo(run.dir, info);
  }

  private checkLiveness(): void {
    for (const run of this.runs.values()) {
      const info = run.id ? this.store.get(run.id)?.info : undefined;
      if (info) this.markIfCrashed(run, info);
    }
  }

  private markIfCrashed(run: TrackedRun, info: RunInfo): void {
    if (this.options.isOwned(run.dir) || runState(info, this.isAlive) !== 'crashed') return;
    const failed = crashedInfo(info, `The trainer process (pid ${info.pid ?? 'unknown'}) ended without finishing the run.`);
    try {
      writeRunInfo(run.dir, failed);
      this.options.log(`run ${info.id}: trainer is gone; marked failed`);
    } catch (err) {
      this.options.log(`run ${info.id}: cannot mark failed: ${(err as Error).message}`);
    }
    this.store.setInfo(run.dir, failed);
  }

  /** Watches the runs folder, or while it does not exist, its nearest existing ancestor. */
  private watchRoot(): void {
    let target = this.root;
    while (!existsSync(target) && path.dirname(target) !== target) target = path.dirname(target);
    if (this.watchedRoot === target) return;
    this.rootWatcher?.close();
    this.watchedRoot = target;
    try {
      this.rootWatcher = watch(target, () => this.rescan());
      this.rootWatcher.on('error', () => {
        this.watchedRoot = null;
      });
    } catch (err) {
      this.rootWatcher = null;
      this.options.log(`cannot watch ${target}: ${(err as Error).message}`);
    }
  }
}
