// The one owner of the extension's lifetime: every disposable is pushed here,
// and settings changes rebuild what depends on them (rust-analyzer's ctx.ts).
import * as vscode from 'vscode';
import { RunStore } from './runs/runStore';
import { RunTailer } from './runs/runTailer';
import { readSettings, runsRoot, SECTION, type Settings } from './settings';

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly trainerLog: vscode.LogOutputChannel;
  readonly store: RunStore;
  private tailerInstance: RunTailer | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly ownedDirs = new Set<string>();
  private readonly tailerChanged = new vscode.EventEmitter<void>();
  /** The runs folder changed (setting or workspace folders). */
  readonly onDidChangeRunsRoot = this.tailerChanged.event;
  settings: Settings;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.push(vscode.window.createOutputChannel('Reasoning Lab', { log: true }));
    this.trainerLog = this.push(vscode.window.createOutputChannel('Reasoning Lab Trainer', { log: true }));
    this.settings = readSettings();
    this.store = new RunStore(this.settings.maxTraces, this.settings.metricsRefreshMs);
    this.push({ dispose: () => this.store.dispose() });
    this.push(this.tailerChanged);
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

  /** Marks a run folder as driven by a trainer this window forked (its exit is ours to report). */
  own(runDir: string): vscode.Disposable {
    this.ownedDirs.add(runDir);
    return { dispose: () => this.ownedDirs.delete(runDir) };
  }

  isOwned(runDir: string): boolean {
    return this.ownedDirs.has(runDir);
  }

  private restartTailer(): void {
    this.tailerInstance?.dispose();
    for (const run of this.store.list()) this.store.remove(run.id);
    const root = this.runsRoot;
    this.tailerInstance = root
      ? new RunTailer(this.store, root, { isOwned: (dir) => this.isOwned(dir), log: (m) => this.log.info(m) })
      : undefined;
    this.tailerInstance?.start();
    this.tailerChanged.fire();
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
