// `npm run bench:core`: solver problems per CPU-second for 3 to 6 numbers and verifier
// responses per CPU-second, with a peer measured in the same run (TinyZero's regex + eval
// reward and a plain recursive Fraction solver, in Python). JSON goes to
// bench/results/core.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { Problem } from '../src/core/countdown/problem';
import { solve } from '../src/core/countdown/solver';
import { searchTrace } from '../src/core/countdown/traces';
import { scoreAnswer } from '../src/core/countdown/verifier';

const root = resolve(import.meta.dirname, '..');
const rng = xoroshiro128plus(2024);

/** Random problems, solvable or not, as a solver meets them: values 1..99, targets 10..100. */
function randomProblems(count: number, n: number): Problem[] {
  return Array.from({ length: count }, () => ({
    numbers: Array.from({ length: n }, () => unsafeUniformIntDistribution(1, 99, rng)),
    target: unsafeUniformIntDistribution(10, 100, rng),
  }));
}

/** CPU seconds (user + system) of this process: robust on a shared, busy machine, unlike wall time. */
function timeIt(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

// Sizes keep the whole run to a few seconds on a busy 2-core machine.
const sizes: Record<number, number> = { 3: 3000, 4: 1000, 5: 60, 6: 6 };
const peerCounts = new Set([3, 4]);
// Filled for every size below before it is read.
const problems: Record<number, Problem[]> = {};
const problemsOf = (n: number): Problem[] => problems[n]!;
const solver: Record<string, { problemsPerSec: number; msPerProblem: number; solvedShare: number }> = {};
for (const [key, count] of Object.entries(sizes)) {
  const n = Number(key);
  problems[n] = randomProblems(count, n);
  solve(problemsOf(n)[0]!); // warm up
  let solvable = 0;
  const seconds = timeIt(() => {
    for (const p of problemsOf(n)) if (solve(p).solvable) solvable++;
  });
  solver[n] = { problemsPerSec: count / seconds, msPerProblem: (seconds * 1000) / count, solvedShare: solvable / count };
}

// Worst case for 6 numbers: unsolvable problems with large, distinct numbers search everything.
const unsolvable: Problem[] = [
  { numbers: [97, 89, 83, 79, 73, 71], target: 1_000_003 },
  { numbers: [97, 89, 83, 79, 73, 71], target: 999_999_937 },
  { numbers: [99, 98, 97, 96, 95, 94], target: 7_777_777 },
];
const worstMs = (timeIt(() => unsolvable.forEach((p) => solve(p))) * 1000) / unsolvable.length;
const allMs = (timeIt(() => problemsOf(6).forEach((p) => solve(p, { all: true }))) * 1000) / problemsOf(6).length;

// Verifier inputs: search-trace completions (right and wrong answers), answers with
// TinyZero's quirks, and tag-free chatter, on 3- and 4-number problems.
const responses: (Problem & { response: string })[] = [];
for (let i = 0; i < 4000; i++) {
  const p = problemsOf(i % 2 === 0 ? 3 : 4)[i % 1000]!;
  const kind = i % 4;
  const response =
    kind < 2
      ? searchTrace(p, kind === 0 ? 'dfs' : 'bfs', 12, rng).completion
      : kind === 2
        ? `<think>${p.numbers.join(' and ')}</think>\n<answer>(${p.numbers.join(' + ')}) / 1.5</answer>`
        : `I think the answer is ${p.target} but I am not sure about ${p.numbers.join(', ')}.`;
  responses.push({ ...p, response });
}
const rounds = 5;
const verifySeconds = timeIt(() => {
  for (let r = 0; r < rounds; r++) for (const x of responses) scoreAnswer(x.response, x);
});
const verifierPerSec = (responses.length * rounds) / verifySeconds;

interface PeerResult {
  verifierPerSec: number;
  solverPerSec: Record<string, number>;
}
let peer = null as PeerResult | null;
const dir = mkdtempSync(join(tmpdir(), 'rlab-bench-'));
try {
  const input = join(dir, 'input.json');
  const peerProblems = Object.fromEntries([...peerCounts].map((n) => [n, problemsOf(n).slice(0, n === 3 ? 300 : 30)]));
  writeFileSync(input, JSON.stringify({ responses, problems: peerProblems }));
  const run = spawnSync('python3', [join(root, 'bench/peer/countdown_peer.py'), input], { encoding: 'utf8', timeout: 120_000 });
  if (run.status === 0) peer = JSON.parse(run.stdout) as PeerResult;
  else console.warn(`bench: the Python peer did not run (${run.error?.message ?? run.stderr.trim()}); ratios are omitted`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));
console.log('solver, per CPU-second (random problems, values 1..99, targets 10..100):');
for (const [n, s] of Object.entries(solver)) {
  const ratio = peer?.solverPerSec[n] ? `  ${(s.problemsPerSec / peer.solverPerSec[n]).toFixed(1)}x the Python peer` : '';
  console.log(`  ${n} numbers: ${fmt(s.problemsPerSec)} problems/s (${s.msPerProblem.toFixed(3)} ms each, ${(s.solvedShare * 100).toFixed(0)}% solvable)${ratio}`);
}
console.log(`  6 numbers, unsolvable (worst case): ${worstMs.toFixed(1)} ms per problem`);
console.log(`  6 numbers, every solution (--all): ${allMs.toFixed(1)} ms per problem`);
const vRatio = peer ? `  ${(verifierPerSec / peer.verifierPerSec).toFixed(1)}x TinyZero's regex + eval in Python` : '';
console.log(`verifier: ${fmt(verifierPerSec)} responses/s${vRatio}`);

const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, 'core.json');
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, solver, solver6UnsolvableMsPerProblem: worstMs, solver6AllSolutionsMsPerProblem: allMs, verifier: { responsesPerSec: verifierPerSec }, peer }, null, 2)}\n`,
);
console.log(`wrote ${file}`);
