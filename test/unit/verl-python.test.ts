// The veRL job against veRL's own code and an independent Python: the exported
// reward module gives our verifier's verdicts and scores (verdict table and
// 100,000 fuzzed responses through one Python process), veRL's Hydra config
// composes with every override we emit, veRL's reward loader loads the module,
// and pyarrow reads the parquet files back field by field.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluateProgram, parseExpression } from '../../src/core/countdown/expression';
import { generateProblems } from '../../src/core/countdown/generator';
import { renderPrompt } from '../../src/core/countdown/prompts';
import type { Problem } from '../../src/core/countdown/problem';
import { scoreAnswer } from '../../src/core/countdown/verifier';
import type { Verdict } from '../../src/core/countdown/verdict';
import type { ResolvedConfig } from '../../src/core/spec/config';
import { resolveSpec } from '../../src/core/spec/resolve';
import { hydraArg } from '../../src/core/verl/hydra';
import { PASS_THROUGH_CHAT_TEMPLATE, JOB_FILES, jobArgs } from '../../src/core/verl/job';
import { evalProblems } from '../../src/trainer/data/task';
import { exportVerlJob } from '../../src/trainer/verl/export';
import { cases, invalidCase, problem } from './verdict-table.helpers';
import { jsonLines, python, runPython, venvPython } from './verl-python.helpers';

const SPEC = `
name "verl-test"
task {
  numbers 3..4
  values 1..20
  target 1..50
  train 200
  test 40
  seed 3
}
prompt tinyzero
reward {
  format 0.25
  correct 2
}
rl {
  algorithm grpo
  prompts 8
  group 4
  kl 0.01
  max-tokens 256
  eval-every 5
}
eval {
  samples 2
  limit 30
}
engine {
  kind verl
  model "Qwen/Qwen2.5-0.5B"
  gpus 2
  overrides "critic.model.enable_gradient_checkpointing=True"
}
`;

function config(text: string): ResolvedConfig {
  const { config, diagnostics } = resolveSpec(text);
  assert.ok(config, diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('\n'));
  return config;
}

let dir = '';
let job = '';
let spec: ResolvedConfig;

before(() => {
  venvPython();
  dir = mkdtempSync(join(tmpdir(), 'rlab-verl-'));
  job = join(dir, 'job with space');
  spec = config(SPEC);
  exportVerlJob(spec, job);
});

after(() => rmSync(dir, { recursive: true, force: true }));

interface Scored {
  score: number;
  verdict: Verdict;
}

/** Scores every item through the exported countdown_reward.py in one Python process. */
function pythonScores(items: { response: string; problem: Problem; format?: number; correct?: number }[]): Scored[] {
  const input = items.map((i) => JSON.stringify({ response: i.response, numbers: i.problem.numbers, target: i.problem.target, format: i.format, correct: i.correct })).join('\n');
  return jsonLines<Scored>(python(join(job, JOB_FILES.reward), [], input));
}

