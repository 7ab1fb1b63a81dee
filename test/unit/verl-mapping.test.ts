// The spec-to-veRL mapping: every key of the schema has an entry (a key added
// without one fails here), refusals are spec errors at the key, run.sh passes
// exactly the supervisor's arguments through real bash, veRL's metric names map
// as the table says, and docs/verl.md is current.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeSpec } from '../../src/core/spec/analyze';
import { resolveSpec } from '../../src/core/spec/resolve';
import { BLOCKS, SETTINGS } from '../../src/core/spec/schema';
import { renderVerlDoc } from '../../src/core/verl/docs';
import { hydraArg, overrideProblem, quoteHydra } from '../../src/core/verl/hydra';
import { JOB_FILES, jobArgs } from '../../src/core/verl/job';
import { MAPPINGS, RL_MAPPING } from '../../src/core/verl/mapping';
import { mapVerlMetrics, VERL_METRICS } from '../../src/core/verl/metric-names';
import { EXPORT_LOG_FILE, renderRunScript } from '../../src/core/verl/run-script';
import { METRIC_NAMES } from '../../src/core/protocol/metrics';

const VERL = 'task { }\nengine {\n  kind verl\n  model "Qwen/Qwen2.5-0.5B"\n}\n';

describe('the mapping tables', () => {
  it('have an entry for every key of every block and every top-level setting, and none for a key that is gone', () => {
    assert.deepEqual(Object.keys(MAPPINGS['']!).sort(), SETTINGS.map((s) => s.key).sort(), 'top-level settings');
    for (const block of BLOCKS.filter((b) => !b.problemLines)) {
      const table = MAPPINGS[block.name];
      assert.ok(table, `no mapping table for the \`${block.name}\` block`);
      assert.deepEqual(Object.keys(table).sort(), [...block.fields].sort(), `${block.name}: a key needs an entry in src/core/verl/mapping.ts (an override, the data it shapes, or a refusal)`);
    }
    assert.deepEqual(Object.keys(MAPPINGS).sort(), ['', ...BLOCKS.filter((b) => !b.problemLines).map((b) => b.name)].sort());
  });

  it('say for every rl key what it becomes on veRL or why veRL refuses it', () => {
    for (const [field, m] of Object.entries(RL_MAPPING)) {
      assert.ok(m.verl.length > 0, field);
      assert.ok(m.overrides || m.reject || m.unsupported || m.verl.includes('with `'), `rl.${field} neither maps to an override nor is refused`);
    }
  });

  it('docs/verl.md is generated from the current tables (run `npm run docs:verl` if this fails)', () => {
    assert.equal(readFileSync('docs/verl.md', 'utf8'), renderVerlDoc());
  });
});

