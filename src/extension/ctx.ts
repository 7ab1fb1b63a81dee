// The one owner of the extension's lifetime: every disposable is pushed here,
// and settings changes rebuild what depends on them (rust-analyzer's ctx.ts).
// It holds the run data (store, fed by the tailer of the runs folder) and the
// trainers this window forked, whose run folders the tailer leaves to them.
import * as vscode from 'vscode';
import { RunStore } from './runs/runStore';
import { RunTailer } from './runs/runTailer';
import { readSettings, runsRoot, SECTION, type Settings } from './settings';
import { TrainerHost } from './trainer/trainerHost';

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly trainerLog: vscode.LogOutputChannel;
  readonly store: RunStore;
  readonly trainers: TrainerHost;
  private tailerInstance: RunTailer | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  settings: Settings;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.push(vscode.window.createOutputChannel('Reasoning Lab', { log: true }));
    this.trainerLog = this.push(vscode.window.createOutputChannel('Reasoning Lab Trainer', { log: true }));
    this.settings = readSettings();
    this.store = new RunStore(this.settings.maxTraces, this.settings.metricsRefreshMs);
    this.push({ dispose: () => this.store.dispose() });
    this.trainers = this.push(new TrainerHost(this));
    this.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        const before = this.settings;
        this.settings = readSettings();
        this.store.configure(this.settings.maxTraces, this.settings.metricsRefreshMs);
        if (before.runFolder !== this.settings.runFolder) this.restartTailer();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.restartTailer()),
      { dispose: () => this.tailerInstance?.dispose() },
    );
    this.restartTailer();
  }

  push<T extends vscode.Disposable>(...disposables: [T, ...vscode.Disposable[]]): T {
    this.subscriptions.push(...disposables);
    return disposables[0];
  }

  asAbsolutePath(relative: string): string {
    return this.extension.asAbsolutePath(relative);
  }

  get runsRoot(): string | undefined {
    return runsRoot(this.settings);
  }

  get tailer(): RunTailer | undefined {
    return this.tailerInstance;
  }

  private restartTailer(): void {
    this.tailerInstance?.dispose();
    for (const run of this.store.list()) this.store.remove(run.id);
    const root = this.runsRoot;
    // A trainer this window forked reports its own end (with the reason); the tailer judges the others.
    this.tailerInstance = root
      ? new RunTailer(this.store, root, { isOwned: (dir) => this.trainers.owns(dir), log: (m) => this.log.info(m) })
      : undefined;
    this.tailerInstance?.start();
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0).reverse()) {
      try {
        d.dispose();
      } catch (err) {
        console.error(err);
      }
    }
  }
}
