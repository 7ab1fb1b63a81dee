import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { solve } from '../../src/core/countdown/solver';
import { analyzeSpec } from '../../src/core/spec/analyze';
import { resolveSpec } from '../../src/core/spec/resolve';
import { BLOCKS, MODEL_PRESETS } from '../../src/core/spec/schema';

const messages = (text: string) => resolveSpec(text).diagnostics.map((d) => `${d.range.start.line + 1}:${d.severity}:${d.message}`);

describe('resolveSpec defaults', () => {
  it('resolves a file with only task { } to a tiny CPU-sized experiment', () => {
    const { config, diagnostics } = resolveSpec('task { }\n');
    assert.deepEqual(diagnostics, []);
    assert.ok(config);
    assert.equal(config.model.preset, 'nano');
    assert.deepEqual([config.model.layers, config.model.width, config.model.heads, config.model.context], [2, 64, 2, 256]);
    assert.ok(config.pretrain.steps >= 100 && config.pretrain.steps <= 1000);
    assert.ok(config.rl.steps >= 10 && config.rl.steps <= 100);
    assert.equal(config.rl.miniBatch, config.rl.prompts * config.rl.groupSize);
    assert.equal(config.pretrain.microBatch, config.pretrain.batch);
    assert.equal(config.prompt.kind, 'compact');
    assert.ok(config.prompt.template.includes('{numbers}'));
    assert.equal(config.model.valueHead, false);
    assert.deepEqual(config.problems, []);
  });

  it('fills every field of every block (no undefined anywhere)', () => {
    const { config } = resolveSpec('task { }');
    const walk = (v: unknown, path: string): void => {
      assert.notEqual(v, undefined, path);
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(config, 'config');
  });

  it('gives each preset its documented shape, and custom dimensions override it', () => {
    for (const [name, shape] of Object.entries(MODEL_PRESETS)) {
      const { config } = resolveSpec(`task { }\nmodel { preset ${name} }\nrl { max-tokens 100 }`);
      assert.ok(config, name);
      assert.deepEqual([config.model.layers, config.model.width, config.model.heads, config.model.context], [shape.layers, shape.width, shape.heads, shape.context]);
    }
    const { config } = resolveSpec('task { }\nmodel {\n  preset tiny\n  layers 6\n  context 300\n}');
    assert.deepEqual([config!.model.layers, config!.model.width, config!.model.context], [6, 128, 300]);
  });

  it('turns on the value head for ppo and reads percentages as fractions', () => {
    const { config } = resolveSpec('task { held-out-targets 10% }\nrl { algorithm ppo }');
    assert.equal(config!.model.valueHead, true);
    assert.equal(config!.task.heldOutTargets, 0.1);
  });

  it('gives dr-grpo its constant-normalised loss unless the spec picks another', () => {
    assert.equal(resolveSpec('task { }\nrl { algorithm dr-grpo }').config!.rl.lossAggregation, 'seq-mean-token-sum-norm');
    assert.equal(resolveSpec('task { }\nrl {\n  algorithm dr-grpo\n  loss-agg token-mean\n}').config!.rl.lossAggregation, 'token-mean');
    assert.equal(resolveSpec('task { }\nrl { algorithm grpo }').config!.rl.lossAggregation, 'token-mean');
  });

  it('defaults to the measured recipe: dynamic sampling wherever groups can differ, truncated completions masked where the engine can', () => {
    const rl = (text: string) => resolveSpec(`task { }\n${text}`).config!.rl;
    assert.deepEqual([rl('').dynamicSampling, rl('').maskTruncated, rl('').klCoef, rl('').warmup], [true, true, 0, 10]);
    assert.equal(rl('rl {\n  algorithm ppo\n  group 1\n}').dynamicSampling, false, 'one sample per prompt: nothing to compare');
    assert.equal(rl('rl { dynamic-sampling false }').dynamicSampling, false);
    assert.equal(rl('engine {\n  kind verl\n  model "Qwen/Qwen2.5-0.5B"\n}').maskTruncated, false, 'veRL has no switch for it');
  });

  it('resolves every example in examples/ without errors', () => {
    for (const f of readdirSync('examples').filter((f) => f.endsWith('.countdown'))) {
      const { config, diagnostics } = resolveSpec(readFileSync(`examples/${f}`, 'utf8'));
      assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), [], f);
      assert.ok(config, f);
    }
  });

  it('reads every written key into the config (each schema key round-trips its default)', () => {
    const lines = BLOCKS.filter((b) => !b.problemLines).map((b) => `${b.name} {\n${b.keys.filter((k) => k.default !== null).map((k) => `  ${k.key} ${k.type.show(k.default)}`).join('\n')}\n}`);
    const { config, diagnostics } = resolveSpec(lines.join('\n'));
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
    assert.deepEqual(config, resolveSpec('task { }').config);
  });
});