describe('countdown_reward.py, the exported reward module', () => {
  it('gives the verdict table our verifier’s verdicts and scores', () => {
    const items = [...cases.map(([, response]) => ({ response, problem })), { response: invalidCase.response, problem: invalidCase.problem }];
    const got = pythonScores(items.map((i) => ({ ...i, format: 0.25, correct: 2 })));
    items.forEach((item, k) => {
      const ours = scoreAnswer(item.response, item.problem, { format: 0.25, correct: 2 });
      assert.deepEqual(got[k], { score: ours.score, verdict: ours.verdict }, JSON.stringify(item.response));
    });
  });

  it('agrees on adversarial responses: deep nesting, huge literals, thousands of tags', () => {
    const size = 200_000;
    const responses = [
      `<answer>${'('.repeat(size)}44+19+35${')'.repeat(size)}</answer>`,
      `<answer>${'('.repeat(size)}44+19+35</answer>`,
      `<answer>${'9'.repeat(size)}+19+35</answer>`,
      `<answer>${'44+'.repeat(size / 3)}1</answer>`,
      `<answer>${'1*'.repeat(size / 2)}44+19+35</answer>`,
      '<answer></answer>'.repeat(size / 16),
      '<answer>'.repeat(size / 8),
      '<answer>44**19**35</answer>',
    ];
    const got = pythonScores(responses.map((response) => ({ response, problem })));
    responses.forEach((response, k) => {
      const ours = scoreAnswer(response, problem);
      assert.deepEqual(got[k], { score: ours.score, verdict: ours.verdict }, `response ${k}`);
    });
  });

  it('agrees with our verifier on 100,000 fuzzed and adversarial responses', () => {
    const items = fc.sample(fuzzedResponse, { numRuns: 100_000, seed: 20261202 });
    const got = pythonScores(items);
    const counts = new Map<Verdict, number>();
    items.forEach((item, k) => {
      const ours = scoreAnswer(item.response, item.problem);
      counts.set(ours.verdict, (counts.get(ours.verdict) ?? 0) + 1);
      if (got[k]!.verdict !== ours.verdict || got[k]!.score !== ours.score) {
        assert.fail(`differs on ${JSON.stringify(item)}: Python ${JSON.stringify(got[k])}, TypeScript ${ours.verdict} ${ours.score}`);
      }
    });
    // The fuzzer must reach every verdict often, or the agreement says little.
    for (const [verdict, n] of counts) assert.ok(n >= 2000, `only ${n} ${verdict} responses: ${JSON.stringify([...counts])}`);
    assert.equal(counts.size, 6);
  });
});

describe('veRL’s own code', () => {
  it('composes veRL’s ppo_trainer config with every override we emit, and rejects a key veRL lacks', () => {
    const keys = [
      'data.train_files',
      'actor_rollout_ref.model.custom_chat_template',
      'reward.custom_reward_function',
      'trainer.logger',
      'actor_rollout_ref.actor.kl_loss_type',
      'algorithm.norm_adv_by_std_in_grpo',
      'actor_rollout_ref.actor.ppo_mini_batch_size',
      'critic.model.enable_gradient_checkpointing',
      'ray_kwargs.ray_init.runtime_env.env_vars',
    ];
    const args = jobArgs(spec, 300, 'logs/attempt-1.jsonl', job);
    const values = JSON.parse(python('compose_config.py', keys, JSON.stringify(args))) as Record<string, unknown>;
    assert.equal(values['data.train_files'], join(job, 'train.parquet'));
    assert.equal(values['actor_rollout_ref.model.custom_chat_template'], PASS_THROUGH_CHAT_TEMPLATE);
    assert.deepEqual(values['reward.custom_reward_function'], {
      path: join(job, 'countdown_reward.py'),
      name: 'compute_score',
      reward_kwargs: { format_score: 0.25, correct_score: 2 },
    });
    assert.deepEqual(values['trainer.logger'], ['console', 'file']);
    assert.equal(values['actor_rollout_ref.actor.kl_loss_type'], 'low_var_kl');
    assert.equal(values['algorithm.norm_adv_by_std_in_grpo'], true);
    assert.equal(values['actor_rollout_ref.actor.ppo_mini_batch_size'], 8, 'mini-batch 32 completions = 8 prompts of group 4');
    assert.equal(values['critic.model.enable_gradient_checkpointing'], true, 'the spec’s own override comes last and wins');
    assert.deepEqual(values['ray_kwargs.ray_init.runtime_env.env_vars'], { VERL_FILE_LOGGER_PATH: join(job, 'logs/attempt-1.jsonl') });

    const bad = runPython('compose_config.py', [], JSON.stringify([...args, 'trainer.no_such_key=1']));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /Could not override 'trainer\.no_such_key'/);
  });

  it('reads our quoting of awkward strings back exactly', () => {
    const awkward = [`it's "quoted"`, 'back\\slash\\', 'ends with a quote \\\'', 'dollar ${x} and $y', 'space, comma [1] {a: b}', 'ünïcode ✓', 'true', '1e-3', 'null'];
    const args = awkward.map((value, i) => hydraArg({ key: `rlab_test.v${i}`, value, add: true }, '/'));
    const keys = awkward.map((_, i) => `rlab_test.v${i}`);
    const values = JSON.parse(python('compose_config.py', keys, JSON.stringify(args))) as Record<string, unknown>;
    assert.deepEqual(keys.map((k) => values[k]), awkward);
  });

  it('composes every algorithm, KL placement and estimator the mapping emits', () => {
    const variants = [
      'algorithm ppo\n  group 1\n  mini-batch 4\n  kl-in reward\n  kl-estimator k1',
      'algorithm dr-grpo\n  loss-agg seq-mean-token-sum-norm\n  clip-high 0.28',
      'algorithm rloo\n  kl 0\n  temperature 0.8',
      'algorithm grpo\n  reward-scaling none\n  warmup 3\n  epochs 2',
      'algorithm grpo\n  dynamic-sampling true\n  seed 11',
    ];
    for (const rl of variants) {
      const c = config(SPEC.replace(/rl \{[^}]*\}/, `rl {\n  prompts 8\n  ${rl}\n}`));
      const args = jobArgs(c, 300, 'logs/a.jsonl', job);
      const r = runPython('compose_config.py', ['algorithm.adv_estimator'], JSON.stringify(args));
      assert.equal(r.status, 0, `${rl}: ${r.stderr}`);
    }
  });

  it('veRL’s reward loader (reward.custom_reward_function with reward_kwargs) loads the module and scores the verdict table', () => {
    const args = jobArgs(spec, 300, 'logs/attempt-1.jsonl', job);
    const items = [...cases.map(([, response]) => ({ response, problem })), { response: invalidCase.response, problem: invalidCase.problem }];
    const input = [JSON.stringify(args), ...items.map((i) => JSON.stringify({ response: i.response, numbers: i.problem.numbers, target: i.problem.target }))].join('\n');
    const got = jsonLines<{ score: number; acc: number }>(python('reward_through_verl.py', [], input));
    items.forEach((item, k) => {
      const ours = scoreAnswer(item.response, item.problem, spec.reward);
      assert.deepEqual(got[k], { score: ours.score, acc: ours.verdict === 'correct' ? 1 : 0 }, JSON.stringify(item.response));
    });
  });
});

