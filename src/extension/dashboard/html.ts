// The dashboard page: a fixed shell whose only script is the bundle, loaded with
// a fresh nonce. No data is ever written into the page; it arrives by message.
import { randomBytes } from 'node:crypto';

export interface DashboardPage {
  /** `webview.cspSource`: the origin VS Code serves local resources from. */
  cspSource: string;
  nonce: string;
  /** `asWebviewUri` of dist/webview/main.js and main.css. */
  scriptUri: string;
  styleUri: string;
}

/** 128 random bits, base64: a CSP nonce nobody can guess. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Nothing by default; the bundle's script by nonce; styles, fonts and images only
 * from the extension's own resources. uPlot and the elements set styles through
 * the CSSOM, which `style-src` does not restrict.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dashboardHtml(page: DashboardPage): string {
  const a = (value: string) => escapeAttribute(value);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(page.styleUri)}">
<title>Reasoning Lab</title>
</head>
<body>
<script nonce="${a(page.nonce)}" src="${a(page.scriptUri)}"></script>
</body>
</html>
`;
}
