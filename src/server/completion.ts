// Completion: block names and settings at the top level, the keys a block
// still lacks inside it, the values a key accepts after it, and whole-block
// snippets. Every item carries the schema's documentation.
import type { CompletionItem, CompletionList, Position, Range } from 'vscode-languageserver';
import { CompletionItemKind, InsertTextFormat, MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { blockMarkdown, keyMarkdown, keySummary } from '../core/spec/describe';
import type { BlockSpec, KeySpec } from '../core/spec/schema';
import { BLOCKS, SETTINGS, defaultText, findKey, findSetting } from '../core/spec/schema';
import { treeAround } from './analysis';
import { contextAt } from './context';

const doc = (value: string) => ({ kind: MarkupKind.Markdown, value });

export function doComplete(document: TextDocument, position: Position): CompletionList {
  const tree = treeAround(document, position);
  const ctx = contextAt(tree, position);
  if (ctx.inText) return { isIncomplete: false, items: [] };
  // The word being typed is replaced as a whole, including its `-` parts.
  const typing = ctx.before.length && ctx.before[ctx.before.length - 1]!.range.end.character === position.character ? ctx.before[ctx.before.length - 1]! : null;
  const replace: Range = typing ? typing.range : { start: position, end: position };
  const settled = typing ? ctx.before.slice(0, -1) : ctx.before;
  const items: CompletionItem[] = [];

  if (settled.length === 0) {
    if (ctx.block) {
      if (ctx.blockSpec && !ctx.blockSpec.problemLines) {
        const others = ctx.block.entries.flatMap((e) => (e.kind === 'setting' && e.range.start.line !== position.line ? [e] : []));
        const taken = new Set(others.map((e) => e.key.text));
        // Values line up with the block's other values (as Format Document aligns them).
        const column = Math.max(0, ...others.flatMap((e) => (e.values[0] && e.values[0].range.start.line === e.key.range.start.line ? [e.values[0].range.start.character] : [])));
        for (const key of ctx.blockSpec.keys) if (!taken.has(key.key)) items.push(keyItem(key, ctx.blockSpec, replace, column));
      }
    } else {
      const present = new Set(tree.items.filter((i) => i.range.start.line !== position.line).map((i) => (i.kind === 'block' ? i.name.text : i.key.text)));
      for (const block of BLOCKS) {
        if (present.has(block.name)) continue;
        items.push(blockItem(block, replace), blockSnippet(block, replace));
      }
      for (const setting of SETTINGS) if (!present.has(setting.key)) items.push(keyItem(setting, undefined, replace));
    }
  } else if (settled.length === 1 && settled[0]!.kind === 'word') {
    const key = settled[0]!.text;
    const spec = ctx.block ? (ctx.blockSpec ? findKey(ctx.blockSpec, key) : undefined) : findSetting(key);
    if (spec) items.push(...valueItems(spec, replace));
  }
  return { isIncomplete: false, items };
}

/** `valueColumn`: where the value should start (0: right after the key). */
function keyItem(spec: KeySpec, block: BlockSpec | undefined, range: Range, valueColumn = 0): CompletionItem {
  const choices = spec.type.choices?.map((c) => c.value);
  const shown = spec.default === null ? '' : spec.type.show(spec.default);
  // The default comes first among the choices, so accepting the item keeps it.
  const ordered = choices?.includes(shown) ? [shown, ...choices.filter((c) => c !== shown)] : choices;
  const value = ordered?.length ? `\${1|${ordered.join(',')}|}` : `\${1:${escapeSnippet(shown)}}`;
  return {
    label: spec.key,
    kind: block ? CompletionItemKind.Property : CompletionItemKind.Field,
    detail: `${spec.type.label} = ${defaultText(spec).replaceAll('`', '')}`,
    documentation: doc(keyMarkdown(spec, block)),
    textEdit: { range, newText: `${spec.key}${' '.repeat(Math.max(1, valueColumn - range.start.character - spec.key.length))}${value}` },
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

function blockItem(block: BlockSpec, range: Range): CompletionItem {
  return {
    label: block.name,
    kind: CompletionItemKind.Module,
    detail: `${block.name} { }${block.required ? ' (required)' : ''}`,
    documentation: doc(blockMarkdown(block)),
    textEdit: { range, newText: `${block.name} {\n\t$0\n}` },
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

/** The whole block with its example lines, each value a tab stop. */
function blockSnippet(block: BlockSpec, range: Range): CompletionItem {
  let stop = 0;
  const body = block.example.map((line) => {
    const m = /^(\S+)(\s+)(.*)$/.exec(line);
    if (!m || block.problemLines) return `\t\${${++stop}:${escapeSnippet(line)}}`;
    return `\t${m[1]}${m[2]}\${${++stop}:${escapeSnippet(m[3]!)}}`;
  });
  return {
    label: `${block.name} { … }`,
    filterText: block.name,
    sortText: `~${block.name}`,
    kind: CompletionItemKind.Snippet,
    detail: `a whole ${block.name} block`,
    documentation: doc(blockMarkdown(block)),
    textEdit: { range, newText: `${block.name} {\n${body.join('\n')}\n}` },
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

function valueItems(spec: KeySpec, range: Range): CompletionItem[] {
  const items: CompletionItem[] = (spec.type.choices ?? []).map((c) => ({
    label: c.value,
    kind: CompletionItemKind.EnumMember,
    detail: spec.key,
    documentation: doc(c.doc),
    textEdit: { range, newText: c.value },
  }));
  if (spec.default !== null && !spec.type.choices?.some((c) => c.value === spec.type.show(spec.default))) {
    const text = spec.type.show(spec.default);
    items.push({
      label: text,
      kind: CompletionItemKind.Value,
      detail: `default of ${spec.key}`,
      documentation: doc(`${spec.doc}\n\n${keySummary(spec)}`),
      textEdit: { range, newText: text },
    });
  }
  return items;
}

function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&');
}

