// Starts the .countdown language server (dist/server.js) over IPC the first
// time a .countdown document is open. vscode-languageclient restarts it if it
// dies (its default error handler) and logs to its own output channel.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Ctx } from './ctx';

export const LANGUAGE_ID = 'countdown';

export class CountdownLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel('Reasoning Lab Language Server', { log: true });
  private readonly subscriptions: vscode.Disposable[] = [this.output];

  constructor(private readonly ctx: Ctx) {
    this.subscriptions.push(vscode.workspace.onDidOpenTextDocument((doc) => this.startFor(doc)));
    for (const doc of vscode.workspace.textDocuments) this.startFor(doc);
  }

  private startFor(doc: vscode.TextDocument): void {
    if (this.client || doc.languageId !== LANGUAGE_ID) return;
    const module = this.ctx.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: LANGUAGE_ID }],
      outputChannel: this.output,
    };
    this.client = new LanguageClient('reasoningLab.countdown', 'Countdown Language Server', serverOptions, clientOptions);
    this.client.start().then(
      () => this.ctx.log.info('countdown language server started'),
      (err: Error) => this.ctx.log.error(`countdown language server did not start: ${err.message}`),
    );
  }

  dispose(): void {
    void this.client?.stop().finally(() => {
      for (const d of this.subscriptions) d.dispose();
    });
    if (!this.client) for (const d of this.subscriptions) d.dispose();
  }
}
