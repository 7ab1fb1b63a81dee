// End to end through the real `rlab` CLI: a tiny spec runs pretraining then
// RL and writes every run file; a run interrupted mid-RL (Ctrl-C: checkpoint,
// exit) and resumed with `--resume` writes exactly the records of an
// uninterrupted one (wall-clock fields aside); a finished run continued with
// `--continue` trains on as a new run, and `--from` takes a checkpoint folder.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseJsonl } from '../../src/core/run/jsonl';
import { RUN_FILES, runFile } from '../../src/core/run/layout';
import { RL_TINY_SPEC } from '../fixtures/rl-tiny';
import { WALL_CLOCK_FIELDS, type AlertRecord, type EvalRecord, type StepRecord, type TraceRecord } from '../../src/core/protocol/records';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

before(() => {
  // `npm test` builds first; a lone run of this file builds only if the bundle is missing.
  if (!fs.existsSync(cli)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
});

const SPEC = RL_TINY_SPEC;


/** Runs `rlab train ARGS`; with `interruptAt`, sends Ctrl-C once metrics.jsonl holds that RL step. */
function rlabTrain(args: string[], runDir: string, interruptAt: number | null = null): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'train', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const watch =
      interruptAt === null
        ? null
        : setInterval(() => {
            const file = runFile(runDir, 'metrics');
            if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(`"phase":"rl","step":${interruptAt},`)) {
              clearInterval(watch!);
              child.kill('SIGINT');
            }
          }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (watch) clearInterval(watch);
      resolve({ code, stderr });
    });
  });
}

function read<T>(runDir: string, file: keyof typeof RUN_FILES): T[] {
  return parseJsonl<T>(fs.readFileSync(runFile(runDir, file), 'utf8')).records;
}

function withoutClock(records: StepRecord[]): object[] {
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(WALL_CLOCK_FIELDS as readonly string[]).includes(k))));
}

test('rlab train: pretrain then RL writes every file; Ctrl-C mid-RL and --resume give the same records', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlab-rl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = path.join(dir, 'tiny.countdown');
  fs.writeFileSync(spec, SPEC);

  const straight = path.join(dir, 'straight');
  const done = await rlabTrain([spec, '--out', straight], straight);
  assert.equal(done.code, 0, done.stderr);
  // Without a terminal: a line per stage's last step with the phase, step of total and elapsed time; a summary of what RL did.
  assert.match(done.stderr, /^pretrain 2\/2 · \d+ s elapsed.*loss \d/m);
  assert.match(done.stderr, /^RL 4\/4 · \d+ s elapsed.*reward/m);
  assert.match(done.stderr, /^RL: held-out greedy accuracy \d+\.\d% → \d+\.\d% \([+-]\d+\.\d points; best \d+\.\d% at RL step \d\), pass@2 \d+\.\d% → \d+\.\d%, on 4 test problems$/m);
  for (const file of ['spec', 'run', 'metrics', 'eval', 'traces', 'log', 'latest'] as const) {
    assert.ok(fs.existsSync(runFile(straight, file)), `${RUN_FILES[file]} written`);
  }
  const steps = read<StepRecord>(straight, 'metrics').filter((r) => r.phase === 'rl');
  assert.deepEqual(steps.map((r) => r.step), [1, 2, 3, 4]);
  for (const r of steps) {
    for (const key of ['rewardMean', 'accuracy', 'formatRate', 'lengthMean', 'truncatedRate', 'kl', 'entropy', 'clipFraction', 'zeroSignalGroups', 'gradNorm', 'lr', 'stepMs', 'tokensPerSec'] as const) {
      assert.ok(Number.isFinite(r[key]), `rl step ${r.step}: ${key}`);
    }
  }
  const evals = read<EvalRecord>(straight, 'eval').filter((r) => r.phase === 'rl' && r.split === 'test');
  assert.deepEqual(evals.map((r) => r.step), [0, 2, 4], 'evaluated before RL, every 2 steps and at the end');
  const traces = read<TraceRecord>(straight, 'traces').filter((r) => r.phase === 'rl');
  assert.ok(traces.some((r) => r.split === 'train') && traces.some((r) => r.split === 'test'));
  const alerts = fs.existsSync(runFile(straight, 'alerts')) ? read<AlertRecord>(straight, 'alerts') : [];
  for (const a of alerts) assert.ok(a.phase === 'rl' && a.evidence.length > 0 && a.advice.length > 0);
  const info = JSON.parse(fs.readFileSync(runFile(straight, 'run'), 'utf8'));
  assert.equal(info.status, 'done');
  assert.deepEqual(info.step, { pretrain: 2, rl: 4 });
  // checkpoints/best: the first checkpointed evaluation with the top held-out accuracy (RL's step-0 evaluation has no checkpoint).
  const checkpointed = read<EvalRecord>(straight, 'eval').filter((r) => r.split === 'test' && !(r.phase === 'rl' && r.step === 0));
  const top = checkpointed.find((r) => r.score.pass1 === Math.max(...checkpointed.map((e) => e.score.pass1)))!;
  assert.equal(fs.readFileSync(runFile(straight, 'best'), 'utf8').trim(), `${top.phase === 'rl' ? 'rl-' : ''}step-${String(top.step).padStart(6, '0')}`);

  const interrupted = path.join(dir, 'interrupted');
  const stopped = await rlabTrain([spec, '--out', interrupted], interrupted, 2);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(JSON.parse(fs.readFileSync(runFile(interrupted, 'run'), 'utf8')).status, 'stopped');
  const before = read<StepRecord>(interrupted, 'metrics').filter((r) => r.phase === 'rl').length;
  assert.ok(before >= 2 && before < 4, `stopped after RL step ${before}`);
  const resumed = await rlabTrain(['--resume', interrupted], interrupted);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(withoutClock(read<StepRecord>(interrupted, 'metrics')), withoutClock(read<StepRecord>(straight, 'metrics')));
  const samples = (run: string) => read<TraceRecord>(run, 'traces').map((r) => [r.phase, r.step, r.split, r.completion]);
  assert.deepEqual(samples(interrupted), samples(straight));

  // An untrained policy never beats its starting accuracy: with early-stop 1, RL ends at its first evaluation after the start.
  const patient = path.join(dir, 'patient.countdown');
  fs.writeFileSync(patient, SPEC.replace('eval-every 2\n}', 'eval-every 2\n  early-stop 1\n}'));
  assert.match(fs.readFileSync(patient, 'utf8'), /early-stop 1/);
  const early = path.join(dir, 'early');
  const stoppedEarly = await rlabTrain([patient, '--stage', 'rl', '--from', straight, '--out', early], early);
  assert.equal(stoppedEarly.code, 0, stoppedEarly.stderr);
  assert.equal(JSON.parse(fs.readFileSync(runFile(early, 'run'), 'utf8')).status, 'done');
  const rlEvals = read<EvalRecord>(early, 'eval').filter((r) => r.split === 'test').map((r) => r.score.pass1);
  assert.deepEqual(rlEvals, [0, 0], 'evaluated at the start and at step 2, never better');
  assert.deepEqual(read<StepRecord>(early, 'metrics').map((r) => r.step), [1, 2]);
  assert.match(fs.readFileSync(runFile(early, 'log'), 'utf8'), /early stop: held-out accuracy has not beaten 0\.0% \(rl step 0\) for 1 evaluations/);

  // rl.seed: the same base and problems with other draws.
  const reseeded = path.join(dir, 'reseeded.countdown');
  fs.writeFileSync(reseeded, fs.readFileSync(patient, 'utf8').replace('early-stop 1', 'early-stop 1\n  seed 9'));
  const other = path.join(dir, 'other-seed');
  assert.equal((await rlabTrain([reseeded, '--stage', 'rl', '--from', straight, '--out', other], other)).code, 0);
  const rollouts = (run: string) => read<TraceRecord>(run, 'traces').filter((r) => r.split === 'train').map((r) => r.completion);
  assert.notDeepEqual(rollouts(other), rollouts(early));
  assert.deepEqual(read<EvalRecord>(other, 'eval').map((r) => r.step), read<EvalRecord>(early, 'eval').map((r) => r.step));
});

