// What both VS Code runners (code-server here, desktop Electron elsewhere)
// need: the in-host mocha suite bundled, and a workspace folder to open.
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

/** Bundles test/vscode/suite into out/vscode-suite/index.js; returns its path. */
export async function buildSuite(root) {
  const outfile = path.join(root, 'out', 'vscode-suite', 'index.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'test/vscode/suite/index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // mocha resolves from the repository's node_modules (out/ sits beside it).
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return outfile;
}

/** The examples, plus a spec with a misspelled key for the Problems panel and the Check command. */
export function makeWorkspace(root, dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(path.join(root, 'examples'))) cpSync(path.join(root, 'examples', f), path.join(dir, f), { recursive: true });
  writeFileSync(path.join(dir, 'broken.countdown'), 'task {\n  numbers  3\n  valeus   1..99\n}\n');
  return dir;
}
