import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CompletionItem, MarkupContent, Position } from 'vscode-languageserver';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions, codeLenses, LENS_COMMANDS } from '../../src/server/actions';
import { parse, parseThrough } from '../../src/core/spec/parser';
import { doComplete } from '../../src/server/completion';
import { contextAt } from '../../src/server/context';
import { computeDiagnostics } from '../../src/server/diagnostics';
import { doFormat } from '../../src/server/formatting';
import { doHover } from '../../src/server/hover';
import { documentSymbols, foldingRanges } from '../../src/server/outline';
import { SEMANTIC_LEGEND, semanticTokens } from '../../src/server/semantic-tokens';

let version = 0;
const docOf = (text: string) => TextDocument.create('file:///t.countdown', 'countdown', ++version, text);

/** Text with a `|` marking the cursor. */
function at(textWithCursor: string): { document: TextDocument; position: Position } {
  const offset = textWithCursor.indexOf('|');
  const document = docOf(textWithCursor.replace('|', ''));
  return { document, position: document.positionAt(offset) };
}
const labels = (items: CompletionItem[]) => items.map((i) => i.label);
const hoverText = (text: string): string | null => {
  const { document, position } = at(text);
  const h = doHover(document, position);
  return h ? (h.contents as MarkupContent).value : null;
};

describe('diagnostics', () => {
  it('maps severities and precise ranges, with the fixes as data', () => {
    const d = computeDiagnostics(docOf('task {\n  gruop 3\n}\nproblems {\n  1 2 3 -> 99\n}\n'));
    const unknown = d.find((x) => x.code === 'unknown-key')!;
    assert.equal(unknown.severity, DiagnosticSeverity.Error);
    assert.deepEqual(unknown.range, { start: { line: 1, character: 2 }, end: { line: 1, character: 7 } });
    assert.equal(unknown.source, 'countdown');
    const unsolvable = d.find((x) => x.code === 'unsolvable')!;
    assert.equal(unsolvable.severity, DiagnosticSeverity.Warning);
    assert.deepEqual(unsolvable.range, { start: { line: 4, character: 2 }, end: { line: 4, character: 13 } });
  });
});

