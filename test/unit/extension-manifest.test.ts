// package.json against the one table of command ids: what it contributes, and
// every place it names a command (menus, the welcome view's links).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { COMMANDS } from '../../src/core/protocol/commands';

const manifest = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string }[]>;
    viewsWelcome: { contents: string }[];
  };
};
const ids: string[] = Object.values(COMMANDS);

test('package.json contributes exactly the commands of COMMANDS', () => {
  assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), [...ids].sort());
});

test('every command package.json names in menus and links is one of COMMANDS', () => {
  const named = [
    ...Object.values(manifest.contributes.menus).flatMap((items) => items.map((i) => i.command)),
    ...manifest.contributes.viewsWelcome.flatMap((v) => [...v.contents.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]!)),
  ];
  assert.ok(named.length > 10);
  assert.deepEqual(named.filter((c) => !ids.includes(c)), []);
});
