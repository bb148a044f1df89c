// Trust commands: Copy Invite (server, room and certificate fingerprint, never the passphrase),
// Trust New Server Certificate... (after a changed certificate, on purpose) and Forget Room Key
// Parameters... (the rare honest case of a room deleted and made again).

import * as vscode from 'vscode';
import { formatInvite } from '../../client/invite';
import type { ChatApp } from '../app';
import { readSettings } from '../config';
import { askTrustNew } from '../prompts';
import { MementoRoomParamStore } from '../stores';

/** The invite of the room shown now; its fingerprint is the pinned one (none for a CA-valid server). */
export async function copyInvite(app: ChatApp): Promise<void> {
  const session = app.sessions.current;
  const room = session?.state.active;
  if (!session || !room) return;
  if (app.sessions.plaintext) {
    void vscode.window.showWarningMessage('Message App: invites are for servers reached with TLS; this connection has TLS turned off ("messageApp.tls").');
    return;
  }
  const fingerprint = await app.trust.pinOf(session.server);
  const invite = formatInvite({ server: session.server, room, ...(fingerprint !== undefined ? { fingerprint } : {}) });
  await vscode.env.clipboard.writeText(invite);
  void vscode.window.showInformationMessage(
    `Message App: the invite to "${room}" is on the clipboard. It holds no passphrase: give the passphrase separately, privately.`,
  );
}

/** Probes the server, shows both fingerprints and pins the new one only when the user says so. */
export async function trustNewCertificate(app: ChatApp): Promise<void> {
  const server = app.sessions.current?.server ?? readSettings().server;
  if (!server) {
    void vscode.window.showInformationMessage('Message App: no server is set (Connect to Server... first).');
    return;
  }
  const { pinned, presented } = await app.trust.current(server);
  if (pinned === presented) {
    void vscode.window.showInformationMessage(`Message App: the server at ${server} shows the trusted certificate (${presented}); nothing to change.`);
    return;
  }
  if (!(await askTrustNew(server, pinned, presented))) return;
  await app.trust.pin(server, presented);
  void vscode.window.showInformationMessage(`Message App now trusts ${presented} for ${server}. Connect to Server... to connect.`);
}

/** Forgets a room's pinned salt and KDF parameters, so the next join pins what the server says then. */
export async function forgetRoomParams(app: ChatApp): Promise<void> {
  const s = readSettings();
  const session = app.sessions.current;
  const server = session?.server ?? s.server;
  if (!server) {
    void vscode.window.showInformationMessage('Message App: no server is set.');
    return;
  }
  const store = new MementoRoomParamStore(app.context.globalState);
  const candidates = [...new Set([...(session?.state.roomNames() ?? []), ...app.rooms.list(), s.room].filter((r) => r !== ''))];
  const pinned: string[] = [];
  for (const room of candidates) if (await store.get(server, room)) pinned.push(room);
  const room = await vscode.window.showQuickPick(pinned.length > 0 ? pinned : candidates, {
    title: 'Message App: Forget Room Key Parameters',
    placeHolder: `Room on ${server} whose key parameters to forget`,
  });
  if (!room) return;
  const sure = await vscode.window.showWarningMessage(
    `Forget the key parameters of room "${room}" on ${server}?`,
    {
      modal: true,
      detail:
        'Only when the room was really deleted and made again. A server that changes them on its own may be trying to make the passphrase easier to guess.',
    },
    'Forget',
  );
  if (sure !== 'Forget') return;
  await store.forget(server, room);
  void vscode.window.showInformationMessage(`Message App forgot the key parameters of room "${room}" on ${server}; the next join remembers the new ones.`);
}
