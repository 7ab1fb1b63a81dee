import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { contentSecurityPolicy, dashboardHtml, makeNonce } from '../../src/extension/dashboard/html';

const page = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abc123+/=',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css',
};

test('the policy allows nothing by default and scripts only by nonce', () => {
  const csp = contentSecurityPolicy(page.cspSource, page.nonce);
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${page.nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [page.cspSource]);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'));
});

test('the page has one script, the bundle, with the nonce and no inline code', () => {
  const html = dashboardHtml(page);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]![1]!, new RegExp(`nonce="${page.nonce.replace(/[+/]/g, '\\$&')}"`));
  assert.match(scripts[0]![1]!, /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\/main\.js"/);
  assert.equal(scripts[0]![2]!.trim(), '');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;|content="default-src 'none'/);
  assert.match(html, /<link rel="stylesheet" href="[^"]+main\.css">/);
});

test('attribute values are escaped', () => {
  const html = dashboardHtml({ ...page, styleUri: 'x"><script>alert(1)</script>' });
  assert.equal([...html.matchAll(/<script/g)].length, 1);
  assert.ok(html.includes('x&quot;&gt;&lt;script&gt;'));
});

test('nonces are 128 random bits and differ each time', () => {
  const nonces = new Set(Array.from({ length: 50 }, makeNonce));
  assert.equal(nonces.size, 50);
  for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
});
