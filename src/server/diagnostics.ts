// Spec diagnostics as LSP diagnostics. The fixes travel in `data`, so a code
// action request can answer from the diagnostic alone.
import type { Diagnostic } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SpecDiagnostic } from '../core/spec/diagnostic';
import { analysisOf } from './analysis';
import { environmentDiagnostics } from './environment';

const SEVERITY: Record<SpecDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspDiagnostic(d: SpecDiagnostic): Diagnostic {
  const diagnostic: Diagnostic = { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: 'countdown', message: d.message };
  if (d.fixes?.length) diagnostic.data = d.fixes;
  return diagnostic;
}

export function computeDiagnostics(document: TextDocument): Diagnostic[] {
  const analysis = analysisOf(document);
  return [...analysis.diagnostics, ...environmentDiagnostics(analysis)].map(toLspDiagnostic);
}
