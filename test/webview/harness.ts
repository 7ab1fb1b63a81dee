// Runs the dashboard bundle in Debian's Chromium the way VS Code hosts it: the
// page the panel host builds (same CSP, nonce and asset links), served over
// HTTP from a temp folder, with a stub `acquireVsCodeApi` that records intents.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ToWebview, WebviewIntent } from '../../src/core/protocol/webview';
import { dashboardHtml, makeNonce } from '../../src/extension/dashboard/html';

const root = path.resolve(import.meta.dirname, '../..');

/** The flags vscode-testing.md lists for headless Debian Chromium. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Harness {
  browser: Browser;
  url: string;
  close(): Promise<void>;
}

/**
 * Bundles webview/main.ts (browser, iife, as esbuild.mjs does for dist/webview)
 * into a temp folder so the test never reads a stale dist, serves it and
 * starts Chromium.
 */
export async function startHarness(extraArgs: string[] = []): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlab-webview-'));
  await esbuild.build({
    entryPoints: [path.join(root, 'webview/main.ts')],
    outdir: dir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    loader: { '.css': 'css', '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    logLevel: 'error',
  });
  const server: Server = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const name = (req.url ?? '/').split('?')[0]!;
    if (name === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(dashboardHtml({ cspSource: origin, nonce: makeNonce(), scriptUri: `${origin}/main.js`, styleUri: `${origin}/main.css` }));
      return;
    }
    if (name === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = path.join(dir, path.basename(name));
    let body: Buffer;
    try {
      body = readFileSync(file);
    } catch {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  // Playwright gives the browser a fresh temporary profile of its own.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] }).catch((error: unknown) => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    browser,
    url,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface DashboardPage {
  page: Page;
  /** Intents the webview posted, in order. */
  posted(): Promise<WebviewIntent[]>;
  send(message: ToWebview): Promise<void>;
  dialogs: string[];
  /** Console errors, page errors and CSP violations. */
  problems: string[];
}

declare global {
  interface Window {
    __posted: unknown[];
    __state: unknown;
  }
}

/**
 * Stands in for VS Code's `acquireVsCodeApi`; runs before the bundle. `__name`
 * is the helper tsx wraps around named inner functions: functions the tests
 * pass to page.evaluate carry calls to it.
 */
const STUB_VSCODE_API = `
  window.__name = (target) => target;
  window.__posted = [];
  window.__state = undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => window.__state,
    setState: (s) => { window.__state = s; },
  });
  document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
`;

export async function openDashboard(h: Harness, viewport = { width: 1280, height: 900 }): Promise<DashboardPage> {
  const page = await h.browser.newPage({ viewport });
  const dialogs: string[] = [];
  const problems: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.addInitScript(STUB_VSCODE_API);
  await page.goto(h.url);
  await page.waitForFunction(() => window.__posted.length > 0, undefined, { timeout: 10_000 }).catch((error: Error) => {
    throw new Error(`the dashboard did not post 'ready': ${problems.join('; ') || error.message}`);
  });
  return {
    page,
    dialogs,
    problems,
    posted: () => page.evaluate(() => window.__posted as WebviewIntent[]),
    send: (message) => page.evaluate((m) => window.postMessage(m, '*'), message),
  };
}
