// Read-only virtual documents for traces: `rlab-trace:/<run-id>/<run-id>-<index>.trace`,
// so the tab names the run. Model output is shown as plain text in an editor,
// never interpreted.
import * as vscode from 'vscode';
import { formatTrace, readTraceFromDisk } from '../runs/traceText';
import type { RunStore } from '../runs/runStore';

export const TRACE_SCHEME = 'rlab-trace';
/** Contributed with syntaxes/countdown-trace.tmLanguage.json. */
export const TRACE_LANGUAGE_ID = 'countdown-trace';

export function traceUri(runId: string, index: number): vscode.Uri {
  return vscode.Uri.from({ scheme: TRACE_SCHEME, path: `/${runId}/${runId}-${index}.trace` });
}

export class TraceDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly store: RunStore) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const match = /^\/([^/]+)\/(?:[^/]*-)?(\d+)\.trace$/.exec(uri.path);
    if (!match) return `Not a trace address: ${uri.toString()}`;
    const [, runId, indexText] = match;
    const index = Number(indexText);
    const run = this.store.get(runId!);
    if (!run) return `Run ${runId} is not in the runs folder any more.`;
    const trace = this.store.trace(run.id, index) ?? readTraceFromDisk(run.dir, index);
    return trace ? formatTrace(run.id, index, trace) : `Run ${run.id} has no trace ${index}.`;
  }
}
