// `rlab check`: validate .countdown specs like a compiler. One line per
// diagnostic, `file:line:col: severity: message`, on stdout; a summary on
// stderr; exit code 1 when any file has an error (2 when a file cannot be read).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SpecDiagnostic } from '../../core/spec/diagnostic';
import { resolveSpec } from '../../core/spec/resolve';

interface CheckOptions {
  json?: boolean;
}

interface FileReport {
  file: string;
  /** null when the file could not be read. */
  diagnostics: SpecDiagnostic[] | null;
  readError?: string;
}

export function register(program: Command): void {
  program
    .command('check')
    .description('Check .countdown specs and print their errors and warnings')
    .argument('<files...>', '.countdown files')
    .option('--json', 'print one JSON object with every file and diagnostic (positions are 1-based)')
    .addHelpText('after', '\nExamples:\n  rlab check examples/*.countdown\n  rlab check my.countdown --json')
    .action((files: string[], options: CheckOptions) => {
      const reports: FileReport[] = files.map((file) => {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (error) {
          return { file, diagnostics: null, readError: error instanceof Error ? error.message : String(error) };
        }
        return { file, diagnostics: resolveSpec(text).diagnostics };
      });
      const count = (s: SpecDiagnostic['severity']) => reports.reduce((n, r) => n + (r.diagnostics?.filter((d) => d.severity === s).length ?? 0), 0);
      const errors = count('error');
      const warnings = count('warning');
      const unreadable = reports.filter((r) => r.readError);

      if (options.json) {
        const out = reports.map((r) => ({
          file: r.file,
          ...(r.readError ? { error: r.readError } : {}),
          diagnostics: (r.diagnostics ?? []).map((d) => ({
            line: d.range.start.line + 1,
            column: d.range.start.character + 1,
            endLine: d.range.end.line + 1,
            endColumn: d.range.end.character + 1,
            severity: d.severity,
            code: d.code,
            message: d.message,
          })),
        }));
        process.stdout.write(`${JSON.stringify({ errors, warnings, files: out })}\n`);
      } else {
        for (const r of reports) {
          if (r.readError) process.stderr.write(`${r.file}: error: cannot read the file: ${r.readError}\n`);
          for (const d of r.diagnostics ?? []) {
            process.stdout.write(`${r.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}\n`);
          }
        }
        const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
        process.stderr.write(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(files.length, 'file')}\n`);
      }
      process.exitCode = unreadable.length ? 2 : errors ? 1 : 0;
    });
}
