// Opens a received image full size in an editor tab: a webview panel with no
// script at all, the image inlined as a data: URL (decrypted images are never
// written to disk unless the user saves one).

import * as vscode from 'vscode';
import type { HostImage } from './session';
import { makeNonce } from './html';

export function openImagePanel({ item, data }: HostImage): vscode.WebviewPanel {
  const title = item.image.name ?? `Image from ${item.from.name}`;
  const panel = vscode.window.createWebviewPanel('messageApp.image', title, vscode.ViewColumn.Active, {
    enableScripts: false,
    localResourceRoots: [],
  });
  const nonce = makeNonce();
  const src = `data:${item.image.mime};base64,${Buffer.from(data).toString('base64')}`;
  const alt = escapeHtml(`${title}, ${item.image.w} by ${item.image.h} pixels, from ${item.from.name}`);
  panel.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'nonce-${nonce}'">
<style nonce="${nonce}">
body { margin: 0; padding: 16px; background: var(--vscode-editor-background); display: flex; justify-content: center; }
img { max-width: none; image-rendering: auto; box-shadow: 0 0 0 1px var(--vscode-widget-border, transparent); }
</style>
<title>${escapeHtml(title)}</title></head>
<body><img src="${src}" width="${item.image.w}" height="${item.image.h}" alt="${alt}"></body></html>`;
  return panel;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
