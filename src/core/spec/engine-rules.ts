// Rules that depend on the engine: with `kind verl`, every key and value the
// mapping to veRL refuses (docs/verl.md) and the GPU arithmetic veRL needs;
// with the local engine, settings that only veRL reads.
import { MAPPINGS, PROBLEMS_UNSUPPORTED, rejections } from '../verl/mapping';
import type { SpecAnalysis } from './analyze';
import type { SpecDiagnostic } from './diagnostic';
import { BLOCKS, SETTINGS } from './schema';
import type { Range } from './syntax';

type At = (...paths: string[]) => Range;

/** `block.key` (or `.key` for a top-level setting) of a config field, as the spec spells it. */
function keyPath(block: string, field: string): string {
  if (block === '') return `.${SETTINGS.find((s) => s.key === field)?.key ?? field}`;
  const spec = BLOCKS.find((b) => b.name === block);
  const i = spec ? spec.fields.indexOf(field) : -1;
  return `${block}.${spec && i >= 0 ? spec.keys[i]!.key : field}`;
}

export function checkEngineRules(analysis: SpecAnalysis, at: At): void {
  const { config, written, diagnostics } = analysis;
  const report = (range: Range, severity: SpecDiagnostic['severity'], message: string): void => {
    diagnostics.push({ range, severity, code: 'rule', message });
  };

  if (config.engine.kind === 'local') {
    for (const [path, setting] of written) {
      if (path.startsWith('engine.') && path !== 'engine.kind') {
        report(setting.key.range, 'warning', `\`${setting.key.text}\` applies to the \`verl\` engine only; the local engine ignores it`);
      }
    }
    return;
  }

  for (const [block, table] of Object.entries(MAPPINGS)) {
    for (const [field, mapping] of Object.entries(table)) {
      const path = keyPath(block, field);
      const setting = written.get(path);
      if (mapping.unsupported && setting) report(setting.key.range, 'error', `\`${setting.key.text}\` does not apply to \`engine verl\`: ${mapping.unsupported}`);
    }
  }
  for (const { block, field, message } of rejections(config)) {
    const path = keyPath(block, field);
    if (!analysis.invalid.has(path)) report(at(path, 'engine.kind'), 'error', message);
  }
  for (const { line } of analysis.problems) report(line.range, 'error', PROBLEMS_UNSUPPORTED);

  const { rl, engine } = config;
  const gpus = engine.gpus * engine.nodes;
  const completions = rl.prompts * rl.groupSize;
  if (completions % gpus !== 0) {
    report(
      at('rl.prompts', 'rl.group', 'engine.gpus', 'engine.nodes'),
      'error',
      `veRL splits a step's ${completions} completions (prompts × group) among ${gpus} GPU(s) (gpus × nodes): make prompts × group a multiple of ${gpus}`,
    );
  } else if (rl.miniBatch % gpus !== 0) {
    report(at('rl.mini-batch', 'engine.gpus', 'engine.nodes'), 'error', `veRL splits each mini-batch of ${rl.miniBatch} completions among ${gpus} GPU(s): make \`mini-batch\` a multiple of ${gpus}`);
  }
}