/** Every file under `dir` with its bytes, to show a folder was left as it was. */
function snapshot(dir: string): Record<string, string> {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  return Object.fromEntries(files.sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]));
}

test('rlab train --continue: a finished run trains on as a new run and stays as it was; --from starts RL from a checkpoint folder', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlab-continue-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const spec = path.join(dir, 'tiny.countdown');
  fs.writeFileSync(spec, SPEC);
  const finished = path.join(dir, 'finished');
  assert.equal((await rlabTrain([spec, '--out', finished], finished)).code, 0);
  const before = snapshot(finished);

  const continued = path.join(dir, 'continued');
  const more = await rlabTrain(['--continue', finished, '--steps', '2', '--out', continued], continued);
  assert.equal(more.code, 0, more.stderr);
  assert.deepEqual(snapshot(finished), before, 'the finished run is left as it was');
  const info = JSON.parse(fs.readFileSync(runFile(continued, 'run'), 'utf8'));
  assert.deepEqual([info.status, info.parent, info.config.rl.steps, info.step], ['done', finished, 6, { pretrain: 2, rl: 6 }]);
  const steps = read<StepRecord>(continued, 'metrics');
  assert.deepEqual(steps.map((r) => `${r.phase}${r.step}`), ['pretrain1', 'pretrain2', 'rl1', 'rl2', 'rl3', 'rl4', 'rl5', 'rl6']);
  assert.deepEqual(withoutClock(steps.slice(0, 6)), withoutClock(read<StepRecord>(finished, 'metrics')), 'its first steps are the finished run\'s');
  assert.deepEqual(read<EvalRecord>(continued, 'eval').filter((e) => e.phase === 'rl' && e.split === 'test').map((e) => e.step), [0, 2, 4, 6]);
  assert.ok(fs.existsSync(path.join(continued, 'checkpoints', 'rl-step-000006')));

  const refused = await rlabTrain(['--continue', finished, '--out', path.join(dir, 'x')], path.join(dir, 'x'));
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /--continue RUN needs --steps N/);

  const fromCheckpoint = path.join(dir, 'from-checkpoint');
  const base = path.join(finished, 'checkpoints', 'step-000002');
  const rl = await rlabTrain([spec, '--stage', 'rl', '--from', base, '--out', fromCheckpoint], fromCheckpoint);
  assert.equal(rl.code, 0, rl.stderr);
  assert.equal(JSON.parse(fs.readFileSync(runFile(fromCheckpoint, 'run'), 'utf8')).parent, base);
  assert.match(fs.readFileSync(runFile(fromCheckpoint, 'log'), 'utf8'), /RL starts from the base model .*finished\/checkpoints\/step-000002/);
  assert.deepEqual(read<StepRecord>(fromCheckpoint, 'metrics').map((r) => `${r.phase}${r.step}`), ['rl1', 'rl2', 'rl3', 'rl4']);
});
