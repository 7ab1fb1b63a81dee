// docs/countdown-spec.md, generated from the schema (`npm run docs:spec`); a
// unit test fails when the committed file is stale.
import { boundsText } from './describe';
import { BLOCKS, MODEL_PRESETS, SETTINGS, defaultText } from './schema';
import type { KeySpec } from './schema';

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function keyTable(keys: readonly KeySpec[]): string[] {
  const rows = ['| key | type | default | range | meaning |', '|---|---|---|---|---|'];
  for (const k of keys) {
    let meaning = k.doc;
    if (k.type.choices?.length) meaning += ` ${k.type.choices.map((c) => `\`${c.value}\`: ${c.doc}`).join(' ')}`;
    rows.push(`| \`${k.key}\` | ${cell(k.type.label)} | ${cell(defaultText(k))} | ${cell(boundsText(k) || '—')} | ${cell(meaning)} |`);
  }
  return rows;
}

export function renderSpecDoc(): string {
  const out: string[] = [
    '<!-- Generated from src/core/spec/schema.ts by `npm run docs:spec`; do not edit by hand. -->',
    '# The `.countdown` language',
    '',
    'A `.countdown` file describes one experiment: which Countdown problems, how answers are scored, which',
    'model, how it is pretrained and trained with RL, how it is evaluated, and on which device. Every key is',
    'optional except the `task` block, so a file with only `task { }` is a complete, tiny CPU experiment.',
    '',
    '## Syntax',
    '',
    '```',
    'file     = { line } ;',
    'line     = [ block | setting ] [ comment ] newline ;',
    'block    = word "{" { entry } "}" ;          (* blocks do not nest *)',
    'entry    = setting | problem ;',
    'setting  = word { value } ;                  (* the values run to the end of the line or a "}" *)',
    'problem  = integer { integer } "->" integer ; (* only inside problems { } *)',
    'value    = number | range | word | symbol | string ;',
    'number   = digits [ "." digits ] [ ("e" | "E") [ "+" | "-" ] digits ] [ "%" ] ;   (* 10% is 0.1 *)',
    'range    = digits ".." digits ;              (* inclusive: 1..99 *)',
    'word     = letter { letter | digit | "_" | "-" } ;',
    'symbol   = "+" | "-" | "*" | "/" ;',
    'string   = \'"\' { char | "\\\\" char } \'"\' | \'"""\' { any } \'"""\' ;',
    'comment  = "#" { any but newline } ;',
    '```',
    '',
    '- Blocks and settings may come in any order; each may appear once.',
    '- A `"""` string may span lines; its first line break, the indentation before the closing `"""` and the',
    '  common indentation are dropped.',
    '- Keys are kebab-case. Booleans are `true`/`false` (also `yes`/`no`, `on`/`off`).',
    '',
    '## Top-level settings',
    '',
    ...keyTable(SETTINGS),
    '',
  ];
  for (const block of BLOCKS) {
    out.push(`## \`${block.name} { }\`${block.required ? ' (required)' : ''}`, '', block.doc, '');
    if (block.keys.length) out.push(...keyTable(block.keys), '');
    out.push('```countdown', `${block.name} {`, ...block.example.map((l) => `  ${l}`), '}', '```', '');
    if (block.name === 'model') {
      out.push('Presets:', '', ...Object.entries(MODEL_PRESETS).map(([name, p]) => `- \`${name}\`: ${p.doc}`), '');
    }
  }
  out.push(
    '## Checks beyond single keys',
    '',
    'Errors stop a run; warnings do not.',
    '',
    '- Unknown blocks, keys and values are errors with a "did you mean" suggestion and a quick fix; a key',
    '  written in the wrong block says which block it belongs in.',
    '- A block or key given twice is an error (quick fix: remove the duplicate). A missing `task` block is',
    '  an error (quick fix: add one).',
    '- `group` must be at least 2 for `grpo`, `dr-grpo` and `rloo`, which compare the samples of one prompt.',
    '- `width` must be a multiple of `heads`; `ppo` needs `value-head`.',
    '- The prompt of the longest possible problem plus `max-tokens` must fit in the model `context`.',
    '- `micro-batch` may not exceed `batch`, nor `mini-batch` the completions of a step (`prompts` × `group`);',
    '  sizes that do not divide evenly are warnings.',
    '- `train + test + rl-pool` may not exceed the number of distinct solvable problems the task can produce.',
    '  Small tasks are counted exactly with the solver; larger ones are estimated from a fixed sample of',
    '  number sets drawn uniformly, and counted exactly after all when the task asks for more than half of',
    '  them and they can be counted in well under a second; the message says which. Asking for more than',
    '  an estimate (but within its upper bound) is a warning: the generator may stop short.',
    '- `top-k`/`top-p` in the rl block are errors (filtered rollouts are off-policy); `dynamic-sampling` needs',
    '  `group` ≥ 2, and `max-draw` without it is a warning.',
    '- A task whose `numbers`, `values`, `target` and `operators` allow no solvable problem is an error.',
    '- A `problems` line whose count of numbers, values or target lies outside the task\'s ranges is an',
    '  error; one that cannot be solved is a warning that says so (hover shows a solution when there is one).',
    '- `format` above `correct`, and several greedy evaluation samples, are warnings.',
    '- With `engine { kind verl }`, every key or value that veRL cannot run is an error that says why (the',
    '  `model` and `pretrain` blocks, `device`, `problems`, and values such as `algorithm reinforce`;',
    '  [verl.md](verl.md) maps every key), `model` is required, and the prompts × group completions of a step',
    '  and each `mini-batch` must divide among the `gpus` × `nodes` GPUs. With the local engine, the keys that',
    '  only veRL reads are warnings.',
    '',
    '## Tools',
    '',
    '- `rlab check FILE... [--json]` prints diagnostics as `file:line:col: severity: message` and exits',
    '  non-zero when there are errors.',
    '- The language server (`dist/server.js`) gives diagnostics, completion, hover, formatting, outline,',
    '  folding, semantic highlighting, quick fixes and the Train / Check / Solve all problems code lenses.',
    '',
  );
  return out.join('\n');
}