describe('validator', () => {
  it('suggests the closest key, value and block, with a quick fix', () => {
    const a = analyzeSpec('task { }\nrl {\n  gruop 8\n  algorithm grp\n}\nmodle { }\n');
    const byLine = new Map(a.diagnostics.map((d) => [d.range.start.line, d]));
    assert.match(byLine.get(2)!.message, /unknown key `gruop` in `rl`; did you mean `group`\?/);
    assert.deepEqual(byLine.get(2)!.fixes![0]!.edits[0], { range: { start: { line: 2, character: 2 }, end: { line: 2, character: 7 } }, newText: 'group' });
    assert.match(byLine.get(3)!.message, /did you mean `grpo`\?/);
    assert.match(byLine.get(5)!.message, /unknown block `modle`; did you mean `model`\?/);
  });

  it('says where a key belongs when it is in the wrong block', () => {
    assert.match(messages('task { group 8 }').join('\n'), /`group` belongs in `rl \{ \}`/);
  });

  it('reports types, ranges and empty ranges', () => {
    const m = messages('task {\n  numbers 9\n  values 99..1\n  train 1.5\n  seed x\n}\n').join('\n');
    assert.match(m, /2:error:`numbers` must be at most 6/);
    assert.match(m, /3:error:.*empty/);
    assert.match(m, /4:error:.*not a whole number/);
    assert.match(m, /5:error:.*not an integer/);
  });

  it('reports duplicates with a fix that removes the second', () => {
    const a = analyzeSpec('task {\n  seed 1\n  seed 2\n}\ntask { }\n');
    const dups = a.diagnostics.filter((d) => d.code === 'duplicate');
    assert.equal(dups.length, 2);
    assert.deepEqual(dups[0]!.fixes![0]!.edits[0]!.range, { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } });
  });

  it('reports a missing task block with a fix that adds one', () => {
    const a = analyzeSpec('rl { steps 5 }\n');
    const d = a.diagnostics.find((x) => x.code === 'missing-block')!;
    assert.ok(d);
    const fixed = d.fixes![0]!.edits[0]!.newText + 'rl { steps 5 }\n';
    assert.equal(resolveSpec(fixed).diagnostics.filter((x) => x.severity === 'error').length, 0);
  });

  it('keeps validating the rest of the file after an error', () => {
    const m = messages('task {\n  numbrs 3\nrl {\n  group 1\n}\nmodel { preset hge }\n');
    assert.equal(m.length, 4, m.join('\n'));
  });

  it('needs group >= 2 for group-based algorithms only', () => {
    assert.match(messages('task { }\nrl { group 1 }').join(), /group` must be at least 2/);
    assert.match(messages('task { }\nrl {\n algorithm rloo\n group 1\n}').join(), /group` must be at least 2/);
    assert.deepEqual(messages('task { }\nrl {\n algorithm reinforce\n group 1\n}'), []);
  });

  it('checks the model shape, batch sizes and the context budget', () => {
    assert.match(messages('task { }\nmodel { heads 3 }').join(), /multiple of `heads`/);
    assert.match(messages('task { }\npretrain {\n batch 8\n micro-batch 16\n}').join(), /larger than `batch`/);
    assert.match(messages('task { }\nrl { mini-batch 1000 }').join(), /larger than the 256 completions/);
    assert.match(messages('task { }\nrl { top-k 5 }').join(), /top-k and top-p would cut it and make every update off-policy/);
    assert.match(messages('task { }\nrl { top-p 0.9 }').join(), /off-policy/);
    assert.match(messages('task { }\nrl {\n  algorithm ppo\n  group 1\n  dynamic-sampling true\n}').join(), /dynamic-sampling` keeps prompts whose samples differ in correctness, so `group` must be at least 2/);
    assert.match(messages('task { }\nrl {\n  dynamic-sampling false\n  max-draw 3\n}').join(), /warning:`max-draw` caps the draws of `dynamic-sampling`, which is off/);
    assert.match(messages('task { }\neval { every 5 }').join(), /`every` moved out of `eval \{ \}`: write `eval-every N` in `rl \{ \}`/);
    assert.match(messages('task { }\nrl { max-tokens 250 }').join(), /exceeds the model context 256; lower `max-tokens` to/);
    assert.match(messages('task { }\nprompt tinyzero').join(), /raise the model `context` to at least/);
    assert.match(messages('task { }\nrl { algorithm ppo }\nmodel { value-head false }').join(), /ppo` needs a value head/);
  });

  it('estimates the problem space and rejects a train + test that cannot fit', () => {
    const small = messages('task {\n  numbers 2\n  values 1..5\n  target 1..10\n  train 100\n  test 10\n}');
    assert.match(small.join(), /exceeds the \d+ distinct solvable problems .*all \d+ number sets and targets checked/);
    const big = messages('task {\n  numbers 3\n  values 1..20\n  target 10..100\n  train 300000\n}');
    assert.match(big.join(), /exceeds the about [\d,]+ distinct solvable problems .*estimated from \d+ sampled problems/);
    assert.deepEqual(messages('task { train 20000 }'), []);
    const pooled = messages('task {\n  numbers 3\n  values 1..10\n  target 1..30\n  train 1500\n  test 500\n  rl-pool 1000\n}');
    assert.match(pooled.join(), /^5:error:train \+ test \+ rl-pool = 3000 exceeds the 2025 distinct solvable problems .*all 6600 number sets and targets checked.*lower `train`\/`test`\/`rl-pool`/m);
    // Asking for most of a space is counted exactly, so asking for nearly all of it is no longer a guess.
    assert.deepEqual(messages('task {\n  numbers 3\n  values 1..10\n  target 1..30\n  train 1000\n  test 500\n  rl-pool 500\n}'), []);
  });

  it('counts a small space exactly, matching a brute-force count with the solver', () => {
    const a = analyzeSpec('task {\n  numbers 2\n  values 1..4\n  target 1..12\n  train 1000\n  test 1\n}');
    let solvable = 0;
    for (let x = 1; x <= 4; x++) for (let y = x; y <= 4; y++) for (let t = 1; t <= 12; t++) if (solve({ numbers: [x, y], target: t }).solvable) solvable++;
    assert.ok(a.diagnostics.some((d) => d.message.includes(`exceeds the ${solvable} distinct`)), a.diagnostics.map((d) => d.message).join('\n'));
  });

  it('rejects a task where no problem can be solved', () => {
    assert.match(messages('task {\n  numbers 2\n  values 1..3\n  target 50..60\n}').join(), /no problem of this task is solvable/);
    assert.match(messages('task {\n  numbers 3\n  values 1..2\n  target 500..900\n  operators +\n}').join(), /no problem of this task is solvable/);
  });

  it('checks problem lines against the task and the solver', () => {
    const m = messages('task { }\nproblems {\n  44 19 35 -> 98\n  1 2 3 -> 1000\n  1 2 -> 3\n  200 1 1 -> 50\n}');
    assert.equal(m.filter((x) => x.startsWith('3:')).length, 0);
    assert.ok(m.some((x) => /^4:warning:1 2 3 -> 1000 cannot be solved/.test(x)));
    assert.ok(m.some((x) => /^4:error:.*target 1000 is outside `target` 10..100/.test(x)));
    assert.ok(m.some((x) => /^5:error:.*it has 2 numbers but `numbers` is 3/.test(x)));
    assert.ok(m.some((x) => /^6:error:.*200 is outside `values` 1..99/.test(x)));
    assert.deepEqual(resolveSpec('task { }\nproblems {\n  44 19 35 -> 98\n}').config!.problems, [{ numbers: [44, 19, 35], target: 98 }]);
    assert.match(messages('task { }\nproblems {\n  99999999999999999999 5 -> 30\n}').join(), /is too large/);
  });

  it('never throws and always returns a config or errors on random and mutated specs (fuzz)', () => {
    const example = readFileSync('examples/countdown-3.countdown', 'utf8');
    const mutated = fc
      .tuple(fc.nat(example.length), fc.nat(40), fc.string({ maxLength: 12 }))
      .map(([at, cut, insert]) => example.slice(0, at) + insert + example.slice(at + cut));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutated), (text) => {
        const { config, diagnostics } = resolveSpec(text);
        assert.equal(config === null, diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('remove-duplicate fixes', () => {
  it('remove whole lines when the duplicate has them to itself, else only the duplicate', () => {
    const apply = (text: string): string => {
      const fix = analyzeSpec(text).diagnostics.find((d) => d.code === 'duplicate')!.fixes![0]!;
      const lines = text.split('\n');
      const { start, end } = fix.edits[0]!.range;
      const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
      return text.slice(0, offset(start)) + text.slice(offset(end));
    };
    assert.equal(apply('task {\n  seed 1\n  seed 2  # again\n}\n'), 'task {\n  seed 1\n}\n');
    assert.equal(apply('task {\n  seed 1\n  seed 2 }\n'), 'task {\n  seed 1\n   }\n');
    assert.equal(apply('task { }\ntask { seed 2 } device cpu\n'), 'task { }\n device cpu\n');
  });
});

describe('a value left without its key', () => {
  it('suggests the missing key whose type and range take it, nearest default first, with a fix for each', () => {
    const text = 'task { }\npretrain {\n  traces dfs\n  steps 200\n  2e-3\n}\n';
    const [d] = analyzeSpec(text).diagnostics.filter((x) => x.severity === 'error');
    assert.equal(d!.message, '`2e-3` is a value without a key; did you mean `lr 2e-3` (or `weight-decay`, `grad-clip`)?');
    assert.deepEqual(d!.range.start, { line: 4, character: 2 });
    const fix = d!.fixes!.find((f) => f.preferred)!;
    const lines = text.split('\n');
    const { start } = fix.edits[0]!.range;
    lines[start.line] = lines[start.line]!.slice(0, start.character) + fix.edits[0]!.newText + lines[start.line]!.slice(start.character);
    assert.deepEqual(messages(lines.join('\n')), [], 'the fix leaves a valid spec');
  });

  it('leaves out keys already written and values no key takes, and keeps the problem-line message for problem lines', () => {
    assert.match(messages('task { }\npretrain {\n  lr 1e-3\n  2e-3\n}\n')[0]!, /did you mean `weight-decay 2e-3`/);
    assert.match(messages('task { }\nmodel {\n  9999999\n}\n')[0]!, /`9999999` is a value without a key; a setting is a key and its value, like `preset /);
    assert.match(messages('task { }\npretrain {\n  1 2 -> 3\n}\n')[0]!, /a problem line belongs inside `problems \{ \}`, not `pretrain \{ \}`/);
  });
});
