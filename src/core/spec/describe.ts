// Markdown descriptions of blocks, keys and values, straight from the schema.
// The generated docs/countdown-spec.md, hover and completion documentation all
// use these, so the three always say the same thing.
import type { BlockSpec, KeySpec } from './schema';
import { defaultText } from './schema';

/** `1..8192`, `at least 0`, or '' when unbounded. */
export function boundsText(spec: KeySpec): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min}..${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  if (spec.max !== undefined) return `at most ${spec.max}`;
  return '';
}

/** One line: type, default and bounds. */
export function keySummary(spec: KeySpec): string {
  const parts = [`*${spec.type.label}*`, `default ${defaultText(spec)}`];
  const bounds = boundsText(spec);
  if (bounds) parts.push(`range ${bounds}`);
  return parts.join(' · ');
}

export function keyMarkdown(spec: KeySpec, block?: BlockSpec): string {
  const where = block ? ` in \`${block.name} { }\`` : ' (top-level setting)';
  const lines = [`**${spec.key}**${where}`, '', spec.doc, '', keySummary(spec)];
  if (spec.type.choices?.length) {
    lines.push('', ...spec.type.choices.map((c) => `- \`${c.value}\`: ${c.doc}`));
  }
  return lines.join('\n');
}

export function blockMarkdown(block: BlockSpec): string {
  const lines = [`**${block.name} { }**${block.required ? ' (required)' : ''}`, '', block.doc];
  if (block.keys.length) lines.push('', `Keys: ${block.keys.map((k) => `\`${k.key}\``).join(', ')}`);
  lines.push('', '```countdown', `${block.name} {`, ...block.example.map((l) => `  ${l}`), '}', '```');
  return lines.join('\n');
}

export function valueMarkdown(spec: KeySpec, value: string): string | null {
  const choice = spec.type.choices?.find((c) => c.value === value);
  return choice ? `\`${spec.key} ${choice.value}\`: ${choice.doc}` : null;
}
