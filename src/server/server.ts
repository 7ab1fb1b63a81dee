// Wires the pure language-service functions to an LSP connection: documents,
// debounced validation pushed as diagnostics, and one handler per feature.
// Requests honour cancellation; a failing handler answers with an error
// instead of taking the server down.
import type { CancellationToken, Connection, InitializeResult } from 'vscode-languageserver';
import { LSPErrorCodes, ResponseError, TextDocumentSyncKind, TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions, codeLenses } from './actions';
import { doComplete } from './completion';
import { computeDiagnostics } from './diagnostics';
import { doFormat } from './formatting';
import { doHover } from './hover';
import { documentSymbols, foldingRanges } from './outline';
import { SEMANTIC_LEGEND, semanticTokens } from './semantic-tokens';

/** Quiet time after the last keystroke before a document is re-validated. */
const VALIDATION_DELAY_MS = 200;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  function runSafe<T>(token: CancellationToken, what: string, work: () => T): T | ResponseError<void> {
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
    try {
      return work();
    } catch (error) {
      const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
      connection.console.error(`countdown ${what} failed: ${message}`);
      return new ResponseError(LSPErrorCodes.RequestFailed, `countdown ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const validate = (document: TextDocument): void => {
    const version = document.version;
    const diagnostics = computeDiagnostics(document);
    // A newer edit already queued its own validation: do not publish stale results.
    if (documents.get(document.uri)?.version !== version) return;
    void connection.sendDiagnostics({ uri: document.uri, version, diagnostics });
  };
  const schedule = (document: TextDocument, delay: number): void => {
    clearTimeout(pending.get(document.uri));
    pending.set(
      document.uri,
      setTimeout(() => {
        pending.delete(document.uri);
        const current = documents.get(document.uri);
        if (current) {
          try {
            validate(current);
          } catch (error) {
            connection.console.error(`countdown validation failed: ${error instanceof Error ? error.stack : String(error)}`);
          }
        }
      }, delay),
    );
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [' '], resolveProvider: false },
        hoverProvider: true,
        documentFormattingProvider: true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'countdown-language-server' },
    }),
  );

  documents.onDidOpen((e) => schedule(e.document, 0));
  documents.onDidChangeContent((e) => schedule(e.document, VALIDATION_DELAY_MS));
  documents.onDidClose((e) => {
    clearTimeout(pending.get(e.document.uri));
    pending.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  const withDocument = <T>(uri: string, token: CancellationToken, what: string, empty: T, work: (d: TextDocument) => T): T | ResponseError<void> => {
    const document = documents.get(uri);
    return document ? runSafe(token, what, () => work(document)) : empty;
  };

  connection.onCompletion((p, token) => withDocument(p.textDocument.uri, token, 'completion', null, (d) => doComplete(d, p.position)));
  connection.onHover((p, token) => withDocument(p.textDocument.uri, token, 'hover', null, (d) => doHover(d, p.position)));
  connection.onDocumentFormatting((p, token) => withDocument(p.textDocument.uri, token, 'formatting', [], (d) => doFormat(d, p.options)));
  connection.onDocumentSymbol((p, token) => withDocument(p.textDocument.uri, token, 'outline', [], documentSymbols));
  connection.onFoldingRanges((p, token) => withDocument(p.textDocument.uri, token, 'folding', [], foldingRanges));
  connection.languages.semanticTokens.on((p, token) => withDocument(p.textDocument.uri, token, 'semantic tokens', { data: [] }, semanticTokens));
  connection.onCodeAction((p, token) => withDocument(p.textDocument.uri, token, 'code actions', [], (d) => codeActions(d, p.range)));
  connection.onCodeLens((p, token) => withDocument(p.textDocument.uri, token, 'code lenses', [], codeLenses));

  documents.listen(connection);
}
