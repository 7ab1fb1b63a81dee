// `engine verl` end to end, with real processes: the trainer process (as the
// extension forks it) and `rlab train` export the job, check it, launch it here
// or on a real Ray head through the Ray Jobs API, bridge it into the run
// folder, stop, resume and fail cleanly. No GPU here, so the job is
// test/python/stand_in_main_ppo.py, a STAND-IN for veRL's trainer that takes
// the same overrides and writes veRL's files with veRL's own writers.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EvalRecord, RunInfo, StepRecord } from '../../src/core/protocol/records';
import { TrainerRequests, type DoneParams, type FailedParams } from '../../src/core/protocol/trainer';
import { parseJsonl } from '../../src/core/run/jsonl';
import { runFile } from '../../src/core/run/layout';
import { STAND_IN_ENV } from '../../src/trainer/verl/supervisor';
import { buildTrainer, startTrainer } from './engine-process.helpers';
import { pythonScripts, root, venvPython } from './verl-python.helpers';

const cli = join(root, 'dist/cli.js');
const standIn = join(pythonScripts, 'stand_in_main_ppo.py');
let dir = '';

before(() => {
  venvPython();
  if (!existsSync(cli)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
  dir = mkdtempSync(join(tmpdir(), 'rlab-verl-run-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function spec(name: string, o: { steps?: number; every?: number; python?: string; ray?: string; model?: string } = {}): string {
  const file = join(dir, `${name}.countdown`);
  writeFileSync(
    file,
    `name "${name}"
task {
  numbers 3
  values 1..20
  target 1..40
  train 60
  test 6
  seed 5
}
prompt tinyzero
rl {
  algorithm grpo
  steps ${o.steps ?? 6}
  prompts 4
  group 2
  eval-every ${o.every ?? 3}
}
eval {
  samples 2
}
engine {
  kind verl
  model "${o.model ?? 'Qwen/Qwen2.5-0.5B'}"
  python "${o.python ?? venvPython()}"
  ray "${o.ray ?? ''}"
}
`,
  );
  return file;
}

const readRun = (runDir: string): RunInfo => JSON.parse(readFileSync(runFile(runDir, 'run'), 'utf8')) as RunInfo;
const jsonl = <T>(runDir: string, file: 'metrics' | 'eval' | 'traces'): T[] => (existsSync(runFile(runDir, file)) ? parseJsonl<T>(readFileSync(runFile(runDir, file), 'utf8')).records : []);

/** `rlab train ...` with the stand-in, to its end. */
function rlab(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, [STAND_IN_ENV]: standIn, ...env }, timeout: 120_000 });
  return { status: r.status, stderr: r.stderr };
}

function rlabLive(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, [STAND_IN_ENV]: standIn, ...env }, stdio: 'ignore' });
  return { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const jobPid = (runDir: string): number => Number(readRun(runDir).job!.id.replace('local-', ''));

describe('rlab train with engine verl (stand-in job)', () => {
  it('exports the job into the run folder, runs it and writes a run like any other', () => {
    const runDir = join(dir, 'done');
    const r = rlab(['train', spec('done'), '--out', runDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /backend veRL, 1 node\(s\) × 1 GPU\(s\), vllm rollouts, a local Ray/);
    const info = readRun(runDir);
    assert.equal(info.status, 'done');
    assert.equal(info.step.rl, 6);
    assert.equal(info.backend?.name, 'verl');
    assert.equal(info.job?.engine, 'verl');
    assert.equal(info.job?.attempt, 1);
    assert.equal(info.job?.command[1], standIn, 'run.json says plainly that the stand-in ran');
    assert.ok(info.job?.command.includes('actor_rollout_ref.rollout.name=vllm'));
    for (const file of ['train.parquet', 'test.parquet', 'countdown_reward.py', 'run.sh', 'logs/attempt-1.jsonl', 'rollouts/6.jsonl', 'checkpoints/global_step_6']) {
      assert.ok(existsSync(join(runDir, 'verl', file)), file);
    }
    assert.deepEqual(jsonl<StepRecord>(runDir, 'metrics').map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(jsonl<EvalRecord>(runDir, 'eval').map((e) => e.step), [0, 3, 6]);
    assert.ok(jsonl(runDir, 'traces').length > 0);
    const log = readFileSync(runFile(runDir, 'log'), 'utf8');
    assert.match(log, /\[verl\] stand-in for verl.trainer.main_ppo/, 'the job’s output is in trainer.log');
    assert.match(log, /RLAB_VERL_STAND_IN is set/);
  });

  it('stops the job on Ctrl-C (its whole process group), and resumes through veRL’s resume', async () => {
    const runDir = join(dir, 'stopped');
    const file = spec('stopped', { steps: 40, every: 2 });
    const live = rlabLive(['train', file, '--out', runDir], { STAND_IN_STEP_SECONDS: '0.5' });
    await until('a checkpoint and 3 steps', () => jsonl<StepRecord>(runDir, 'metrics').length >= 3 && existsSync(join(runDir, 'verl/checkpoints/latest_checkpointed_iteration.txt')));
    const pid = jobPid(runDir);
    assert.ok(alive(pid));
    live.child.kill('SIGINT');
    assert.equal(await live.exited, 0);
    const stopped = readRun(runDir);
    assert.equal(stopped.status, 'stopped');
    await until('the job to be gone', () => !alive(pid), 5000);
    const checkpoint = Number(readFileSync(join(runDir, 'verl/checkpoints/latest_checkpointed_iteration.txt'), 'utf8'));

    const resumed = rlab(['train', '--resume', runDir]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const info = readRun(runDir);
    assert.equal(info.status, 'done');
    assert.equal(info.job?.attempt, 2);
    assert.ok(existsSync(join(runDir, 'verl/logs/attempt-2.jsonl')), 'a fresh log file per attempt');
    const steps = jsonl<StepRecord>(runDir, 'metrics').map((s) => s.step);
    assert.deepEqual(steps, Array.from({ length: 40 }, (_, i) => i + 1), `every step once, resumed after the checkpoint at ${checkpoint}`);
    const evals = jsonl<EvalRecord>(runDir, 'eval').map((e) => e.step);
    assert.deepEqual(evals, [...new Set(evals)], 'no evaluation twice');
    assert.match(readFileSync(runFile(runDir, 'log'), 'utf8'), new RegExp(`resuming from veRL's checkpoint global_step_${checkpoint} \\(attempt 2\\)`));
  });

  it('fails with the job’s error and keeps what was written', () => {
    const runDir = join(dir, 'failed');
    const r = rlab(['train', spec('failed'), '--out', runDir], { STAND_IN_FAIL_AT: '3' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /failed: the veRL job exited with code 1: RuntimeError: stand-in failure at step 3/);
    const info = readRun(runDir);
    assert.equal(info.status, 'failed');
    assert.match(info.error!, /stand-in failure at step 3/);
    assert.deepEqual(jsonl<StepRecord>(runDir, 'metrics').map((s) => s.step), [1, 2]);
  });

  it('follows a trainer that Ray restarts (its log truncated) from veRL’s checkpoint', () => {
    const runDir = join(dir, 'restarted');
    const r = rlab(['train', spec('restarted', { steps: 6, every: 2 }), '--out', runDir], { STAND_IN_RESTART_AT: '3', STAND_IN_STEP_SECONDS: '0.5' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(jsonl<StepRecord>(runDir, 'metrics').map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.match(readFileSync(runFile(runDir, 'log'), 'utf8'), /restarted .*checkpoint at step 2/);
  });
});

describe('rlab export verl', () => {
  it('writes the job folder, refuses a folder that holds something else, and names the engines it knows', () => {
    const out = join(dir, 'exported');
    const file = spec('exported');
    const r = spawnSync(process.execPath, [cli, 'export', 'verl', file, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*train\.parquet \(60 rows\), test\.parquet \(6\)/);
    for (const f of ['train.parquet', 'test.parquet', 'countdown_reward.py', 'run.sh', 'job.json']) assert.ok(existsSync(join(out, f)), f);
    const again = spawnSync(process.execPath, [cli, 'export', 'verl', file, '--out', out], { encoding: 'utf8' });
    assert.equal(again.status, 0, 'an earlier export is written again');
    const taken = join(dir, 'taken');
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const refused = spawnSync(process.execPath, [cli, 'export', 'verl', file, '--out', dir], { encoding: 'utf8' });
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /is not empty and holds no exported job/);
    assert.ok(!existsSync(taken));
    const unknown = spawnSync(process.execPath, [cli, 'export', 'openrlhf', file, '--out', taken], { encoding: 'utf8' });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown engine "openrlhf"; the engine to export for is verl/);
  });
});

describe('preflight: one message per problem, before anything runs', () => {
  it('a Python that is not there', () => {
    const r = rlab(['train', spec('no-python', { python: 'no-such-python-3.99' }), '--out', join(dir, 'no-python')], { [STAND_IN_ENV]: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Python `no-such-python-3\.99` was not found: set `python` in the engine block/);
    assert.equal(readRun(join(dir, 'no-python')).status, 'failed');
  });

  it('a Python without veRL’s GPU stack, a model folder that is not there', () => {
    const r = rlab(['train', spec('no-verl', { model: '/no/such/model' }), '--out', join(dir, 'no-verl')], { [STAND_IN_ENV]: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot import veRL \(ModuleNotFoundError: No module named '\w+'\): install it there/);
    // The test Python has torch only where `scripts/setup.sh --bench` put the benchmark's PyTorch in it (CPU-only here either way).
    const torchLoads = spawnSync(venvPython(), ['-c', 'import torch']).status === 0;
    assert.match(r.stderr, torchLoads ? /the job asks for 1 GPU\(s\) per node \(`gpus`\) but torch sees 0 on this machine/ : /the job asks for 1 GPU\(s\) per node \(`gpus`\) but torch does not load/);
    assert.match(r.stderr, /cannot import vllm, the rollout engine/);
    assert.match(r.stderr, /the model \/no\/such\/model is not a Hugging Face model folder/);
    assert.ok(!existsSync(join(dir, 'no-verl', 'verl', 'logs', 'attempt-1.jsonl')), 'no job started');
  });

  it('a Ray address that does not answer', async () => {
    const port = await closedPort();
    const r = rlab(['train', spec('no-ray', { ray: `http://127.0.0.1:${port}` }), '--out', join(dir, 'no-ray')], { [STAND_IN_ENV]: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`the Ray dashboard at http://127\\.0\\.0\\.1:${port} did not answer \\(ECONNREFUSED\\): start the cluster's head`));
  });

  it('a spec veRL cannot run: nothing is created', () => {
    const file = join(dir, 'bad.countdown');
    writeFileSync(file, 'task { }\nmodel { preset tiny }\nengine {\n  kind verl\n}\n');
    const r = rlab(['train', file, '--out', join(dir, 'bad')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /`preset` does not apply to `engine verl`/);
    assert.match(r.stderr, /`verl` trains a pretrained model: set `model`/);
    assert.ok(!existsSync(join(dir, 'bad')));
  });
});

describe('the trainer process (as Start Training forks it) with engine verl', () => {
  it('says hello and writes the run as the job goes; a stop request stops the job and answers with veRL’s last checkpoint', async () => {
    process.env[STAND_IN_ENV] = standIn;
    process.env.STAND_IN_STEP_SECONDS = '0.5';
    try {
      const runDir = join(dir, 'ipc');
      const trainer = startTrainer(await buildTrainer(), { spec: spec('ipc', { steps: 30, every: 2 }), runDir, resume: false, stage: 'all', device: null });
      await trainer.waitFor((n) => n.method === 'hello');
      await until('3 steps and a checkpoint', () => jsonl<StepRecord>(runDir, 'metrics').length >= 3 && existsSync(join(runDir, 'verl/checkpoints/latest_checkpointed_iteration.txt')));
      const answer = await trainer.connection.sendRequest(TrainerRequests.stop);
      assert.equal(answer?.phase, 'rl');
      assert.match(answer!.path, /verl\/checkpoints\/global_step_\d+$/);
      const done = await trainer.waitFor((n) => n.method === 'done');
      assert.equal((done.params as DoneParams).status, 'stopped');
      assert.equal(await trainer.exited, 0);
      assert.ok(jsonl<EvalRecord>(runDir, 'eval').length > 0);
      assert.equal(readRun(runDir).status, 'stopped');
      assert.ok(!trainer.notifications.some((n) => n.method === 'failed'), JSON.stringify(trainer.notifications.find((n) => n.method === 'failed')?.params as FailedParams));
    } finally {
      delete process.env[STAND_IN_ENV];
      delete process.env.STAND_IN_STEP_SECONDS;
    }
  });
});

describe('a Ray cluster through the Ray Jobs API (a real Ray head on this machine, with token authentication)', () => {
  let address = '';
  const ray = join(root, '.venv/bin/ray');
  const token = randomBytes(24).toString('hex');
  // Every process of this head inherits the marker, so that exactly those are ended afterwards.
  const marker = `rlab-verl-test-${process.pid}-${Date.now()}`;
  const rayEnv = { ...process.env, RAY_USAGE_STATS_ENABLED: '0', RAY_AUTH_MODE: 'token', RAY_AUTH_TOKEN: token, RLAB_TEST_RAY: marker };

  before(async () => {
    const port = await closedPort();
    const dashboard = await closedPort();
    const started = spawnSync(ray, ['start', '--head', `--port=${port}`, '--dashboard-host=127.0.0.1', `--dashboard-port=${dashboard}`, '--num-cpus=1', '--include-dashboard=true', '--disable-usage-stats'], {
      encoding: 'utf8',
      env: rayEnv,
      timeout: 120_000,
    });
    assert.equal(started.status, 0, `ray start failed: ${started.stderr}`);
    address = `http://127.0.0.1:${dashboard}`;
  });

  after(async () => {
    const ours = processesWith(`RLAB_TEST_RAY=${marker}`);
    for (const pid of ours) signal(pid, 'SIGTERM');
    await until('the Ray head to end', () => ours.every((pid) => !alive(pid)), 10_000).catch(() => ours.forEach((pid) => signal(pid, 'SIGKILL')));
  });

  it('submits the job, follows its status and logs to the end', () => {
    const runDir = join(dir, 'ray-done');
    const r = rlab(['train', spec('ray-done', { ray: address }), '--out', runDir], { RAY_AUTH_TOKEN: token });
    assert.equal(r.status, 0, r.stderr);
    const info = readRun(runDir);
    assert.equal(info.status, 'done');
    assert.equal(info.job?.id, `rlab-ray-done-1`);
    assert.equal(info.job?.ray, address);
    assert.match(info.versions.ray ?? '', /^\d+\.\d+/);
    assert.deepEqual(jsonl<StepRecord>(runDir, 'metrics').map((s) => s.step), [1, 2, 3, 4, 5, 6]);
    assert.match(readFileSync(runFile(runDir, 'log'), 'utf8'), /\[verl\] stand-in for verl.trainer.main_ppo/, 'the job’s logs come through the API');
  });

  it('stops the Ray job on Ctrl-C', async () => {
    const runDir = join(dir, 'ray-stopped');
    const live = rlabLive(['train', spec('ray-stopped', { ray: address, steps: 60 }), '--out', runDir], { STAND_IN_STEP_SECONDS: '0.5', RAY_AUTH_TOKEN: token });
    await until('2 steps', () => jsonl<StepRecord>(runDir, 'metrics').length >= 2);
    live.child.kill('SIGINT');
    assert.equal(await live.exited, 0);
    assert.equal(readRun(runDir).status, 'stopped');
    const status = spawnSync('curl', ['-s', '-H', `authorization: Bearer ${token}`, `${address}/api/jobs/rlab-ray-stopped-1`], { encoding: 'utf8' });
    assert.equal((JSON.parse(status.stdout) as { status: string }).status, 'STOPPED');
  });

  it('says how to give the cluster its token when it has none', () => {
    const r = rlab(['train', spec('ray-no-token', { ray: address }), '--out', join(dir, 'ray-no-token')], { RAY_AUTH_TOKEN: '', RAY_AUTH_TOKEN_PATH: join(dir, 'no-token-here') });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the Ray cluster at http:\/\/127\.0\.0\.1:\d+ wants its authentication token \(401/);
    assert.match(r.stderr, /set RAY_AUTH_TOKEN/);
  });
});

/** Processes whose environment holds `entry` (NAME=value). */
function processesWith(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** A local port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
