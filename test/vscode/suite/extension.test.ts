import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activeCtx, EXTENSION_ID } from './util';

export function defineExtensionTests(): void {
  describe('extension', () => {
    it('activates in the extension host', async () => {
      const ctx = await activeCtx();
      assert.ok(ctx.runsRoot?.endsWith('.rlab/runs'), `runs folder ${ctx.runsRoot}`);
    });

    it('registers every command it contributes', async () => {
      await activeCtx();
      const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
      const registered = new Set(await vscode.commands.getCommands(true));
      assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
    });

    it('Show Version reports name, version, runtimes and the installed trainer backends', async () => {
      const message = await vscode.commands.executeCommand<string>('reasoningLab.showVersion');
      const version = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.version as string;
      assert.match(message, new RegExp(`^Reasoning Lab ${version.replace(/\./g, '\\.')} · VS Code \\d`));
      assert.match(message, /Node \d+\.\d+/);
      assert.match(message, /trainer backends installed: [^·]*wasm/);
      assert.match(message, /trainer Node: \/\S+ \((setting|path|extension-host)\)/);
    });
  });
}
