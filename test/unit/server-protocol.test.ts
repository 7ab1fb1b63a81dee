// The real LSP protocol, in process: the server's connection and a JSON-RPC
// client talk over two duplex streams, as vscode-languageserver-node's own
// connection tests do.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import type { CompletionList, Hover, InitializeResult, MarkupContent, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver';
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from '../../src/server/server';

const uri = 'file:///work/spec.countdown';
const text = 'task {\n  gruop 3\n}\nrl {\n  max-tokens 100\n}\nproblems {\n  44 19 35 -> 98\n}\n';

describe('language server over the LSP protocol', () => {
  const up = new PassThrough();
  const down = new PassThrough();
  let client: MessageConnection;
  const diagnostics: PublishDiagnosticsParams[] = [];
  let notify: (() => void) | null = null;

  before(async () => {
    const server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    startServer(server);
    server.listen();
    client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      diagnostics.push(p);
      notify?.();
    });
    client.listen();
  });

  after(async () => {
    await client.sendRequest('shutdown');
    client.dispose();
    up.end();
    down.end();
  });

  it('initializes with every feature announced', async () => {
    const result = await client.sendRequest<InitializeResult>('initialize', { processId: null, rootUri: null, capabilities: {} });
    const caps = result.capabilities;
    for (const k of ['completionProvider', 'hoverProvider', 'documentFormattingProvider', 'documentSymbolProvider', 'foldingRangeProvider', 'semanticTokensProvider', 'codeActionProvider', 'codeLensProvider'] as const) {
      assert.ok(caps[k], k);
    }
    await client.sendNotification('initialized', {});
  });

  it('publishes diagnostics after didOpen', async () => {
    const published = new Promise<void>((resolve) => (notify = resolve));
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'countdown', version: 1, text } });
    await published;
    const last = diagnostics[diagnostics.length - 1]!;
    assert.equal(last.uri, uri);
    assert.equal(last.diagnostics.length, 1);
    assert.match(last.diagnostics[0]!.message, /did you mean `group` in `rl \{ \}`\?/);
    assert.deepEqual(last.diagnostics[0]!.range.start, { line: 1, character: 2 });
  });

  it('re-validates after an edit (debounced) and publishes only the newest version', async () => {
    diagnostics.length = 0;
    const published = new Promise<void>((resolve) => (notify = resolve));
    const fixed = text.replace('gruop', 'group');
    await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: text.replace('gruop', 'grou') }] });
    await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: fixed }] });
    await published;
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.version, 3);
    assert.match(diagnostics[0]!.diagnostics.map((d) => d.message).join(), /unknown key `group` in `task`; `group` belongs in `rl/);
  });

  it('completes keys of the block at the cursor', async () => {
    const list = await client.sendRequest<CompletionList>('textDocument/completion', { textDocument: { uri }, position: { line: 4, character: 2 } });
    assert.ok(list.items.some((i) => i.label === 'algorithm'));
  });

  it('hovers a problem line with its solution', async () => {
    const hover = await client.sendRequest<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 4 } });
    assert.match((hover.contents as MarkupContent).value, /44 19 35 -> 98\*\*: solvable/);
  });

  it('formats the document', async () => {
    const edits = await client.sendRequest<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    assert.equal(edits.length, 1);
    assert.match(edits[0]!.newText, /^task \{\n {2}group {2}3\n\}\nrl \{\n {2}max-tokens {2}100\n\}/);
  });
});
