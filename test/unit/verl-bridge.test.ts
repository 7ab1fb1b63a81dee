// The bridge from veRL's files to our run folder, fed by veRL's own writers:
// its Tracking class (file backend) writes the log, its trainer's
// _write_generations the rollout and validation dumps. Steps wait for their
// dumps and for torn lines, and a trainer restart that truncates the log
// rewinds the run to the checkpoint it restarted from.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CheckpointRecord, EvalRecord, StepRecord, TraceRecord } from '../../src/core/protocol/records';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import type { ResolvedConfig } from '../../src/core/spec/config';
import { resolveSpec } from '../../src/core/spec/resolve';
import { RunRecorder } from '../../src/trainer/engine/recorder';
import { createRunFolder } from '../../src/core/run/new-run';
import { silentSink, type TrainerSink } from '../../src/trainer/engine/sink';
import { JsonlTail } from '../../src/core/run/jsonl-tail';
import { RunWriter } from '../../src/trainer/run/writer';
import { CHECKPOINT_TRACKER, VerlBridge, type BridgeFiles } from '../../src/trainer/verl/bridge';
import { python, pythonScripts, venvPython } from './verl-python.helpers';

const SPEC = `
task {
  numbers 3
  values 1..20
  target 1..40
  train 50
  test 10
}
rl {
  prompts 2
  group 2
}
eval {
  samples 2
}
engine {
  kind verl
  model "Qwen/Qwen2.5-0.5B"
}
`;

/** Logger processes still running, ended after each test. */
const living = new Set<ChildProcessWithoutNullStreams>();

/** veRL's Tracking (file backend) in one Python process for its whole life, like a trainer: one log() per call. */
class VerlLogger {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly acks: AsyncIterator<string>;

  constructor(file: string) {
    this.child = spawn(venvPython(), ['file_logger.py'], { cwd: pythonScripts, env: { ...process.env, VERL_FILE_LOGGER_PATH: file } });
    this.acks = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    living.add(this.child);
    this.child.once('close', () => living.delete(this.child));
  }

  async log(step: number, data: Record<string, number>): Promise<void> {
    this.child.stdin.write(`${JSON.stringify({ step, data })}\n`);
    for (;;) {
      const { value, done } = await this.acks.next();
      assert.ok(!done, 'the logger process ended');
      if (value === `logged ${step}`) return;
    }
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await new Promise((resolve) => this.child.once('close', resolve));
  }
}

let dir = '';
let files: BridgeFiles;
let config: ResolvedConfig;
let writer: RunWriter;
let events: { steps: StepRecord[]; evals: EvalRecord[]; checkpoints: CheckpointRecord[] };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rlab-bridge-'));
  const job = join(dir, 'verl');
  files = { log: join(job, 'logs/attempt-1.jsonl'), rollouts: join(job, 'rollouts'), validation: join(job, 'validation'), checkpoints: join(job, 'checkpoints') };
  for (const d of [join(job, 'logs'), files.checkpoints]) mkdirSync(d, { recursive: true });
  config = resolveSpec(SPEC).config!;
  createRunFolder(join(dir, 'run'), { specFile: null, specText: SPEC, config, stage: 'all', parent: null });
  writer = RunWriter.open(join(dir, 'run'));
  events = { steps: [], evals: [], checkpoints: [] };
});

