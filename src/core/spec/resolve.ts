// The one entry point the trainer, the CLI and the extension call: spec text
// in, the fully defaulted configuration (or null when there are errors) and
// every diagnostic out.
import { builtInTemplate } from '../countdown/prompts';
import { analyzeSpec } from './analyze';
import type { ResolvedConfig } from './config';
import type { SpecDiagnostic } from './diagnostic';

export interface ResolvedSpec {
  config: ResolvedConfig | null;
  diagnostics: SpecDiagnostic[];
}

export function resolveSpec(text: string): ResolvedSpec {
  const analysis = analyzeSpec(text);
  if (analysis.hasErrors) return { config: null, diagnostics: analysis.diagnostics };
  const config = analysis.config;
  // PromptConfig carries the built-in text too, so run.json records what the model saw.
  if (config.prompt.kind !== 'custom') config.prompt = { kind: config.prompt.kind, template: builtInTemplate(config.prompt.kind) };
  return { config, diagnostics: analysis.diagnostics };
}
