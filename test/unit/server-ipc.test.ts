// The bundled server as the extension starts it: a forked Node process that
// speaks LSP over Node IPC (vscode-languageclient's TransportKind.ipc).
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { build } from 'esbuild';
import { IPCMessageReader, IPCMessageWriter, type MessageConnection, createMessageConnection } from 'vscode-jsonrpc/node';
import type { InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver';

const dir = mkdtempSync(join(tmpdir(), 'countdown-server-'));
let child: ChildProcess | undefined;
let client: MessageConnection | undefined;

after(() => {
  client?.dispose();
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

it('the bundled server answers over IPC and publishes diagnostics', async () => {
  const outfile = join(dir, 'server.js');
  // The same bundle options as esbuild.mjs uses for dist/server.js.
  await build({ entryPoints: ['src/server/main.ts'], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' });
  child = fork(outfile, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  client = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const published = new Promise<PublishDiagnosticsParams>((resolve) => client!.onNotification('textDocument/publishDiagnostics', resolve));
  client.listen();
  const init = await client.sendRequest<InitializeResult>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(init.serverInfo?.name, 'countdown-language-server');
  await client.sendNotification('initialized', {});
  await client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///x.countdown', languageId: 'countdown', version: 1, text: 'rl { group 1 }\n' } });
  const diagnostics = await published;
  assert.deepEqual(diagnostics.diagnostics.map((d) => d.code).sort(), ['missing-block', 'rule']);
  await client.sendRequest('shutdown');
});