describe('completion', () => {
  it('offers blocks, whole-block snippets and settings at the top level, minus those present', () => {
    const items = doComplete(...Object.values(at('task { }\n|')) as [TextDocument, Position]).items;
    const names = labels(items);
    for (const n of ['rl', 'model', 'rl { … }', 'prompt', 'device', 'name']) assert.ok(names.includes(n), n);
    assert.ok(!names.includes('task'));
    const snippet = items.find((i) => i.label === 'rl { … }')!;
    assert.match((snippet.textEdit as { newText: string }).newText, /^rl \{\n\talgorithm {4}\$\{1:grpo\}/);
    assert.match((items.find((i) => i.label === 'rl')!.documentation as MarkupContent).value, /Reinforcement learning/);
  });

  it('offers the keys of the current block that are not written yet, with docs', () => {
    const { document, position } = at('task { }\nrl {\n  group 8\n  |\n}\n');
    const items = doComplete(document, position).items;
    assert.ok(labels(items).includes('max-tokens'));
    assert.ok(!labels(items).includes('group'));
    assert.ok(!labels(items).includes('numbers'));
    const item = items.find((i) => i.label === 'max-tokens')!;
    assert.match(item.detail!, /integer = 160/);
    assert.match((item.documentation as MarkupContent).value, /context/);
  });

  it('lines the value up with the block\'s other values, as Format Document does', () => {
    const newText = (text: string, label: string) => (doComplete(...(Object.values(at(text)) as [TextDocument, Position])).items.find((i) => i.label === label)!.textEdit as { newText: string }).newText;
    assert.equal(newText('task { }\nrl {\n  algorithm    grpo\n  steps        30\n  |\n}\n', 'entropy'), 'entropy      ${1:0}');
    assert.equal(newText('task { }\nrl {\n  group 8\n  |\n}\n', 'max-tokens'), 'max-tokens ${1:160}', 'a key longer than the column keeps one space');
    assert.equal(newText('task { }\nrl {\n  |\n}\n', 'steps'), 'steps ${1:60}');
  });

  it('replaces the partly typed key as a whole', () => {
    const { document, position } = at('task { }\nrl {\n  max-to|\n}\n');
    const item = doComplete(document, position).items.find((i) => i.label === 'max-tokens')!;
    assert.deepEqual((item.textEdit as { range: unknown }).range, { start: { line: 2, character: 2 }, end: { line: 2, character: 8 } });
  });

  it('offers enumerated values after a key', () => {
    const cases: [string, string[]][] = [
      ['task { }\nrl {\n  algorithm |\n}', ['grpo', 'dr-grpo', 'rloo', 'ppo', 'reinforce']],
      ['task { }\nmodel { preset | }', ['nano', 'tiny', 'small', 'base', 'custom']],
      ['task { }\ndevice |', ['auto', 'gpu', 'cpu', 'wasm', 'js']],
      ['task { }\nprompt comp|', ['tinyzero', 'qwen-instruct', 'compact']],
      ['task { }\nengine { kind | }', ['local', 'verl']],
      ['task { }\nengine {\n  rollout |\n}', ['vllm', 'sglang']],
    ];
    for (const [text, expected] of cases) {
      const { document, position } = at(text);
      assert.deepEqual(labels(doComplete(document, position).items), expected, text);
    }
  });

  it('offers nothing inside comments and strings', () => {
    for (const text of ['task { }\n# algo|', 'task { }\nname "ab|c"', 'task { }\nprompt """\n  x|\n"""']) {
      const { document, position } = at(text);
      assert.deepEqual(doComplete(document, position).items, [], text);
    }
  });

  it('offers the default for a key without choices', () => {
    const { document, position } = at('task {\n  values |\n}');
    assert.deepEqual(labels(doComplete(document, position).items), ['1..99']);
  });
});

describe('hover', () => {
  it('shows the schema docs of keys, values and blocks', () => {
    assert.match(hoverText('task { }\nrl {\n  max-to|kens 100\n}')!, /\*\*max-tokens\*\* in `rl \{ \}`[\s\S]*default `160`/);
    assert.match(hoverText('task { }\nrl {\n  algorithm dr-g|rpo\n}')!, /Dr\. GRPO/);
    assert.match(hoverText('ta|sk { }')!, /Which Countdown problems/);
    assert.match(hoverText('task { }\ndev|ice cpu')!, /top-level setting/);
    assert.equal(hoverText('# a com|ment\ntask { }'), null);
  });

  it('says whether a problem line is solvable, with a solution from the solver', () => {
    const solvable = hoverText('task { }\nproblems {\n  44 1|9 35 -> 98\n}')!;
    assert.match(solvable, /solvable/);
    const expr = /```\n(.*) = 98\n```/.exec(solvable)![1]!;
    assert.equal(Function(`return ${expr}`)(), 98);
    assert.match(hoverText('task { }\nproblems {\n  1 2 3 -> 9|9\n}')!, /not solvable/);
  });
});

describe('formatting', () => {
  it('returns one whole-document edit, none when already formatted or broken', () => {
    const edits = doFormat(docOf('task {\nseed 1\n}'), { tabSize: 2, insertSpaces: true });
    assert.equal(edits.length, 1);
    assert.equal(edits[0]!.newText, 'task {\n  seed  1\n}\n');
    assert.deepEqual(doFormat(docOf('task {\n  seed  1\n}\n'), { tabSize: 2, insertSpaces: true }), []);
    assert.deepEqual(doFormat(docOf('task {\nseed 1\n'), { tabSize: 2, insertSpaces: true }), []);
    assert.equal(doFormat(docOf('task {\nseed 1\n}'), { tabSize: 4, insertSpaces: false })[0]!.newText, 'task {\n\tseed  1\n}\n');
  });
});

describe('outline, folding, semantic tokens', () => {
  const example = readFileSync('examples/countdown-3.countdown', 'utf8');

  it('lists blocks with their keys and problem lines', () => {
    const symbols = documentSymbols(docOf(example));
    assert.deepEqual(symbols.map((s) => s.name), ['name', 'task', 'prompt', 'reward', 'model', 'pretrain', 'rl', 'eval', 'device', 'problems']);
    assert.deepEqual(symbols.find((s) => s.name === 'problems')!.children!.map((c) => c.name), ['44 19 35 -> 98', '12 3 4 -> 16']);
    assert.equal(symbols.find((s) => s.name === 'task')!.children!.length, 7);
  });

  it('folds blocks, multi-line strings and comment runs', () => {
    const ranges = foldingRanges(docOf('# a\n# b\ntask {\n  seed 1\n  test 9\n}\nprompt """\n  {numbers}\n  {target}\n"""\n'));
    assert.deepEqual(ranges.map((r) => [r.startLine, r.endLine, r.kind ?? 'region']), [[2, 4, 'region'], [6, 9, 'region'], [0, 1, 'comment']]);
  });

  it('encodes block names, keys, values, numbers and comments in order', () => {
    const data = semanticTokens(docOf('task { # c\n  seed 1\n}\nrl { algorithm grpo }\n')).data;
    const decoded: [number, number, number, string][] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      char = data[i] === 0 ? char + data[i + 1]! : data[i + 1]!;
      decoded.push([line, char, data[i + 2]!, SEMANTIC_LEGEND.tokenTypes[data[i + 3]!]!]);
    }
    assert.deepEqual(decoded, [
      [0, 0, 4, 'namespace'],
      [0, 7, 3, 'comment'],
      [1, 2, 4, 'property'],
      [1, 7, 1, 'number'],
      [3, 0, 2, 'namespace'],
      [3, 5, 9, 'property'],
      [3, 15, 4, 'enumMember'],
    ]);
  });
});

