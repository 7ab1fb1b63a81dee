// Runs written to disk (as a trainer or the CLI would) show up, stream, and
// open as trace documents; a run whose trainer is gone is marked failed.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { RunInfo, StepRecord, TraceRecord } from '../../../src/core/protocol/records';
import { runFile } from '../../../src/core/run/layout';
import { resolveSpec } from '../../../src/core/spec/resolve';
import { activeCtx, waitFor } from './util';

function runInfo(id: string, status: RunInfo['status'], pid: number | null): RunInfo {
  const config = resolveSpec('task { }').config;
  assert.ok(config, 'a spec with only `task { }` resolves');
  return {
    id, name: id, status, pid, seed: 1, stage: 'all', backend: { name: 'cpu', threads: 1, simd: false }, versions: {},
    config, startedAt: new Date().toISOString(), endedAt: null, step: { pretrain: 0, rl: 0 }, error: null, parent: null,
  };
}

const step = (n: number): StepRecord => ({ phase: 'rl', step: n, time: Date.now(), rewardMean: n / 10, accuracy: n / 20 });
const trace: TraceRecord = {
  phase: 'rl', step: 2, split: 'train', numbers: [44, 19, 35], target: 98, prompt: 'Using the numbers [44, 19, 35], create an equation that equals 98.',
  completion: '<think>44 + 19 + 35 = 98</think> <answer>44 + 19 + 35</answer>', reward: 1, verdict: 'correct', sample: 0, truncated: false,
};

export function defineRunsTests(): void {
  describe('runs from disk', () => {
    const made: string[] = [];
    after(() => {
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
    });

    it('finds a run, follows its JSONL files across a torn last line, and opens a trace', async () => {
      const ctx = await activeCtx();
      const dir = path.join(ctx.runsRoot!, 'harness-stream');
      made.push(dir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(runFile(dir, 'traces'), JSON.stringify(trace) + '\n');
      const line3 = JSON.stringify(step(3));
      writeFileSync(runFile(dir, 'metrics'), `${JSON.stringify(step(1))}\n${JSON.stringify(step(2))}\n${line3.slice(0, 10)}`);
      writeFileSync(runFile(dir, 'run'), JSON.stringify(runInfo('harness-stream', 'done', null)));
      const run = await waitFor('the run in the store with 2 steps', () => {
        const r = ctx.store.get('harness-stream');
        return r && r.steps.length === 2 && r;
      });
      assert.equal(run.traces.length, 1);
      appendFileSync(runFile(dir, 'metrics'), `${line3.slice(10)}\n`);
      await waitFor('the torn line completed', () => ctx.store.get('harness-stream')!.steps.length === 3);
      assert.equal(ctx.store.get('harness-stream')!.steps[2]!.step, 3);

      await vscode.commands.executeCommand('reasoningLab.openTrace', 'harness-stream', 0);
      const editor = await waitFor('the trace editor', () => vscode.window.activeTextEditor?.document.uri.scheme === 'rlab-trace' && vscode.window.activeTextEditor);
      assert.equal(editor.document.languageId, 'countdown-trace');
      assert.equal(editor.document.uri.path, '/harness-stream/harness-stream-0.trace', 'the tab names the run');
      const text = editor.document.getText();
      assert.ok(text.includes('<answer>44 + 19 + 35</answer>'), text);
      assert.ok(text.includes('verdict correct'), text);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

      const csv = vscode.Uri.file(path.join(dir, '..', 'harness-stream.csv'));
      made.push(csv.fsPath);
      await vscode.commands.executeCommand('reasoningLab.exportMetrics', 'harness-stream', csv);
      const lines = readFileSync(csv.fsPath, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 4, 'a header and three steps');
      assert.ok(lines[0]!.startsWith('phase,step,time,'), lines[0]);
      assert.ok(lines[3]!.startsWith('rl,3,'), lines[3]);
    });

    it('marks a run failed when its trainer is gone, keeping its lines', async () => {
      const ctx = await activeCtx();
      const dir = path.join(ctx.runsRoot!, 'harness-crashed');
      made.push(dir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(runFile(dir, 'metrics'), `${JSON.stringify(step(1))}\n`);
      // pid 2^22 + 1 is above Linux's pid_max: certainly not a live process.
      writeFileSync(runFile(dir, 'run'), JSON.stringify(runInfo('harness-crashed', 'running', 4_194_305)));
      const run = await waitFor('the run marked failed', () => {
        const r = ctx.store.get('harness-crashed');
        return r?.info.status === 'failed' && r;
      });
      assert.match(run.info.error ?? '', /ended without finishing/);
      assert.equal(run.steps.length, 1);
      const onDisk = JSON.parse(readFileSync(runFile(dir, 'run'), 'utf8')) as RunInfo;
      assert.equal(onDisk.status, 'failed');
    });

    it('opens the dashboard on one run, and on several to compare them', async () => {
      const dashboardTab = (label: string) => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === label);
      await vscode.commands.executeCommand('reasoningLab.openDashboard', 'harness-stream');
      await waitFor('the dashboard of one run', () => dashboardTab('Reasoning Lab: harness-stream'));
      await vscode.commands.executeCommand('reasoningLab.compareRuns', ['harness-stream', 'harness-crashed']);
      const tab = await waitFor('the dashboard comparing two runs', () => dashboardTab('Reasoning Lab: 2 runs'));
      await vscode.window.tabGroups.close(tab);
    });

    it('drops a run whose folder is deleted', async () => {
      const ctx = await activeCtx();
      const dir = path.join(ctx.runsRoot!, 'harness-deleted');
      mkdirSync(dir, { recursive: true });
      writeFileSync(runFile(dir, 'run'), JSON.stringify(runInfo('harness-deleted', 'done', null)));
      await waitFor('the run in the store', () => ctx.store.get('harness-deleted'));
      rmSync(dir, { recursive: true, force: true });
      await waitFor('the run gone from the store', () => ctx.store.get('harness-deleted') === undefined);
    });
  });
}
