// What the parser and validator report. A diagnostic may carry the edits that
// fix it, so the quick fixes in the editor and the message come from one place.
import type { Range } from './syntax';

export type Severity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'syntax'
  | 'unknown-block'
  | 'unknown-key'
  | 'unknown-value'
  | 'duplicate'
  | 'missing-block'
  | 'type'
  | 'range'
  | 'rule'
  | 'problem-rule'
  | 'unsolvable';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface SpecFix {
  title: string;
  edits: TextEdit[];
  /** The fix the editor applies on "fix all" and offers first. */
  preferred?: boolean;
}

export interface SpecDiagnostic {
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  fixes?: SpecFix[];
}
