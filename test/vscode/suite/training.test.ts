// The run commands end to end in the real extension host, on a tiny spec that
// trains in seconds: Start Training, Resume refused for a finished run,
// Continue for More Steps, Start RL from a checkpoint, Evaluate Checkpoint with
// the split and k chosen, Open Spec of Run, and a device this machine lacks.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { COMMANDS } from '../../../src/core/protocol/commands';
import { RL_TINY_SPEC } from '../../fixtures/rl-tiny';
import { runFile } from '../../../src/core/run/layout';
import { installedBackends } from '../../../src/core/spec/devices';
import type { Ctx } from '../../../src/extension/ctx';
import { activeCtx, waitFor, workspaceRoot } from './util';

/** The tiny spec, under its own name so the runs it makes are this suite's. */
const TINY = RL_TINY_SPEC.replace('name "rl-tiny"', 'name "host-tiny"');

/** Waits for a run to end in the store, and returns its info. */
const ended = (ctx: Ctx, id: string) =>
  waitFor(`${id} to end`, () => {
    const info = ctx.store.get(id)?.info;
    return info && info.status !== 'running' && info;
  }, 120_000);

export function defineTrainingTests(): void {
  describe('training commands', function () {
    this.timeout(180_000);
    let ctx: Ctx;
    let spec: vscode.Uri;
    let finished: string;

    const made: string[] = [];
    before(async () => {
      ctx = await activeCtx();
      spec = vscode.Uri.file(path.join(workspaceRoot(), 'host-tiny.countdown'));
      writeFileSync(spec.fsPath, TINY);
      made.push(spec.fsPath);
    });
    after(() => {
      for (const run of ctx.store.list()) if (run.info.name === 'host-tiny') made.push(run.dir);
      for (const file of made) rmSync(file, { recursive: true, force: true });
      ctx.tailer?.rescan();
    });

    it('Start Training trains a spec to the end, recording its spec file', async () => {
      const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.startTraining, spec);
      assert.ok(id, 'a run started');
      const info = await ended(ctx, id);
      assert.deepEqual([info.status, info.step, info.specFile], ['done', { pretrain: 2, rl: 4 }, spec.fsPath]);
      finished = id;
    });

    it('Resume is refused for a finished run; Continue for More Steps trains it on as a new run', async () => {
      assert.equal(await vscode.commands.executeCommand(COMMANDS.resumeRun, finished), undefined);
      const before = readFileSync(runFile(ctx.store.get(finished)!.dir, 'run'), 'utf8');
      const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.continueRun, finished, 2);
      assert.ok(id && id !== finished, 'a new run');
      const info = await ended(ctx, id);
      assert.deepEqual([info.status, info.step, info.config.rl.steps, info.parent], ['done', { pretrain: 2, rl: 6 }, 6, ctx.store.get(finished)!.dir]);
      assert.equal(readFileSync(runFile(ctx.store.get(finished)!.dir, 'run'), 'utf8'), before, 'the finished run keeps its record');
    });

    it('Start RL from a checkpoint: a new RL run from the run\'s pretraining checkpoint, with the spec given', async () => {
      const id = await vscode.commands.executeCommand<string | undefined>(COMMANDS.startRlFromCheckpoint, finished, spec);
      assert.ok(id);
      const info = await ended(ctx, id);
      assert.deepEqual([info.status, info.stage, info.step.rl], ['done', 'rl', 4]);
      assert.equal(info.parent, path.join(ctx.store.get(finished)!.dir, 'checkpoints', 'step-000002'));
    });

    it('Evaluate Checkpoint runs on the chosen split and k, and the result joins the run\'s evaluations', async () => {
      const record = await vscode.commands.executeCommand<{ k: number; split: string } | undefined>(COMMANDS.evaluateCheckpoint, finished, { split: 'test', samples: 3 });
      assert.deepEqual([record?.k, record?.split], [3, 'test']);
      await waitFor('the evaluation in the store', () => ctx.store.get(finished)!.evals.some((e) => e.requested && e.k === 3));
    });

    it('Open Spec of Run opens the file the run was started from', async () => {
      const file = await vscode.commands.executeCommand<string>(COMMANDS.openRunSpec, finished);
      assert.equal(file, spec.fsPath);
      assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, spec.fsPath);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a device this machine cannot load is an error on its line, and Train starts nothing', async function () {
      if (installedBackends(ctx.asAbsolutePath('.')).includes('tensorflow-gpu')) this.skip();
      const gpu = vscode.Uri.file(path.join(workspaceRoot(), 'host-gpu.countdown'));
      writeFileSync(gpu.fsPath, TINY.replace('device wasm', 'device gpu'));
      made.push(gpu.fsPath);
      const doc = await vscode.workspace.openTextDocument(gpu);
      await vscode.window.showTextDocument(doc);
      const diagnostic = await waitFor('the device diagnostic', () => vscode.languages.getDiagnostics(gpu).find((d) => d.message.startsWith('device gpu needs')));
      assert.equal(diagnostic.range.start.line, TINY.split('\n').indexOf('device wasm'));
      const runs = readdirSync(ctx.runsRoot!);
      assert.equal(await vscode.commands.executeCommand(COMMANDS.startTraining, gpu), undefined);
      assert.deepEqual(readdirSync(ctx.runsRoot!), runs);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  });
}
