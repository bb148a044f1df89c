// Key commands: Forget Passphrase (a room's saved passphrase on this server) and
// Show My Fingerprint (to compare over another channel).

import * as vscode from 'vscode';
import type { ChatApp } from '../app';
import { readSettings } from '../config';
import { roomsWithSavedPassphrase } from '../menu-context';

export async function forgetPassphrase(app: ChatApp): Promise<void> {
  const s = readSettings();
  const session = app.sessions.current;
  const server = session?.server ?? s.server;
  if (!server) {
    void vscode.window.showInformationMessage('Message App: no server is set, so no passphrase is saved.');
    return;
  }
  const saved = await roomsWithSavedPassphrase(app.keys, server, [...(session?.state.roomNames() ?? []), ...app.rooms.list(), s.room]);
  if (saved.length === 0) {
    void vscode.window.showInformationMessage(`Message App: no saved passphrase for ${server}.`);
    return;
  }
  const room =
    saved.length === 1
      ? saved[0]
      : await vscode.window.showQuickPick(saved, { title: 'Message App: Forget Passphrase', placeHolder: 'Room whose passphrase to forget' });
  if (!room) return;
  await app.keys.forgetPassphrase(server, room);
  void vscode.window.showInformationMessage(
    `Message App forgot the passphrase for room "${room}" on ${server}. You will be asked for it the next time you join.`,
  );
}

export async function showFingerprint(app: ChatApp): Promise<void> {
  const identity = await app.keys.identity();
  const copy = await vscode.window.showInformationMessage(
    `Your Message App fingerprint: ${identity.fingerprint}`,
    { modal: false, detail: 'Others see it when they hover your messages; compare it over another channel to be sure it is you.' },
    'Copy',
  );
  if (copy === 'Copy') await vscode.env.clipboard.writeText(identity.fingerprint);
}
