// The language server process: an IPC connection (vscode-languageclient forks
// this file with TransportKind.ipc) wired to the countdown language service.
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
