// `rlab check` as a user runs it: the bundled CLI in a child process, on real files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';

const dir = mkdtempSync(join(tmpdir(), 'rlab-check-'));
const cli = join(dir, 'cli.js');
const rlab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('rlab check', () => {
  before(async () => {
    // The same bundle options as esbuild.mjs uses for dist/cli.js.
    await build({
      entryPoints: ['src/trainer/cli/main.ts'],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'silent',
      external: ['@tensorflow/*'],
    });
    writeFileSync(join(dir, 'bad.countdown'), 'task {\n  numbrs 3\n}\nrl { group 1 }\nproblems {\n  1 2 3 -> 99\n}\n');
    writeFileSync(join(dir, 'good.countdown'), 'task { }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on a clean spec', () => {
    const run = rlab('check', 'examples/countdown-3.countdown', join(dir, 'good.countdown'));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /0 errors, 0 warnings in 2 files/);
  });

  it('prints file:line:col: severity: message and exits 1 on errors', () => {
    const file = join(dir, 'bad.countdown');
    const run = rlab('check', file);
    assert.equal(run.status, 1);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `${file}:2:3: error: unknown key \`numbrs\` in \`task\`; did you mean \`numbers\`?`,
      `${file}:4:6: error: \`grpo\` compares the samples of one prompt, so \`group\` must be at least 2 (it is 1)`,
      `${file}:6:3: warning: 1 2 3 -> 99 cannot be solved: no expression with + - * / using each number once makes 99`,
    ]);
    assert.match(run.stderr, /2 errors, 1 warning in 1 file/);
  });

  it('prints JSON for tools', () => {
    const run = rlab('check', '--json', join(dir, 'bad.countdown'));
    assert.equal(run.status, 1);
    const out = JSON.parse(run.stdout) as { errors: number; warnings: number; files: { diagnostics: { line: number; column: number; code: string }[] }[] };
    assert.equal(out.errors, 2);
    assert.equal(out.warnings, 1);
    assert.deepEqual(out.files[0]!.diagnostics.map((d) => [d.line, d.column, d.code]), [[2, 3, 'unknown-key'], [4, 6, 'rule'], [6, 3, 'unsolvable']]);
  });

  it('says so when a file cannot be read, and exits 2', () => {
    const run = rlab('check', join(dir, 'missing.countdown'));
    assert.equal(run.status, 2);
    assert.match(run.stderr, /missing\.countdown: error: cannot read the file/);
  });
});
