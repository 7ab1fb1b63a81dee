// `npm start`: build and package the extension, install it into the local
// code-server (.cache/code-server, see scripts/install-code-server.mjs) and
// serve VS Code on 127.0.0.1 with the examples/ workspace. Prints the URL;
// Ctrl-C stops it. State (settings, the installed extension) lives in .cache/serve.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin } from './install-code-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const state = path.join(root, '.cache', 'serve');
const port = Number(process.env.PORT ?? 8080);
const workspace = path.join(root, 'examples');

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });

if (!existsSync(codeServerBin)) run(process.execPath, [path.join(root, 'scripts', 'install-code-server.mjs')]);
run('npm', ['run', 'package']);

const dirs = Object.fromEntries(['user-data', 'extensions', 'config', 'data'].map((d) => [d, path.join(state, d)]));
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
const settings = path.join(dirs['user-data'], 'User', 'settings.json');
if (!existsSync(settings)) {
  mkdirSync(path.dirname(settings), { recursive: true });
  writeFileSync(settings, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'extensions.autoCheckUpdates': false }, null, 2));
}
const config = path.join(state, 'code-server.yaml');
writeFileSync(config, 'auth: none\ncert: false\n');
const env = { ...process.env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data };
const common = ['--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions, '--config', config];

run(codeServerBin, [...common, '--install-extension', path.join(root, 'reasoning-lab.vsix'), '--force'], { env });

const server = spawn(
  codeServerBin,
  [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', workspace],
  // Its own process group, so that stopping it also stops its extension host and watchers.
  { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
);
const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
for (let i = 0; i < 300; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {
    // not yet listening
  }
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`\nReasoning Lab in VS Code: ${url}\n(open it in a browser; Ctrl-C stops the server)\n`);
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => process.exit(code ?? 0));