describe('train.parquet and test.parquet, read back by pyarrow', () => {
  it('have TinyZero’s nested schema, field by field, and our problems and prompts', () => {
    const { train, test } = generateProblems(spec.task);
    const expectedSchema = [
      { name: 'data_source', type: 'string' },
      { name: 'prompt', type: { list: { struct: [{ name: 'role', type: 'string' }, { name: 'content', type: 'string' }] } } },
      { name: 'ability', type: 'string' },
      {
        name: 'reward_model',
        type: {
          struct: [
            { name: 'style', type: 'string' },
            { name: 'ground_truth', type: { struct: [{ name: 'target', type: 'int64' }, { name: 'numbers', type: { list: 'int64' } }] } },
          ],
        },
      },
      { name: 'extra_info', type: { struct: [{ name: 'split', type: 'string' }, { name: 'index', type: 'int64' }] } },
    ];
    for (const [file, split, problems] of [
      [JOB_FILES.train, 'train', train],
      [JOB_FILES.test, 'test', evalProblems(test, spec.eval.limit)],
    ] as const) {
      const { schema, rows } = JSON.parse(python('read_parquet.py', [join(job, file)])) as { schema: unknown; rows: unknown[] };
      assert.deepEqual(schema, expectedSchema, file);
      assert.equal(rows.length, problems.length, file);
      problems.forEach((p, index) => {
        assert.deepEqual(rows[index], {
          data_source: 'countdown',
          prompt: [{ role: 'user', content: renderPrompt(spec.prompt, p) }],
          ability: 'math',
          reward_model: { style: 'rule', ground_truth: { target: p.target, numbers: p.numbers } },
          extra_info: { split, index },
        });
      });
    }
    assert.equal(readFileSync(join(job, JOB_FILES.test)).subarray(0, 4).toString(), 'PAR1');
  });
});

// ---- the fuzzer ----

const OPS = ['+', '-', '*', '/'] as const;
/** Characters that JavaScript's trim and Python's strip treat differently, and other near-whitespace. */
const ODD_SPACE = ['\x1c', '\x1f', '\x85', '\ufeff', '\u00a0', '\u2028', '\u200b', '\u3000', '\x0b'];
const NOISE = ['<answer>', '</answer>', '<answer> ', '</think>', '\n', ' ', '(', ')', '0', '7', '+', '-', '*', '/', '**', '//', '.', '=', 'x', 'é', '😀', ...ODD_SPACE];

