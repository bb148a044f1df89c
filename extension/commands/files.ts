// File commands: Send File... (a file dialog, the view's title bar), the explorer's "Send File to Chat", files dropped on the chat, and Save File As... for a file card; every transfer shows a cancellable progress notification.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { FileTransferError, type Progress } from '../../client/files/transfer';
import type { ChatApp } from '../app';
import { formatSize } from '../../protocol/size';

/**
 * Runs a transfer under a cancellable progress notification. Resolves to false
 * when the user cancelled (nothing to report), true when it finished.
 */
async function withTransferProgress(title: string, run: (options: { onProgress: (p: Progress) => void; signal: AbortSignal }) => Promise<unknown>): Promise<boolean> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    let shown = 0;
    try {
      await run({
        signal: abort.signal,
        onProgress: ({ done, total }) => {
          const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
          if (percent > shown) progress.report({ increment: percent - shown, message: `${formatSize(done)} of ${formatSize(total)}` });
          shown = Math.max(shown, percent);
        },
      });
      return true;
    } catch (error) {
      if (error instanceof FileTransferError && error.code === 'cancelled') return false;
      throw error;
    } finally {
      sub.dispose();
    }
  });
}

/** Sends the file at `path` to the active room with upload progress. */
export async function sendFilePath(app: ChatApp, path: string, name?: string): Promise<void> {
  const session = app.sessions.current;
  const room = session?.state.active;
  if (!session || !room) return;
  const label = name ?? path.split(/[\\/]/).pop() ?? 'file';
  try {
    await withTransferProgress(`Sending ${label}`, (options) => session.sendFile(room, path, name, options));
  } catch (error) {
    await app.showError(error);
  }
}

/** Send File... (no argument: a file dialog) or the explorer's "Send File to Chat" (the file's URI). */
export async function sendFile(app: ChatApp, uri?: unknown): Promise<void> {
  let file = uri instanceof vscode.Uri ? uri : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ title: 'Send File', openLabel: 'Send', canSelectMany: false });
    file = picked?.[0];
    if (!file) return;
  }
  if (file.scheme !== 'file') {
    void vscode.window.showErrorMessage('Message App: only files on this machine can be sent.');
    return;
  }
  await sendFilePath(app, file.fsPath);
}

/** A file dropped on the chat that VS Code named by URI (from the explorer or the desktop). */
export async function sendDroppedUri(app: ChatApp, uri: string): Promise<void> {
  let file: vscode.Uri;
  try {
    file = vscode.Uri.parse(uri, true);
  } catch {
    return;
  }
  await sendFile(app, file);
}

/** A dropped file the webview could only hand over as bytes (small files): sent through a private temporary copy. */
export async function sendDroppedBytes(app: ChatApp, data: Uint8Array, name: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'message-app-drop-'));
  try {
    const path = join(dir, 'file');
    writeFileSync(path, data, { mode: 0o600 });
    await sendFilePath(app, path, name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "Save File As..." from the webview's context menu: the argument is its data-vscode-context. */
export async function saveFileFromContext(app: ChatApp, arg?: unknown): Promise<void> {
  const room = app.sessions.current?.state.active;
  const cid = typeof arg === 'object' && arg !== null && 'cid' in arg ? arg.cid : undefined;
  if (!room || typeof cid !== 'string') return;
  await saveFile(app, room, cid);
}

/**
 * Asks where, then downloads with a cancellable progress: the bytes go to
 * TARGET.part and become TARGET only after the SHA-256 check; a cancel, a
 * damaged blob or a wrong hash removes the partial file.
 */
export async function saveFile(app: ChatApp, room: string, cid: string): Promise<void> {
  const session = app.sessions.current;
  const item = session?.state.findItem(room, cid, 'file');
  if (!session || !item) return;
  const name = item.file.name.replace(/[\\/:*?"<>|]/g, '_') || 'file';
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
  const target = await app.pickSaveTarget({ title: 'Save File As', defaultUri: vscode.Uri.joinPath(folder, name) });
  if (!target) return;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage('Message App: files can only be saved on this machine.');
    return;
  }
  try {
    const done = await withTransferProgress(`Saving ${item.file.name}`, (options) => session.saveFile(room, cid, target.fsPath, options));
    if (done) app.notifier.notice('info', `Saved ${item.file.name} (${formatSize(item.file.size)}).`);
  } catch (error) {
    await app.showError(error);
  }
}
