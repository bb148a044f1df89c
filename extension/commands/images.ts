// Image commands: Send Image... (a file dialog), the explorer's "Send Image to
// Chat", pasted or dropped bytes from the webview (prepared with progress and
// cancel, then sent), and Save Image As... for a received image.

import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { ImageError } from '../../client/images/errors';
import { prepareImage } from '../../client/images/prepare';
import type { PreparedImage } from '../../client/images/types';
import type { ChatApp } from '../app';
import { readSettings } from '../config';
import { sendDroppedBytes } from './files';

/** Send Image... (no argument: a file dialog) or the explorer's "Send Image to Chat" (the file's URI). */
export async function sendImage(app: ChatApp, uri?: unknown): Promise<void> {
  const room = app.sessions.current?.state.active;
  if (!room) return; // the command table's guard said so already
  let file = uri instanceof vscode.Uri ? uri : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Send Image',
      openLabel: 'Send',
      canSelectMany: false,
      filters: { Images: ['png', 'jpg', 'jpeg', 'gif', 'bmp'] },
    });
    file = picked?.[0];
    if (!file) return;
  }
  const bytes = await vscode.workspace.fs.readFile(file);
  const name = file.path.split('/').pop() ?? 'image';
  await sendImageBytes(app, room, { bytes, name }, name);
}

/** Prepares image bytes (scaled, re-encoded, metadata dropped) with a cancellable progress, then sends them. */
export async function sendImageBytes(app: ChatApp, room: string, input: { bytes: Uint8Array; name?: string }, label: string): Promise<void> {
  const session = app.sessions.current;
  if (!session) return;
  const { imageMaxSide } = readSettings();
  let image: PreparedImage;
  try {
    image = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Preparing ${label}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let done = 0;
        try {
          return await prepareImage(input, {
            maxSide: imageMaxSide,
            signal: abort.signal,
            onProgress: (fraction) => {
              const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
              if (percent > done) progress.report({ increment: percent - done });
              done = Math.max(done, percent);
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
  } catch (error) {
    if (error instanceof ImageError && error.code === 'cancelled') return;
    // Over the image limits it can still go as a file (PROTOCOL.md section 9): offered, not done silently.
    if (error instanceof ImageError && (error.code === 'too_large_file' || error.code === 'too_many_pixels')) {
      const choice = await vscode.window.showWarningMessage(`${error.message} Send it as a file instead?`, 'Send as File');
      if (choice === 'Send as File') await sendDroppedBytes(app, input.bytes, input.name ?? label);
      return;
    }
    await app.showError(error);
    return;
  }
  await session.sendImage(room, image);
}

/** "Save Image As..." from the webview's context menu: the argument is its data-vscode-context. */
export async function saveImageFromContext(app: ChatApp, arg?: unknown): Promise<void> {
  const room = app.sessions.current?.state.active;
  const cid = typeof arg === 'object' && arg !== null && 'cid' in arg ? arg.cid : undefined;
  const sender = typeof arg === 'object' && arg !== null && 'sender' in arg ? arg.sender : undefined;
  if (!room || typeof cid !== 'string' || typeof sender !== 'string') return;
  await saveImage(app, room, sender, cid);
}

export async function saveImage(app: ChatApp, room: string, sender: string, cid: string): Promise<void> {
  const image = app.image(room, sender, cid);
  if (!image) return;
  const { item } = image;
  const ext = item.image.mime === 'image/png' ? 'png' : 'jpg';
  const base = (item.image.name ?? 'image').replace(/\.[^.]*$/, '').replace(/[\\/:*?"<>|]/g, '_') || 'image';
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const target = await vscode.window.showSaveDialog({
    title: 'Save Image As',
    defaultUri: vscode.Uri.joinPath(folder, `${base}.${ext}`),
    filters: ext === 'png' ? { 'PNG image': ['png'] } : { 'JPEG image': ['jpg', 'jpeg'] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, image.data);
}
