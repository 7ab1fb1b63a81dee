// Records the colour variables VS Code gives a webview under a few themes
// (code-server 4.100.3, the dashboard opened in it), as the fixtures the
// webview tests render the dashboard with: `node test/webview/capture-themes.mjs`
// after `npm run build`. Run again when VS Code's version changes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCodeServer } from '../vscode/codeServer.mjs';
import { runCommand } from '../vscode/ui.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'test', 'webview', 'themes');
/** `workbench.colorTheme` → fixture file. */
const THEMES = {
  'Default Light Modern': 'light-modern',
  'Default Dark Modern': 'dark-modern',
  'Solarized Light': 'solarized-light',
  'Default High Contrast Light': 'high-contrast-light',
};

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlab-themes-'));
const workspace = path.join(tmp, 'workspace');
mkdirSync(workspace);
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
try {
  for (const [theme, file] of Object.entries(THEMES)) {
    const server = await startCodeServer({ tmp: path.join(tmp, file), log: console.log, settings: { 'workbench.colorTheme': theme } });
    try {
      const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${root}`]];
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await runCommand(page, 'Reasoning Lab: Open Dashboard');
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await frame.locator('main.dashboard').waitFor({ timeout: 30_000 });
      // The webview gets the theme's variables on its root element, and a theme class on its body.
      const captured = await frame.locator('html').evaluate((html) => {
        const style = html.getAttribute('style') ?? '';
        const variables = Object.fromEntries(style.split(';').map((d) => d.trim()).filter((d) => d.startsWith('--vscode-')).map((d) => [d.slice(0, d.indexOf(':')).trim(), d.slice(d.indexOf(':') + 1).trim()]));
        return { bodyClass: document.body.className, kind: document.body.dataset.vscodeThemeKind ?? '', variables };
      });
      const count = Object.keys(captured.variables).length;
      if (count < 100) throw new Error(`${theme}: only ${count} variables captured`);
      writeFileSync(path.join(out, `${file}.json`), JSON.stringify({ theme, ...captured }, null, 1) + '\n');
      console.log(`${theme}: ${count} variables, body class "${captured.bodyClass}" → test/webview/themes/${file}.json`);
      await page.close();
    } finally {
      await server.stop();
    }
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
