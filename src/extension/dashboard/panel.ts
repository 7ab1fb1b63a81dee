// The dashboard panel host: one webview panel, restored after a reload by its
// serializer, fed by a DashboardSession. Intents the webview posts become the
// extension's own commands, so the dashboard can do nothing the palette cannot.
import * as vscode from 'vscode';
import { COMMANDS, type CommandId } from '../../core/protocol/commands';
import { parseDashboardViewState, type DashboardTab } from '../../core/protocol/webview';
import { dashboardHtml, makeNonce } from './html';
import { DashboardSession } from './session';
import type { DashboardSource } from './source';

export const DASHBOARD_VIEW_TYPE = 'reasoningLab.dashboard';

interface OpenPanel {
  panel: vscode.WebviewPanel;
  session: DashboardSession;
}

export class DashboardPanels implements vscode.Disposable {
  private current: OpenPanel | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: DashboardSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => {
          // The state comes from the webview: untrusted like its messages.
          this.attach(panel, parseDashboardViewState(state)?.runIds ?? []);
        },
      }),
    );
  }

  /** Shows the dashboard with these runs, the first in focus (none means the newest run), on `tab` if given. */
  open(runIds: string[], tab: DashboardTab | null = null): void {
    if (this.current) {
      this.current.session.show(runIds, tab);
      this.current.panel.reveal();
      this.retitle(this.current);
      return;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Reasoning Lab', vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel, runIds, tab);
  }

  dispose(): void {
    this.current?.panel.dispose();
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    };
  }

  private attach(panel: vscode.WebviewPanel, runIds: string[], tab: DashboardTab | null = null): void {
    this.current?.panel.dispose();
    const webview = panel.webview;
    webview.options = this.webviewOptions();
    const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', file)).toString();
    webview.html = dashboardHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('main.js'), styleUri: asset('main.css') });
    const session = new DashboardSession(this.source, (message) => void webview.postMessage(message), runIds, tab);
    const open: OpenPanel = { panel, session };
    this.current = open;
    this.retitle(open);
    const listeners = [
      this.source.onDidAppend((delta) => session.onDelta(delta)),
      this.source.onDidChangeRuns(() => {
        session.onRunsChanged();
        this.retitle(open);
      }),
      webview.onDidReceiveMessage((raw) => this.onMessage(open, raw)),
      panel.onDidChangeViewState(() => session.setVisible(panel.visible)),
    ];
    panel.onDidDispose(() => {
      for (const l of listeners) l.dispose();
      if (this.current === open) this.current = undefined;
    });
  }

  private onMessage(open: OpenPanel, raw: unknown): void {
    const before = open.session.shown.join();
    const { valid, command: intent } = open.session.receive(raw);
    if (!valid) this.log.warn(`Dashboard: ignored a malformed message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
    if (open.session.shown.join() !== before) this.retitle(open);
    if (!intent) return;
    const run = (command: CommandId, ...args: unknown[]) =>
      vscode.commands.executeCommand(command, ...args).then(undefined, (error) => this.log.error(`Dashboard: ${command} failed: ${String(error)}`));
    switch (intent.type) {
      case 'openTrace':
        return void run(COMMANDS.openTrace, intent.runId, intent.index);
      case 'stopRun':
        return void run(COMMANDS.stopRun, intent.runId);
      case 'showLog':
        return void run(COMMANDS.showTrainerLog, intent.runId);
      case 'openSpec':
        return void run(COMMANDS.openRunSpec, intent.runId);
      case 'pickRuns':
        return void run(COMMANDS.compareRuns);
    }
  }

  private retitle(open: OpenPanel): void {
    const ids = open.session.shown;
    open.panel.title = ids.length > 1 ? `Reasoning Lab: ${ids.length} runs` : ids.length === 1 ? `Reasoning Lab: ${this.source.label(ids[0]!)}` : 'Reasoning Lab';
  }
}