describe('code actions and lenses', () => {
  it('offers the quick fixes of the diagnostics in range, and they fix them', () => {
    const text = 'task { }\nrl {\n  gruop 8\n  steps 4\n  steps 5\n}\n';
    const document = docOf(text);
    const fix = codeActions(document, { start: { line: 2, character: 3 }, end: { line: 2, character: 3 } });
    assert.equal(fix.length, 1);
    assert.equal(fix[0]!.title, 'Change to `group`');
    const edited = TextDocument.applyEdits(document, fix[0]!.edit!.changes![document.uri]!);
    assert.ok(edited.includes('  group 8'));
    const dup = codeActions(document, { start: { line: 4, character: 3 }, end: { line: 4, character: 3 } });
    assert.equal(dup[0]!.title, 'Remove the duplicate `steps`');
    assert.equal(TextDocument.applyEdits(document, dup[0]!.edit!.changes![document.uri]!), 'task { }\nrl {\n  gruop 8\n  steps 4\n}\n');
    const missing = codeActions(docOf('rl { }\n'), { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
    assert.equal(missing[0]!.title, 'Add a `task` block');
  });

  it('puts Train and Check on top and Solve all problems over the problems block', () => {
    const lenses = codeLenses(docOf('task { }\nproblems {\n  1 2 3 -> 6\n}\n'));
    assert.deepEqual(lenses.map((l) => [l.range.start.line, l.command!.command]), [
      [0, LENS_COMMANDS.train],
      [0, LENS_COMMANDS.check],
      [1, LENS_COMMANDS.solve],
    ]);
    assert.deepEqual(lenses[0]!.command!.arguments, ['file:///t.countdown']);
    assert.equal(codeLenses(docOf('task { }\n')).length, 2);
  });
});

describe('language service fuzzing', () => {
  it('no feature throws on random or mutated documents at any position', () => {
    const example = readFileSync('examples/countdown-3.countdown', 'utf8');
    const mutated = fc
      .tuple(fc.nat(example.length), fc.nat(30), fc.string({ maxLength: 10 }))
      .map(([i, cut, ins]) => example.slice(0, i) + ins + example.slice(i + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutated), fc.nat(), (text, offset) => {
        const document = docOf(text);
        const position = document.positionAt(offset % (text.length + 1));
        computeDiagnostics(document);
        doComplete(document, position);
        doHover(document, position);
        doFormat(document, { tabSize: 2, insertSpaces: true });
        documentSymbols(document);
        foldingRanges(document);
        semanticTokens(document);
        codeActions(document, { start: position, end: position });
        codeLenses(document);
      }),
      { numRuns: 150 },
    );
  });

  it('completion from the tree cut after the cursor block equals completion from the whole tree', () => {
    const example = readFileSync('examples/countdown-3.countdown', 'utf8');
    const piece = fc.constantFrom('{', '}', '\n', '"""', '"', '# ', 'rl {', '}\nmodel {', '3 4 -> 7', ' ');
    const mutated = fc
      .tuple(fc.nat(example.length), fc.nat(10), fc.array(piece, { maxLength: 3 }))
      .map(([i, cut, ins]) => example.slice(0, i) + ins.join('') + example.slice(i + cut));
    fc.assert(
      fc.property(mutated, fc.nat(), (text, offset) => {
        const fresh = docOf(text);
        const position = fresh.positionAt(offset % (text.length + 1));
        const whole = docOf(text);
        computeDiagnostics(whole); // caches the full tree for this version
        assert.deepEqual(contextAt(parseThrough(text, position), position), contextAt(parse(text).document, position));
        assert.deepEqual(doComplete(fresh, position), doComplete(whole, position));
      }),
      { numRuns: 300 },
    );
  });
});