describe('spec checks with engine verl', () => {
  const errors = (text: string) => analyzeSpec(text).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`);

  it('refuse written keys and values veRL cannot run, at the key', () => {
    const found = errors(`task { }
device wasm
pretrain {
  steps 10
}
rl {
  algorithm reinforce
  group 3
  prompts 4
  mini-batch 4
  reward-scaling batch
  mask-truncated true
  grad-clip 0
}
engine {
  kind verl
  gpus 3
  tensor-parallel 2
}
problems {
  1 2 3 -> 6
}
`);
    const expect = [
      /^2: `device` does not apply to `engine verl`/,
      /^4: `steps` does not apply to `engine verl`: veRL starts RL from the pretrained `model`/,
      /^7: veRL has no `reinforce`/,
      /^10: veRL counts a mini-batch in prompts, so `mini-batch` 4 must be a multiple of `group` 3/,
      /^11: veRL’s GRPO divides by the std of the group or by nothing/,
      /^12: veRL has no switch that leaves truncated completions out of the loss/,
      /^13: veRL always clips the gradient norm/,
      /^16: `verl` trains a pretrained model: set `model`/,
      /^18: `tensor-parallel` 2 must divide the `gpus` 3 of a node/,
      /^21: veRL evaluates the test split \(test.parquet\) only/,
    ];
    for (const pattern of expect) assert.ok(found.some((e) => pattern.test(e)), `${pattern} in\n${found.join('\n')}`);
  });

  it('map dynamic sampling onto veRL’s group filter, and refuse the draw cap and early stop it does not have', () => {
    const spec = `task { }\nrl {\n  dynamic-sampling true\n  max-draw 6\n  early-stop 3\n}\nengine {\n  kind verl\n  model "m"\n}\n`;
    const found = errors(spec);
    assert.ok(found.some((e) => /^4: `max-draw` does not apply to `engine verl`: veRL 0.9.1 draws until its batch is full/.test(e)), found.join('\n'));
    assert.ok(found.some((e) => /^5: veRL runs its `steps` to the end/.test(e)), found.join('\n'));
    const config = resolveSpec(spec.replace(/  max-draw 6\n  early-stop 3\n/, '')).config!;
    const args = jobArgs(config, 100, 'logs/a.jsonl', '/job');
    assert.ok(args.includes('algorithm.filter_groups.enable=true') && args.includes('algorithm.filter_groups.metric=acc'), args.join(' '));
  });

  it('check that a step’s completions divide among the GPUs', () => {
    const found = errors(`task { }\nrl {\n  prompts 3\n  group 1\n}\nengine {\n  kind verl\n  model "m"\n  gpus 2\n}\n`);
    assert.ok(found.some((e) => /^3: veRL splits a step's 3 completions \(prompts × group\) among 2 GPU\(s\)/.test(e)), found.join('\n'));
  });

  it('warn about veRL-only keys with the local engine, and accept a plain verl spec', () => {
    const local = analyzeSpec('task { }\nengine {\n  gpus 2\n}\n').diagnostics;
    assert.deepEqual(local.map((d) => [d.severity, d.message]), [['warning', '`gpus` applies to the `verl` engine only; the local engine ignores it']]);
    assert.deepEqual(errors(VERL), []);
    assert.deepEqual(errors(readFileSync('examples/tinyzero-verl.countdown', 'utf8')), []);
  });

  it('check each hand-written override', () => {
    assert.equal(overrideProblem('critic.model.enable_gradient_checkpointing=True'), null);
    assert.equal(overrideProblem('+trainer.extra=1'), null);
    assert.equal(overrideProblem('~trainer.logger'), null);
    assert.match(overrideProblem('not an override')!, /a Hydra override is `key=value`/);
    assert.match(overrideProblem('trainer.logger')!, /needs `=value`/);
  });
});

describe('run.sh', () => {
  it('passes exactly the supervisor’s arguments to Python, through real bash, wherever the folder is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rlab run sh '));
    try {
      const config = resolveSpec(`${VERL.replace('task { }', 'name "it\'s a \\"test\\" $HOME"\ntask { }')}`).config!;
      config.engine.overrides = ['trainer.default_hdfs_dir=null', "+x.y='a b'"];
      const script = join(dir, JOB_FILES.script);
      writeFileSync(script, renderRunScript(config, { version: 'test', trainRows: 1, testRows: 1, promptLength: 300 }));
      // A stand-in interpreter that prints the arguments it was given.
      const echo = join(dir, 'echo-args');
      writeFileSync(echo, `#!${process.execPath}\nconsole.log(JSON.stringify(process.argv.slice(2)));\n`);
      chmodSync(echo, 0o755);
      const r = spawnSync('bash', [script, 'extra=1'], { encoding: 'utf8', env: { ...process.env, PYTHON: echo } });
      assert.equal(r.status, 0, r.stderr);
      const args = JSON.parse(r.stdout) as string[];
      assert.deepEqual(args, ['-m', 'verl.trainer.main_ppo', ...jobArgs(config, 300, EXPORT_LOG_FILE, dir), 'extra=1']);
      assert.ok(args.includes(`trainer.experiment_name=${quoteHydra('it\'s a "test" $HOME')}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes Hydra values that need no quotes plainly', () => {
    assert.equal(hydraArg({ key: 'a.b', value: 'Qwen/Qwen2.5-3B' }, '/r'), 'a.b=Qwen/Qwen2.5-3B');
    assert.equal(hydraArg({ key: 'a.b', value: 'true' }, '/r'), "a.b='true'", 'a string that Hydra would read as a boolean');
    assert.equal(hydraArg({ key: 'a.b', value: { path: 'x.parquet' } }, '/r'), "a.b='/r/x.parquet'");
    assert.equal(hydraArg({ key: 'a.b', value: ['console', 'file'], add: true }, '/r'), '+a.b=[console,file]');
  });
});

describe('veRL’s metric names', () => {
  it('map onto ours as the table says, and keep the others under veRL’s names', () => {
    const { metrics, unmapped } = mapVerlMetrics(
      {
        'actor/pg_loss': 0.5,
        'timing_s/step': 3,
        'timing_s/old_log_prob': 0.5,
        'timing_s/update_actor': 1,
        'response_length/mean': 100,
        'actor/reward_kl_penalty': 0.02,
        'perf/throughput': 1234,
        'val-core/countdown/acc/mean@1': 0.4,
        'training/filter_groups/evicted_samples': 2,
        'not/a/number': 'x',
      },
      { prompts: 3, completions: 6 },
    );
    assert.deepEqual(metrics, { policyLoss: 0.5, stepMs: 3000, trainMs: 1500, lengthMean: 100, tokensPerSec: 200, kl: 0.02, promptsDrawn: 5 });
    assert.deepEqual(unmapped, { 'perf/throughput': 1234, 'val-core/countdown/acc/mean@1': 0.4 });
    assert.deepEqual(Object.keys(VERL_METRICS).sort(), [...METRIC_NAMES].sort());
  });
});
