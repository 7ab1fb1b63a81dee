// The real `rlab` CLI, spawned as a process: every command, batches from files
// and stdin, and clear errors with a non-zero exit for bad arguments and lines.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'dist/cli.js');
let dir = '';

before(() => {
  // `npm test` builds first; a lone run of this file builds only if the bundle is missing.
  if (!existsSync(cli)) {
    const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
  }
  dir = mkdtempSync(join(tmpdir(), 'rlab-cli-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function rlab(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', input });
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('--version and --help', () => {
  const v = rlab(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = rlab(['--help']);
  assert.equal(h.status, 0);
  for (const command of ['solve', 'score', 'generate']) assert.match(h.stdout, new RegExp(`\\b${command}\\b`));
});

test('bin/rlab.js (the package bin that npx runs) starts the bundle', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/rlab.js'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: rlab /);
});

test('solve prints solvability and solutions, as text or JSON', () => {
  const text = rlab(['solve', '44', '19', '35', '--target', '98']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^44 19 35 -> 98: solvable\n[\d+\-*/()]+\n$/);
  const all = jsonLines(rlab(['solve', '1', '2', '3', '4', '--target', '10', '--all', '--json']).stdout)[0]!;
  assert.equal(all.solvable, true);
  assert.ok((all.solutions as string[]).length > 3);
  const none = rlab(['solve', '1', '2', '--target', '7']);
  assert.equal(none.status, 0);
  assert.match(none.stdout, /not solvable/);
});

test('solve --jsonl answers every line in order and reports bad lines without stopping', () => {
  const file = join(dir, 'problems.jsonl');
  writeFileSync(file, '{"numbers":[44,19,35],"target":98}\nnot json\n{"numbers":[1,2],"target":7}\n{"numbers":[1,2,3,4,5,6,7],"target":1}\n');
  const r = rlab(['solve', '--jsonl', file]);
  assert.equal(r.status, 1);
  const out = jsonLines(r.stdout);
  assert.equal(out.length, 4);
  assert.equal(out[0]!.solvable, true);
  assert.equal(out[1]!.line, 2);
  assert.match(String(out[1]!.error), /not valid JSON/);
  assert.equal(out[2]!.solvable, false);
  assert.match(String(out[3]!.error), /1 to 6 numbers/);
  assert.match(r.stderr, /line 2: not valid JSON/);
  assert.match(r.stderr, /line 4: /);
});

test('score --jsonl from stdin gives verdicts and honours --format and --correct', () => {
  const input = [
    { numbers: [44, 19, 35], target: 98, response: '<think>x</think><answer>44+19+35</answer>' },
    { numbers: [44, 19, 35], target: 98, response: '<answer>44**19**35</answer>' },
    { numbers: [44, 19, 35], target: 98, response: 'no tags' },
    { numbers: [44, 19, 35], target: 98 },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n');
  const r = rlab(['score', '--jsonl', '-', '--format', '0.2', '--correct', '2'], input);
  assert.equal(r.status, 1);
  const out = jsonLines(r.stdout);
  assert.deepEqual(
    out.slice(0, 3).map((o) => [o.verdict, o.score]),
    [
      ['correct', 2],
      ['unparsable', 0.2],
      ['no-answer', 0],
    ],
  );
  assert.equal(out[1]!.error, undefined, 'a scored answer never carries the bad-line "error" field');
  assert.match(String(out[1]!.reason), /expected a number or '\(' but found '\*'/);
  assert.match(String(out[3]!.error), /"response" must be a string/);
});

test('generate is reproducible, splits are disjoint, and options are checked', () => {
  const args = ['generate', '--numbers', '3', '--values', '1..99', '--target', '10..100', '--count', '50', '--seed', '7'];
  const a = rlab(args);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, rlab(args).stdout);
  const train = jsonLines(a.stdout);
  assert.equal(train.length, 50);
  const test = jsonLines(rlab([...args, '--split', 'test', '--test-size', '50']).stdout);
  const key = (p: Record<string, unknown>): string => `${[...(p.numbers as number[])].sort((x, y) => x - y)}>${p.target}`;
  const trainKeys = new Set(train.map(key));
  assert.ok(test.every((p) => !trainKeys.has(key(p))));
  for (const bad of [['--values', '99..1'], ['--count', 'many'], ['--split', 'dev'], ['--operators', '+^'], ['--numbers', '9']]) {
    const r = rlab(['generate', ...bad]);
    assert.notEqual(r.status, 0, bad.join(' '));
    assert.ok(r.stderr.length > 0, bad.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('bad arguments give a clear message and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['solve', '44', '19'], /--target <n> is required/],
    [['solve', '44', 'x', '--target', '9'], /numbers/],
    [['solve', '--target', 'nine', '1'], /not an integer/],
    [['solve', '--jsonl', join(dir, 'missing.jsonl')], /cannot read .*no such file/],
    [['score'], /--jsonl/],
    [['frobnicate'], /unknown command/],
  ];
  for (const [args, message] of cases) {
    const r = rlab(args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('a batch piped into a reader that stops early ends quietly (no EPIPE stack trace)', async () => {
  const own = mkdtempSync(join(tmpdir(), 'rlab-epipe-'));
  try {
    const input = join(own, 'cases.jsonl');
    writeFileSync(input, Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ numbers: [1, 2, 3], target: 6, response: `<answer>1+2+3</answer> ${i}` })).join('\n') + '\n');
    // As `rlab score --jsonl cases.jsonl | head -2`: the reader takes the first lines, then closes the pipe.
    const child = spawn(process.execPath, [cli, 'score', '--jsonl', input], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
});
