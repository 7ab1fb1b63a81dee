// The language client starts dist/server.js over IPC; diagnostics, completion
// and hover come back through the real protocol into VS Code.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { activeCtx, waitFor, workspaceRoot } from './util';

const SPEC = `name "harness"

task {
  numbers  3
  valeus   1..99
  
}

problems {
  44 19 35 -> 98
}
`;

/** Pids of dist/server.js processes this extension host started (Linux /proc). */
function serverPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (ppid === process.pid && cmdline.includes('dist/server.js')) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

export function defineLanguageTests(): void {
  describe('language client', function () {
    let doc: vscode.TextDocument;

    before(async function () {
      const ctx = await activeCtx();
      const contributed = (ctx.extension.extension.packageJSON.contributes.languages ?? []) as { id: string }[];
      if (!existsSync(ctx.asAbsolutePath('dist/server.js')) || !contributed.some((l) => l.id === 'countdown')) {
        console.log('  (skipped: no language server yet: dist/server.js is not built or the countdown language is not contributed)');
        this.skip();
      }
      const file = path.join(workspaceRoot(), 'harness-language.countdown');
      writeFileSync(file, SPEC);
      doc = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(doc);
      assert.equal(doc.languageId, 'countdown');
    });

    it('publishes a diagnostic for a misspelled key, with a suggestion', async () => {
      const diagnostics = await waitFor('diagnostics', () => {
        const d = vscode.languages.getDiagnostics(doc.uri);
        return d.length > 0 && d;
      });
      const typo = diagnostics.find((d) => d.range.start.line === 4);
      assert.ok(typo, JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.message])));
      assert.match(typo.message, /values/);
    });

    it('completes the keys of the current block', async () => {
      const list = await waitFor('completions', async () => {
        const l = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(5, 2));
        return l.items.length > 0 && l;
      });
      const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      for (const key of ['values', 'target', 'operators']) assert.ok(labels.includes(key), labels.join(', '));
    });

    it('hovers a problem line with a solution', async () => {
      const hovers = await waitFor('a hover', async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(9, 4));
        return h.length > 0 && h;
      });
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(text, /solv/i);
      assert.match(text, /44|19|35/);
    });

    it('restarts the server when it dies, and diagnostics keep coming', async () => {
      const server = serverPids();
      assert.equal(server.length, 1, `one server process under the extension host, found ${server.length}`);
      process.kill(server[0]!, 'SIGKILL');
      await waitFor('a new server process', () => {
        const now = serverPids();
        return now.length === 1 && now[0] !== server[0];
      });
      const edit = new vscode.WorkspaceEdit();
      edit.insert(doc.uri, new vscode.Position(3, 0), '  targte   10..100\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await waitFor('a diagnostic from the restarted server', () =>
        vscode.languages.getDiagnostics(doc.uri).some((d) => d.message.includes('targte')),
      );
    });
  });
}
