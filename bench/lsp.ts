// `npm run bench:lsp`: language-server latency on a generated 5,000-line spec.
// Diagnostics after an edit (re-parse + full validation of a new document
// version, as the server does after each keystroke) and completion at a key
// (a new version each time too). Targets: diagnostics < 50 ms, completion <
// 10 ms. The peer is JSON.parse of the same content as JSON, measured in the
// same run, so the ratio says how far the spec pipeline is from the cheapest
// possible parse on this machine. Writes bench/results/lsp.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { doComplete } from '../src/server/completion';
import { computeDiagnostics } from '../src/server/diagnostics';

const LINES = 5000;
const RUNS = Number(process.env.BENCH_RUNS ?? 40);

/** All blocks with their keys, then comments and problem lines up to LINES lines. */
function generateSpec(): { text: string; problems: { numbers: number[]; target: number }[] } {
  const head = [
    '# generated for bench:lsp',
    'name "bench"',
    'task {',
    '  numbers    3',
    '  values     1..99',
    '  target     10..100',
    '  operators  + - * /',
    '  train      10000',
    '  test       200',
    '}',
    'rl {',
    '  algorithm    grpo',
    '  group        8',
    '  ',
    '  max-tokens   160',
    '}',
    'model { preset nano }',
    'problems {',
  ];
  const lines = [...head];
  const problems: { numbers: number[]; target: number }[] = [];
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  while (lines.length < LINES - 1) {
    if (lines.length % 10 === 0) {
      lines.push('  # a comment between problem lines');
      continue;
    }
    const p = { numbers: [1 + next(99), 1 + next(99), 1 + next(99)], target: 10 + next(91) };
    problems.push(p);
    lines.push(`  ${p.numbers.join(' ')} -> ${p.target}`);
  }
  lines.push('}');
  return { text: `${lines.join('\n')}\n`, problems };
}

function stats(samples: number[]): { median: number; p95: number; min: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { median: +q(0.5).toFixed(3), p95: +q(0.95).toFixed(3), min: +s[0]!.toFixed(3) };
}

/** Wall-clock ms of one call; its process CPU ms go to `cpu` (on a shared, busy machine wall time waits for a core). */
function time(fn: () => void, cpu?: number[]): number {
  const c = process.cpuUsage();
  const t = performance.now();
  fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(c);
  cpu?.push((used.user + used.system) / 1000);
  return wall;
}

const { text, problems } = generateSpec();
const lineCount = text.split('\n').length - 1;
const json = JSON.stringify({ task: { numbers: 3, values: [1, 99], target: [10, 100] }, problems }, null, 1);
const uri = 'file:///bench.countdown';
const blankKeyLine = { line: 13, character: 2 };

// Cold: the first validation solves every problem line once.
let version = 1;
const cold = time(() => computeDiagnostics(TextDocument.create(uri, 'countdown', version++, text)));

const diagnostics: number[] = [];
const completion: number[] = [];
const diagnosticsCpu: number[] = [];
const completionCpu: number[] = [];
const peer: number[] = [];
let diagnosticCount = 0;
for (let i = 0; i < RUNS; i++) {
  // An edit: one problem line changes, so one problem is new to the solver.
  const edited = text.replace(/\n {2}(\d+) /, `\n  ${1 + (i % 99)} `);
  const doc = TextDocument.create(uri, 'countdown', version++, edited);
  diagnostics.push(time(() => (diagnosticCount = computeDiagnostics(doc).length), diagnosticsCpu));
  const fresh = TextDocument.create(uri, 'countdown', version++, edited);
  let items = 0;
  completion.push(time(() => (items = doComplete(fresh, blankKeyLine).items.length), completionCpu));
  if (items === 0) throw new Error('completion returned nothing; the bench position is wrong');
  peer.push(time(() => JSON.parse(json)));
}

const result = {
  lines: lineCount,
  problemLines: problems.length,
  runs: RUNS,
  diagnosticsCold: +cold.toFixed(3),
  diagnostics: stats(diagnostics),
  completion: stats(completion),
  diagnosticsCpu: stats(diagnosticsCpu),
  completionCpu: stats(completionCpu),
  loadAverage: os.loadavg()[0]!,
  cores: os.cpus().length,
  peerJsonParse: stats(peer),
  ratioDiagnosticsToPeer: +(stats(diagnostics).median / stats(peer).median).toFixed(1),
  targets: { diagnosticsMs: 50, completionMs: 10 },
  meetsTargets: stats(diagnostics).median < 50 && stats(completion).median < 10,
  diagnosticCount,
  node: process.version,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/lsp.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(`spec: ${lineCount} lines, ${problems.length} problem lines, ${RUNS} runs`);
console.log(`diagnostics (cold, first open): ${result.diagnosticsCold} ms`);
console.log(`diagnostics after an edit: median ${result.diagnostics.median} ms, p95 ${result.diagnostics.p95} ms, min ${result.diagnostics.min} ms (target < 50 ms)`);
console.log(`completion:                median ${result.completion.median} ms, p95 ${result.completion.p95} ms, min ${result.completion.min} ms (target < 10 ms)`);
console.log(`process CPU time: diagnostics median ${result.diagnosticsCpu.median} ms, completion median ${result.completionCpu.median} ms (load average ${result.loadAverage.toFixed(1)} on ${result.cores} cores)`);
console.log(`peer JSON.parse, same content: median ${result.peerJsonParse.median} ms; diagnostics / peer = ${result.ratioDiagnosticsToPeer}x`);
console.log(result.meetsTargets ? 'targets met' : 'TARGETS MISSED');
