// `npm run test:vscode`: the extension in a real VS Code (code-server 4.100.3 +
// Debian Chromium + playwright-core, offline). It runs the mocha suite inside
// the extension host (workbench URL `payload`: extensionDevelopmentPath +
// extensionTestsPath), then drives the UI: the palette, the Problems panel,
// the runs view, a training run on the nano preset with the dashboard and the
// status bar, stop, reload, a run killed during start-up and resumed; and in a
// second server with workspace trust on, an untrusted workspace. Screenshots
// go to .test-artifacts/vscode/.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { startCodeServer } from './codeServer.mjs';
import { buildSuite, makeWorkspace } from './prepare.mjs';
import { uiScenario, untrustedScenario } from './ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, '.test-artifacts', 'vscode');
const started = Date.now();
const log = (line) => console.log(`[test:vscode ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

/** Trainers run in their own process group (they outlive a window by design): stop the test's ones. */
function killTrainers(dir) {
  const runs = path.join(dir, '.rlab', 'runs');
  if (!existsSync(runs)) return;
  for (const id of readdirSync(runs)) {
    try {
      const { pid } = JSON.parse(readFileSync(path.join(runs, id, 'run.json'), 'utf8'));
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // no run.json, no pid, or already gone
    }
  }
}

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--window-size=1440,900',
];

if (!existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.error('test:vscode: dist/extension.js is missing; run `npm run build` first.');
  process.exit(1);
}
if (!existsSync('/usr/bin/chromium')) {
  console.error('test:vscode: /usr/bin/chromium is missing; run `sudo apt-get install chromium` (scripts/setup.sh does).');
  process.exit(1);
}

const suiteOut = await buildSuite(root);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-vscode-'));
const workspace = makeWorkspace(root, path.join(tmp, 'workspace'));
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

let server;
let browser;
let failed = false;
try {
  server = await startCodeServer({ tmp: path.join(tmp, 'code-server'), log });
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const pageUrl = (payload) => `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

  // 1. The mocha suite inside the extension host.
  const hostStart = Date.now();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const exitCode = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
  // The workbench forwards the extension host's console as (level, [format, ...args]).
  await page.exposeFunction('codeAutomationLog', (level, args) => {
    const text = Array.isArray(args) ? format(...args) : String(args);
    if (level === 'error' && !/Error|fail/i.test(text)) return;
    process.stdout.write(`  ${level === 'error' ? '[host error] ' : ''}${text.replace(/\n/g, '\n  ')}\n`);
  });
  await page.goto(pageUrl([
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(suiteOut)],
  ]));
  const code = await Promise.race([exitCode, new Promise((r) => setTimeout(() => r('timeout'), 300_000))]);
  await context.close();
  if (code !== 0) {
    failed = true;
    log(`FAIL: the in-host mocha suite ended with ${code}`);
  } else {
    log(`PASS: in-host mocha suite (${((Date.now() - hostStart) / 1000).toFixed(1)} s)`);
  }

  // 2. The UI, as a user drives it.
  const ui = await uiScenario({ browser, pageUrl: pageUrl([['extensionDevelopmentPath', remote(root)]]), root, workspace, artifacts, log });
  if (!ui) failed = true;

  // 3. An untrusted workspace, in a server with workspace trust on.
  const trustless = await startCodeServer({ tmp: path.join(tmp, 'code-server-trust'), log, trust: true });
  try {
    const untrustedUrl = `${trustless.url}/?folder=${encodeURIComponent(makeWorkspace(root, path.join(tmp, 'untrusted')))}&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${trustless.port}${root}`]]))}`;
    if (!(await untrustedScenario({ browser, pageUrl: untrustedUrl, log }))) failed = true;
  } finally {
    await trustless.stop();
  }
} catch (err) {
  failed = true;
  log(`FAIL: ${err.stack ?? err}`);
  if (server) console.log(`--- code-server output (last 4000 chars) ---\n${server.output().slice(-4000)}`);
} finally {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  killTrainers(workspace);
  rmSync(tmp, { recursive: true, force: true });
}
log(`${failed ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(root, artifacts)}/`);
process.exit(failed ? 1 : 0);
