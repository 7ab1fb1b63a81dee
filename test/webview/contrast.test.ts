// WCAG AA in every theme, measured on the rendered dashboard: each run status
// badge and the header's text (a failed run's error), in the colours Chromium computes from the
// variables VS Code gives a webview (captured by capture-themes.mjs).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunStatus } from '../../src/core/protocol/records';
import { fixtureRun } from './fixture-runs';
import { openDashboard, startHarness, type Harness } from './harness';

interface ThemeFixture {
  theme: string;
  bodyClass: string;
  kind: string;
  variables: Record<string, string>;
}

const THEMES = path.join(import.meta.dirname, 'themes');
const themes: ThemeFixture[] = readdirSync(THEMES).map((f) => JSON.parse(readFileSync(path.join(THEMES, f), 'utf8')) as ThemeFixture);
const STATUSES: RunStatus[] = ['running', 'done', 'stopped', 'failed'];

type Rgba = [number, number, number, number];

function parseColour(css: string): Rgba {
  const m = /rgba?\(([^)]+)\)/.exec(css);
  if (!m) throw new Error(`not an rgb colour: ${css}`);
  const [r, g, b, a = 1] = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
  return [r!, g!, b!, a];
}

/** `top` painted over an opaque `bottom`. */
const over = (top: Rgba, bottom: Rgba): Rgba => [0, 1, 2].map((i) => top[i]! * top[3] + bottom[i]! * (1 - top[3])).concat(1) as Rgba;

function luminance([r, g, b]: Rgba): number {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG 2 contrast ratio, 1 to 21. */
export function contrast(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

test('the contrast ratio is computed as WCAG defines it', () => {
  assert.equal(contrast([0, 0, 0, 1], [255, 255, 255, 1]), 21);
  assert.ok(Math.abs(contrast([118, 118, 118, 1], [255, 255, 255, 1]) - 4.54) < 0.01);
  assert.deepEqual(over([0, 0, 0, 0.5], [255, 255, 255, 1]), [127.5, 127.5, 127.5, 1]);
});

for (const theme of themes) {
  test(`${theme.theme}: every status badge and the header text meet WCAG AA`, async () => {
    const d = await openDashboard(h);
    await d.page.evaluate((t) => {
      // As VS Code sets them: through the CSSOM, which the page's CSP allows (a style attribute it does not).
      for (const [name, value] of Object.entries(t.variables)) document.documentElement.style.setProperty(name, value);
      document.body.className = t.bodyClass;
    }, theme);
    const runs = STATUSES.map((status) => ({ ...fixtureRun({ id: `run-${status}`, pretrainSteps: 20, rlSteps: 10, traces: 0, status }), label: `run-${status}` }));
    runs[3]!.run.error = 'device gpu is not available';
    const measured: string[] = [];
    for (const status of STATUSES) {
      await d.send({ type: 'hydrate', runs, focus: `run-${status}`, tab: null, gone: [] });
      await d.page.waitForFunction((s) => document.querySelector('[data-field="status"]')?.textContent === s, status);
      const colours = await d.page.evaluate(() => {
        /** The colour painted behind an element: its first ancestor with a background, composited up to the page. */
        const behind = (el: Element | null): string[] => {
          const layers: string[] = [];
          for (let e = el; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') layers.push(bg);
            if (bg.startsWith('rgb(')) break;
          }
          return layers;
        };
        const badge = document.querySelector('[data-field="status"]')!;
        // A failed run's error stands in for the summary's numbers.
        const summary = document.querySelector(document.querySelector('[data-field="error"]')!.checkVisibility() ? '[data-field="error"]' : '[data-field="summary"]')!;
        return {
          text: getComputedStyle(badge).color,
          mark: getComputedStyle(badge).borderTopColor,
          background: behind(badge),
          summary: getComputedStyle(summary).color,
          summaryBackground: behind(summary),
        };
      });
      const flatten = (layers: string[]) => layers.map(parseColour).reduceRight((below, layer) => over(layer, below), [255, 255, 255, 1] as Rgba);
      const background = flatten(colours.background);
      const text = contrast(over(parseColour(colours.text), background), background);
      const mark = contrast(over(parseColour(colours.mark), background), background);
      const summaryBackground = flatten(colours.summaryBackground);
      const summary = contrast(over(parseColour(colours.summary), summaryBackground), summaryBackground);
      measured.push(`${status}: text ${text.toFixed(2)}, outline ${mark.toFixed(2)}, summary ${summary.toFixed(2)}`);
      assert.ok(text >= 4.5, `${theme.theme}, ${status} badge text: ${text.toFixed(2)}:1 is under 4.5:1`);
      assert.ok(mark >= 3, `${theme.theme}, ${status} badge outline: ${mark.toFixed(2)}:1 is under 3:1`);
      assert.ok(summary >= 4.5, `${theme.theme}, header summary: ${summary.toFixed(2)}:1 is under 4.5:1`);
    }
    assert.deepEqual(d.problems, []);
    console.log(`${theme.theme}: ${measured.join('; ')}`);
    await d.page.close();
  });
}