/** A random binary expression over exactly `numbers`, with random spacing. */
const expressionOver = (numbers: number[]) =>
  fc.tuple(fc.shuffledSubarray(numbers, { minLength: numbers.length, maxLength: numbers.length }), fc.array(fc.nat(), { minLength: numbers.length, maxLength: numbers.length }), fc.array(fc.constantFrom(...OPS), { minLength: numbers.length, maxLength: numbers.length }), fc.array(fc.constantFrom('', ' ', '\n', '\t'), { minLength: 4, maxLength: 4 })).map(([order, picks, ops, spaces]) => {
    const parts = order.map(String);
    for (let k = 0; parts.length > 1; k++) {
      const i = picks[k]! % (parts.length - 1);
      parts.splice(i, 2, `(${parts[i]}${spaces[k % 4]}${ops[k]}${spaces[(k + 1) % 4]}${parts[i + 1]})`);
    }
    return parts[0]!;
  });

/** Small edits that break an answer in every way the grammar and the number check can be broken. */
const mutation = fc.oneof(
  { arbitrary: fc.constant(null), weight: 12 },
  fc.constantFrom<(e: string) => string>(  (e) => e.replace(/\d+/, (d) => `0${d}`),
  (e) => `-${e}`,
  (e) => e.replace('*', '**'),
  (e) => e.replace('/', '//'),
  (e) => `${e}=1`,
  (e) => e.replace(/\d+/, (d) => `${d}.0`),
  (e) => e.replace(/\d+/, (d) => `${Number(d) + 1}`),
  (e) => `${e}+1`,
  (e) => e.replace(/^\(/, ''),
  (e) => `${e})`,
  (e) => e.replace(/\d+/, (d) => `(${d}-${d})`),
  (e) => `${e}/0`,
  (e) => e.replace(/[+\-*/]/, '/(1-1)*'),
  (e) => e.replace(/\d/, '٣'),
  ),
);

const fuzzedResponse = fc.oneof(
  // Answers built from the problem's numbers (small ones, so that zero divisors and repeats are common), often right, then broken.
  {
    weight: 8,
    arbitrary: fc
      .array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 6 })
      .chain((numbers) =>
        fc.record({
          numbers: fc.constant(numbers),
          expression: expressionOver(numbers),
          mutate: mutation,
          targetIsValue: fc.boolean(),
          target: fc.integer({ min: 0, max: 100 }),
          before: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom('<think>\nlet me see</think>\n', '<answer>1</answer> ', '<answer>', 'Assistant: ')),
          after: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom('\n', '</answer>', ' <answer>2', '<answer>1+1</answer>')),
          pad: fc.tuple(fc.oneof({ arbitrary: fc.constant(''), weight: 8 }, fc.constantFrom(' ', ...ODD_SPACE)), fc.oneof({ arbitrary: fc.constant(''), weight: 8 }, fc.constantFrom(' ', '\n', ...ODD_SPACE))),
        }),
      )
      .map(({ numbers, expression, mutate, targetIsValue, target, before, after, pad }) => {
        const parsed = parseExpression(expression);
        const value = parsed.ok ? evaluateProgram(parsed.program) : null;
        const hit = targetIsValue && value !== null && value.isInteger() && value.num >= 0n && value.num < 1_000_000n;
        const answer = mutate ? mutate(expression) : expression;
        return { response: `${before}<answer>${pad[0]}${answer}${pad[1]}</answer>${after}`, problem: { numbers, target: hit ? Number(value!.num) : target } };
      }),
  },
  // Token soup around and inside answer tags.
  {
    weight: 2,
    arbitrary: fc.record({
      response: fc.array(fc.constantFrom(...NOISE), { maxLength: 40 }).map((parts) => parts.join('')),
      problem: fc.record({ numbers: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 4 }), target: fc.integer({ min: 0, max: 20 }) }),
    }),
  },
  // Arbitrary Unicode, lone surrogates included.
  {
    weight: 1,
    arbitrary: fc.record({
      response: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `<answer>${s}</answer>`),
      problem: fc.constant<Problem>({ numbers: [1, 2], target: 3 }),
    }),
  },
);
