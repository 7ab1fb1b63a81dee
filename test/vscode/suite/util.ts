// Helpers for the in-host tests.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Ctx } from '../../../src/extension/ctx';

export const EXTENSION_ID = 'reasoning-lab.reasoning-lab';

export async function activeCtx(): Promise<Ctx> {
  const extension = vscode.extensions.getExtension<{ ctx: Ctx }>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  const api = await extension.activate();
  return api.ctx;
}

/** Waits until `probe` returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens a workspace folder');
  return folder.uri.fsPath;
}
