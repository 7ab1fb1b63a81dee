// "Solve all problems": a read-only document listing a solution (or none) for
// every problem line of a spec, `rlab-solutions:/<name>.solutions?<spec uri>`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { solutionsReport } from '../spec/specReport';

export const SOLUTIONS_SCHEME = 'rlab-solutions';

export function solutionsUri(spec: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: SOLUTIONS_SCHEME, path: `/${path.basename(spec.path)}.solutions`, query: spec.toString() });
}

export class SolutionDocumentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const spec = vscode.Uri.parse(uri.query);
    const doc = await vscode.workspace.openTextDocument(spec);
    return solutionsReport(vscode.workspace.asRelativePath(spec), doc.getText());
  }
}
