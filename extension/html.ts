// The chat webview's HTML: one nonce'd script, the bundle's CSS, a strict CSP.
// Plain module (no `vscode`), so the policy is unit-tested.

import { randomBytes } from 'node:crypto';

export interface HtmlResources {
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  nonce?: string;
}

/** 128 random bits per page load (not Math.random). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    // Images are decrypted by the host and shown from blob: URLs made in the page.
    `img-src ${cspSource} blob:`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function chatHtml(r: HtmlResources): string {
  const nonce = r.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(r.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(r.codiconUri)}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${attr(r.styleUri)}">
<title>Chat</title>
</head>
<body>
<div id="root"></div>
<script nonce="${nonce}" src="${attr(r.scriptUri)}"></script>
</body>
</html>`;
}
