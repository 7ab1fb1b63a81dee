// The layers import downwards only: core ← server / trainer ← extension, and
// webview ← core. Read from the import statements of every source file.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** What a file imports: the layer folder of a relative import (`src/core`, `webview`, …), else the package name. */
function imports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specifiers.map((s) => {
    if (!s.startsWith('.')) return s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
    const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)).split(path.sep);
    return target[0] === 'src' ? target.slice(0, 2).join('/') : target[0]!;
  });
}

const RULES: { layer: string; forbidden: RegExp; why: string }[] = [
  { layer: 'src/core', forbidden: /^(vscode|@tensorflow\/.*|src\/(server|trainer|extension)|webview)$/, why: 'core is pure: no vscode, no tfjs, no upper layer' },
  { layer: 'src/server', forbidden: /^(vscode|@tensorflow\/.*|src\/(trainer|extension)|webview)$/, why: 'the server builds on core only' },
  { layer: 'src/trainer', forbidden: /^(vscode|src\/(server|extension)|webview)$/, why: 'the trainer builds on core only' },
  { layer: 'src/extension', forbidden: /^(@tensorflow\/.*|src\/(server|trainer)|webview)$/, why: 'the extension talks to the trainer and server as processes, and reads run folders through core' },
  { layer: 'webview', forbidden: /^(vscode|@tensorflow\/.*|src\/(server|trainer|extension)|node:.*)$/, why: 'the webview is a browser page fed by messages typed in core' },
];

test('each layer imports only the layers below it', () => {
  const broken: string[] = [];
  for (const rule of RULES) {
    for (const file of sources(rule.layer)) {
      for (const target of imports(file)) if (rule.forbidden.test(target)) broken.push(`${file} imports ${target} (${rule.why})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the import reader sees the imports it checks', () => {
  assert.ok(imports('src/extension/main.ts').includes('vscode'));
  assert.ok(imports('src/trainer/engine/run.ts').includes('src/core'));
  assert.ok(imports('src/trainer/backend.ts').includes('@tensorflow/tfjs-core'));
});