afterEach(() => {
  for (const child of living) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function bridge(after = -1): VerlBridge {
  const sink: TrainerSink = {
    ...silentSink,
    step: (r) => events.steps.push(r),
    eval: (r) => events.evals.push(r),
  };
  return new VerlBridge({ config, files, recorder: new RunRecorder(writer, sink), sink, testRows: 2, after, onCheckpoint: (r) => events.checkpoints.push(r) });
}

const problems = [
  { numbers: [3, 4, 5], target: 12 },
  { numbers: [2, 9, 1], target: 12 },
];

/** Dumps for `step` as veRL's trainer writes them: every problem `n` times, uid `{prompt}_{sample}_0`. */
function dump(folder: string, step: number, outputs: string[][], validation = false): void {
  const rows = problems.flatMap((p, i) => outputs[i]!.map((output, s) => ({ p, i, s, output })));
  const scores = rows.map(({ output, p }) => (output.includes(`<answer>${p.numbers.join('+')}</answer>`) ? 1 : output.includes('<answer>') ? 0.1 : 0));
  const extra: Record<string, unknown[]> = { uid: rows.map(({ i, s }) => `prompt${i}_${s}_0`) };
  if (validation) Object.assign(extra, { reward: scores, acc: scores.map((x) => (x === 1 ? 1 : 0)) });
  const input = { dir: folder, step, inputs: rows.map(() => 'decoded prompt'), outputs: rows.map((r) => r.output), gts: rows.map(({ p }) => p), scores, extra };
  python('dump_generations.py', [], JSON.stringify(input));
}

const right = '<think>x</think>\n<answer>3+4+5</answer>';
const rightToo = '<answer>2+9+1</answer>';
const wrong = '<answer>3*4*5</answer>';
const none = 'no idea';

const records = <T>(file: 'metrics' | 'eval' | 'traces'): T[] => parseJsonl<T>(readFileSync(runFile(writer.dir, file), 'utf8')).records;

describe('VerlBridge', () => {
  it('turns veRL’s log and dumps into step records, evaluations and traces, keeping veRL’s unmapped metrics', async () => {
    const logger = new VerlLogger(files.log);
    dump(files.validation, 0, [[right, wrong], [none, rightToo]], true);
    await logger.log(0, { 'val-core/countdown/acc/mean@2': 0.5 });
    dump(files.rollouts, 1, [[right, wrong], [none, none]]);
    await logger.log(1, { 'critic/score/mean': 0.275, 'timing_s/step': 2.5, 'timing_s/gen': 1, 'timing_s/reward': 0.5, 'response_length/mean': 40, 'actor/kl_loss': 0.01, 'perf/throughput': 99 });
    const b = bridge();
    b.poll();
    await logger.close();

    assert.equal(events.steps.length, 1);
    const step = events.steps[0]!;
    assert.equal(step.step, 1);
    assert.equal(step.rewardMean, 0.275);
    assert.equal(step.stepMs, 2500);
    assert.equal(step.rolloutMs, 1500);
    assert.equal(step.kl, 0.01);
    assert.equal(step.tokensPerSec, (40 * 4) / 2.5, 'completion tokens of the step per second');
    assert.equal(step.accuracy, 0.25);
    assert.equal(step.formatRate, 0.5);
    assert.deepEqual(step.verdicts, { correct: 0.25, 'wrong-value': 0.25, 'no-answer': 0.5 });
    assert.equal(step.zeroSignalGroups, 0.5, 'the second prompt’s two samples both scored 0');
    assert.equal(typeof step.engineMetrics?.['perf/throughput'], 'number');
    assert.ok(!('critic/score/mean' in step.engineMetrics!), 'a mapped metric is not kept twice');

    assert.equal(events.evals.length, 1);
    const evaluation = events.evals[0]!;
    assert.deepEqual([evaluation.step, evaluation.split, evaluation.k, evaluation.score.n], [0, 'test', 2, 2]);
    assert.equal(evaluation.score.pass1, 0.5);
    assert.equal(evaluation.score.passK, 1);
    assert.equal(evaluation.score.formatRate, 0.75);
    assert.deepEqual(Object.keys(evaluation.byCount), ['3']);

    assert.equal(records<TraceRecord>('traces').filter((t) => t.split === 'test').length, 4, 'every validation sample');
    const train = records<TraceRecord>('traces').filter((t) => t.split === 'train');
    assert.deepEqual(train.map((t) => [t.step, t.verdict, t.sample]), [[1, 'correct', 0], [1, 'no-answer', 0]], 'the first sample of each prompt');
    assert.match(train[0]!.prompt, /^\[3, 4, 5\] -> 12\n<think>$/, 'our prompt, not the decoded text');
    // The files say the same as the events.
    assert.deepEqual(records<StepRecord>('metrics'), events.steps);
    assert.deepEqual(records<EvalRecord>('eval'), events.evals);
    assert.equal(writer.info.step.rl, 1);
  });

  it('waits for a step’s dumps and for torn lines, and writes what it has when the job ends', async () => {
    const logger = new VerlLogger(files.log);
    await logger.log(1, { 'critic/score/mean': 0.5 });
    await logger.log(2, { 'critic/score/mean': 0.6 });
    await logger.close();
    const b = bridge();
    b.poll();
    assert.equal(events.steps.length, 0, 'no dump for step 1 yet');

    dump(files.rollouts, 1, [[right, wrong], [none, rightToo]]);
    const file = join(files.rollouts, '1.jsonl');
    const whole = readFileSync(file, 'utf8');
    const lines = whole.split('\n');
    writeFileSync(file, `${lines.slice(0, 2).join('\n')}\n${lines[2]!.slice(0, 10)}`);
    b.poll();
    assert.equal(events.steps.length, 0, 'half a dump, the last line torn');
    writeFileSync(file, whole);
    b.poll();
    assert.deepEqual(events.steps.map((s) => s.step), [1]);
    assert.equal(events.steps[0]!.accuracy, 0.5);

    appendFileSync(files.log, '{"step": 3, "data": {"critic/sc');
    b.poll(true);
    assert.deepEqual(events.steps.map((s) => s.step), [1, 2], 'the job ended: step 2 without samples, the torn step 3 never');
    assert.equal(events.steps[1]!.accuracy, undefined);
    assert.equal(events.steps[1]!.rewardMean, 0.6);
  });

  it('rewinds to the checkpoint a restarted trainer resumes from when the log starts over', async () => {
    const b = bridge();
    const first = new VerlLogger(files.log);
    for (const step of [1, 2, 3, 4]) {
      dump(files.rollouts, step, [[right, wrong], [none, rightToo]]);
      await first.log(step, { 'critic/score/mean': step });
      if (step === 2) writeFileSync(join(files.checkpoints, CHECKPOINT_TRACKER), '2');
    }
    b.poll();
    assert.deepEqual(events.steps.map((s) => s.step), [1, 2, 3, 4]);
    assert.deepEqual(events.checkpoints.map((c) => [c.step, c.path]), [[2, join(files.checkpoints, 'global_step_2')]]);
    await first.close();

    // Ray restarts the trainer: veRL's file logger reopens (truncates) its file, and training resumes at step 2.
    const second = new VerlLogger(files.log);
    await second.log(3, { 'critic/score/mean': 30 });
    b.poll();
    for (const step of [4, 5]) {
      dump(files.rollouts, step, [[right, right], [rightToo, rightToo]]);
      await second.log(step, { 'critic/score/mean': step * 10 });
    }
    b.poll();
    await second.close();
    const steps = records<StepRecord>('metrics');
    assert.deepEqual(steps.map((s) => [s.step, s.rewardMean]), [[1, 1], [2, 2], [3, 30], [4, 40], [5, 50]], 'steps after the checkpoint come from the second life');
    assert.equal(steps.at(-1)!.accuracy, 1);
    assert.match(readFileSync(runFile(writer.dir, 'log'), 'utf8'), /restarted .*checkpoint at step 2/);
  });

  it('continues a resumed run after its checkpoint, without repeating the evaluation at the checkpoint', async () => {
    const logger = new VerlLogger(files.log);
    dump(files.validation, 2, [[right, right], [none, none]], true);
    await logger.log(2, { 'val-core/countdown/acc/mean@2': 0.5 });
    dump(files.rollouts, 3, [[right, wrong], [none, rightToo]]);
    await logger.log(3, { 'critic/score/mean': 0.3 });
    await logger.close();
    bridge(2).poll(true);
    assert.deepEqual(events.steps.map((s) => s.step), [3]);
    assert.equal(events.evals.length, 0);
  });
});

describe('JsonlTail', () => {
  it('reads a rewritten file from its start even when it has grown past the old offset', () => {
    const file = join(dir, 'log.jsonl');
    writeFileSync(file, '{"step":1}\n{"step":2}\n');
    const tail = new JsonlTail<{ step: number }>(file);
    assert.deepEqual(tail.read().map((r) => r.step), [1, 2]);
    writeFileSync(file, '{"step":7,"data":{}}\n{"step":8,"data":{}}\n{"step":9,"data":{}}\n');
    assert.deepEqual(tail.read().map((r) => r.step), [7, 8, 9]);
    assert.equal(tail.restarts, 1);
  });
});
