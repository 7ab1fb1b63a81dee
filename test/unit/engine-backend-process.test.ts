// The WASM thread setting in real processes: the bundled `rlab` trains and
// evaluates on the threaded build and exits on its own (XNNPACK's pthread
// workers must not hold it open), and RLAB_WASM_THREADS=1 runs the
// single-threaded build to the same bits (XNNPACK splits output tiles across
// threads, never a sum). The CLI is the process that ends without an explicit
// exit, so it is the one that would hang.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFile } from '../../src/core/run/layout';
import type { RunInfo } from '../../src/core/protocol/records';
import { WASM_THREADS_ENV } from '../../src/trainer/backend-wasm-threads';
import { tempDir, tinySpec } from './engine-process.helpers';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist/cli.js');
/** Far beyond the few seconds these take: a process still there then is held open. */
const EXIT_DEADLINE_MS = 120_000;

before(() => {
  // `npm test` builds first; a lone run of this file builds only if the bundle is missing.
  if (!fs.existsSync(cli)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
});

function rlab(args: string[], threads: string, nodeFlags: string[] = []): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const env = { ...process.env, [WASM_THREADS_ENV]: threads };
  return spawnSync(process.execPath, [...nodeFlags, cli, ...args], { cwd: root, encoding: 'utf8', env, timeout: EXIT_DEADLINE_MS });
}

function train(dir: string, threads: string, nodeFlags: string[] = []): { run: RunInfo; runDir: string; stderr: string } {
  fs.writeFileSync(path.join(dir, 'a.countdown'), tinySpec({ steps: 2, evalEvery: 2 }));
  const runDir = path.join(dir, `run-${threads}`);
  const result = rlab(['train', path.join(dir, 'a.countdown'), '--stage', 'pretrain', '--out', runDir], threads, nodeFlags);
  assert.equal(result.signal, null, `rlab train did not exit on its own within ${EXIT_DEADLINE_MS / 1000} s`);
  assert.equal(result.status, 0, result.stderr);
  return { run: JSON.parse(fs.readFileSync(runFile(runDir, 'run'), 'utf8')) as RunInfo, runDir, stderr: result.stderr };
}

const checkpointFile = (runDir: string, file: string) => fs.readFileSync(path.join(runDir, 'checkpoints', 'step-000002', file));

test('rlab train and rlab eval run on 2 WASM threads and exit on their own, with the weights 1 thread gives, bit for bit', async (t) => {
  const dir = tempDir(t);
  const threaded = train(dir, '2');
  assert.equal(threaded.run.status, 'done');
  assert.deepEqual(threaded.run.backend, { name: 'wasm', threads: 2, simd: true });
  const evaluated = rlab(['eval', threaded.runDir, '--json'], '2');
  assert.equal(evaluated.signal, null, `rlab eval did not exit on its own within ${EXIT_DEADLINE_MS / 1000} s`);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal((JSON.parse(evaluated.stdout) as { split: string }).split, 'test');

  const single = train(dir, '1');
  assert.deepEqual(single.run.backend, { name: 'wasm', threads: 1, simd: true });
  for (const file of ['model.safetensors', 'optimizer.safetensors']) {
    assert.ok(checkpointFile(threaded.runDir, file).equals(checkpointFile(single.runDir, file)), `${file} differs between 2 threads and 1`);
  }
});

test('a bad RLAB_WASM_THREADS trains on 1 thread, and the run, its log and the terminal say why', async (t) => {
  const { run, runDir, stderr } = train(tempDir(t), 'many');
  assert.equal(run.backend!.threads, 1);
  assert.match(run.backend!.fallback!, /RLAB_WASM_THREADS="many" is not a whole number/);
  const said = /backend wasm, 1 thread\(s\), SIMD on \(RLAB_WASM_THREADS="many" is not a whole number/;
  assert.match(stderr, said); // the progress display writes to stderr
  assert.match(fs.readFileSync(runFile(runDir, 'log'), 'utf8'), said);
});

test('when the threaded build cannot start, training falls back to 1 thread, says why and exits', async (t) => {
  // Emscripten's pthread worker loads its script with eval, which this Node flag forbids (workers inherit it).
  const backend = train(tempDir(t), '2', ['--disallow-code-generation-from-strings']).run.backend!;
  assert.equal(backend.threads, 1);
  assert.match(backend.fallback!, /^the threaded WASM build did not start \(Code generation from strings disallowed.*\): running 1 thread/);
});
