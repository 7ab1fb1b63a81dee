// The UI scenario of the VS Code harness: what a user does, checked on what
// the workbench shows. Each step logs PASS or FAIL; the first failure ends it.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Runs a palette command, retrying until the extension has registered it. */
export async function runCommand(page, title, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 2000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      if (Date.now() > end) throw new Error(`the palette never offered "${title}"`);
    }
  }
}

/**
 * Shows the runs view through its "View: Show" command, which only ever opens it: clicking the
 * activity-bar icon toggles, and right after a reload the restoring sidebar turned that click into a close.
 */
async function openRunsView(page) {
  const title = page.locator('.sidebar .composite.title', { hasText: /Reasoning Lab/i });
  if (!(await title.isVisible().catch(() => false))) await runCommand(page, 'View: Show Reasoning Lab');
  await title.waitFor({ state: 'visible', timeout: 10_000 });
}

const treeRow = (page, text) => page.locator('.sidebar .monaco-list-row', { hasText: text }).first();

export async function uiScenario({ browser, pageUrl, root, artifacts, log }) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
  let step = 'open the workbench';
  const pass = (what) => log(`PASS: ${what}`);
  try {
    await page.goto(pageUrl);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    pass('workbench loaded');

    step = 'Show Version from the palette';
    await runCommand(page, 'Reasoning Lab: Show Version');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Reasoning Lab 0.1.0' });
    await toast.first().waitFor({ timeout: 15_000 });
    pass(`palette command shows "${(await toast.first().innerText()).split('\n')[0]}"`);
    await page.keyboard.press('Escape');

    step = 'the runs view';
    await openRunsView(page);
    await page.locator('.sidebar', { hasText: 'No runs yet' }).first().waitFor({ timeout: 10_000 });
    await shot('sidebar-empty');
    pass('the runs view shows its welcome content');

    const languages = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).contributes.languages ?? [];
    if (existsSync(path.join(root, 'dist', 'server.js')) && languages.some((l) => l.id === 'countdown')) {
      step = 'a diagnostic in the Problems panel';
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').fill('broken.countdown');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'broken.countdown' }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      await page.locator('.tab', { hasText: 'broken.countdown' }).waitFor({ timeout: 15_000 });
      await runCommand(page, 'View: Focus Problems');
      const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'values' }).first();
      await problem.waitFor({ timeout: 30_000 });
      await shot('problems');
      pass(`the Problems panel shows "${(await problem.innerText()).replace(/\s+/g, ' ').slice(0, 100)}"`);
    } else {
      log('SKIP: the Problems panel step (no language server yet: dist/server.js or the countdown language is missing)');
    }

    step = 'New Countdown Experiment';
    await runCommand(page, 'Reasoning Lab: New Countdown Experiment');
    await page.locator('.quick-input-widget input').fill('harness-nano');
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'harness-nano.countdown' }).waitFor({ timeout: 15_000 });
    pass('New Countdown Experiment created and opened harness-nano.countdown');

    step = 'Start Training: the status bar counts steps';
    await page.locator('.tab', { hasText: 'harness-nano.countdown' }).click();
    await runCommand(page, 'Reasoning Lab: Start Training');
    const status = page.locator('.statusbar-item', { hasText: /pretrain [1-9]\d*\/\d+/ }).first();
    await status.waitFor({ timeout: 120_000 });
    pass(`the status bar shows "${(await status.innerText()).trim()}"`);

    step = 'the dashboard updates';
    const dashboard = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await dashboard.locator('body', { hasText: 'harness-nano' }).waitFor({ timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: /pretrain ([3-9]|\d\d)\/\d+ · ~[\d a-z]+ left/ }).first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1000);
    await shot('dashboard');
    pass('the dashboard shows the run while it trains');

    step = 'open a trace from the runs view';
    await openRunsView(page);
    await treeRow(page, 'harness-nano').locator('.monaco-tl-twistie').click();
    await treeRow(page, 'Latest traces').locator('.monaco-tl-twistie').click();
    // Runs are at level 1, their groups at 2, traces at 3.
    const trace = page.locator('.sidebar .monaco-list-row[aria-level="3"]', { hasText: /step \d+ · / }).first();
    await trace.waitFor({ timeout: 120_000 });
    await shot('sidebar');
    await page.locator('.tab', { hasText: 'Reasoning Lab: harness-nano' }).click();
    await page.waitForTimeout(1000);
    await shot('dashboard-live');
    const traceTab = page.locator('.tab', { hasText: '.trace' }).first();
    // The runs view re-renders a training run's rows once a second, and a click that lands
    // while its row is replaced is lost; the faster trainer lost three in a row once in CI.
    for (let attempt = 1; ; attempt++) {
      await trace.click();
      try {
        await traceTab.waitFor({ timeout: 5000 });
        break;
      } catch (err) {
        if (attempt === 6) throw err;
      }
    }
    pass('a trace opened from the runs view in a read-only editor');

    step = 'reload while training: the window reattaches to the live trainer';
    const stepNow = Number(/pretrain (\d+)\//.exec(await page.locator('.statusbar-item', { hasText: /pretrain \d+\// }).first().innerText())[1]);
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForTimeout(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await openRunsView(page);
    await treeRow(page, /harness-nano.*running/).waitFor({ timeout: 30_000 });
    const later = new RegExp(`pretrain (${Array.from({ length: 200 }, (_, i) => stepNow + 1 + i).join('|')})/`);
    const reattached = page.locator('.statusbar-item', { hasText: later }).first();
    await reattached.waitFor({ timeout: 90_000 });
    pass(`after a reload the run is still live and followed: status bar went from step ${stepNow} to "${(await reattached.innerText()).trim()}"`);

    step = 'Stop Run';
    await runCommand(page, 'Reasoning Lab: Stop Run');
    // The trainer stops at the end of its current step (or evaluation).
    await treeRow(page, /harness-nano.*stopped/).waitFor({ timeout: 120_000 });
    pass('Stop Run stopped the reattached trainer (SIGTERM: checkpoint, then exit) and the runs view says so');

    step = 'reload the window and find the run again';
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForTimeout(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await openRunsView(page);
    await treeRow(page, /harness-nano.*stopped/).waitFor({ timeout: 30_000 });
    pass('after a reload the runs view shows the stopped run');

    step = 'the dashboard comes back after the reload';
    await page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('body', { hasText: 'harness-nano' }).waitFor({ timeout: 30_000 });
    await shot('after-reload');
    pass('the dashboard panel was restored with the run after the reload');

    await context.close();
    return true;
  } catch (err) {
    log(`FAIL: ${step}: ${err.message.split('\n')[0]}`);
    await shot('failure').catch(() => undefined);
    await context.close().catch(() => undefined);
    return false;
  }
}
