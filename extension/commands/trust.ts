// Trust commands: Copy Invite (server, room and certificate fingerprint, never the passphrase),
// Trust New Server Certificate... (after a changed certificate, on purpose) and Forget Room Key
// Parameters... (the rare honest case of a room deleted and made again); Verify Fingerprint... and
// Trust New Key... for a sender's identity key (extension/key-verify.ts).

import * as vscode from 'vscode';
import { formatInvite } from '../../client/invite';
import type { ChatApp } from '../app';
import { readSettings } from '../config';
import { askTrustNew } from '../prompts';
import { MementoRoomParamStore } from '../stores';
import { trustNewKey as trustNewKeyFlow, verifyFingerprint as verifyFlow, type KeyPrompts, type SenderTarget } from '../key-verify';
import type { SenderStanding } from '../senders';

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

/** A sender named by the webview's context menu (its key mark's data-vscode-context) or a toast. */
function targetOf(arg: unknown): SenderTarget | undefined {
  if (typeof arg !== 'object' || arg === null || !('fingerprint' in arg) || typeof arg.fingerprint !== 'string') return undefined;
  return 'name' in arg && typeof arg.name === 'string' ? { fingerprint: arg.fingerprint, name: arg.name } : { fingerprint: arg.fingerprint };
}

const STANDING_TEXT: Record<SenderStanding['standing'], string> = {
  compared: '$(workspace-trusted) fingerprint verified',
  pinned: '$(pass) first seen, not compared yet',
  'changed-key': '$(warning) changed key',
  other: '$(warning) not verified',
};

const MATCH = 'They Match';
const DIFFER = 'They Differ';
const TRUST = 'Trust New Key';

/** The questions of key-verify.ts as VS Code dialogs: a QuickPick of senders, modal comparisons. */
export const keyPrompts: KeyPrompts = {
  async pickSender(room, senders, purpose) {
    type Item = vscode.QuickPickItem & { sender: SenderStanding };
    const items: Item[] = senders.map((sender) => ({ label: sender.shown, description: sender.fingerprint, detail: STANDING_TEXT[sender.standing], sender }));
    const chosen = await vscode.window.showQuickPick(items, {
      title: purpose === 'verify' ? `Message App: Verify Fingerprint in "${room}"` : `Message App: Trust New Key in "${room}"`,
      placeHolder: purpose === 'verify' ? 'Whose fingerprint do you want to compare?' : 'Whose new key do you want to trust?',
      matchOnDescription: true,
    });
    return chosen?.sender;
  },
  async compare(p) {
    const answer = await vscode.window.showInformationMessage(
      `Message App: verify ${p.name}'s fingerprint in "${p.room}"`,
      {
        modal: true,
        detail:
          `${p.name}: ${p.theirs}\n` +
          `You (${p.yourName}): ${p.yours}\n\n` +
          `Read both out to ${p.name} in person or on a call you trust, and have them read theirs from "Message App: Show My Fingerprint". ` +
          (p.already ? 'You compared this key before.' : 'Only choose "They Match" if every group matches.'),
      },
      // "They Differ" first: the default button (Enter) is the one that records nothing.
      DIFFER,
      MATCH,
    );
    return answer === MATCH ? 'match' : answer === DIFFER ? 'differ' : undefined;
  },
  async confirmNewKey(p) {
    const answer = await vscode.window.showWarningMessage(
      `Message App: trust the new key of ${p.name} in "${p.room}"?`,
      {
        modal: true,
        detail:
          (p.old !== undefined ? `Pinned until now: ${p.old}\n` : '') +
          `New key: ${p.new}\n\n` +
          `Only continue if ${p.name} confirmed the new fingerprint by another channel (a new computer, a reinstall). ` +
          'Otherwise someone may be posing as them; refusing changes nothing.',
      },
      TRUST,
    );
    return answer === TRUST;
  },
  tell(level, text) {
    if (level === 'warning') void vscode.window.showWarningMessage(text);
    else void vscode.window.showInformationMessage(text);
  },
};

/** Verify Fingerprint...: a sender of the room shown now (picked, or the one right-clicked). */
export async function verifyFingerprint(app: ChatApp, arg?: unknown): Promise<void> {
  const session = app.sessions.current;
  const room = session?.state.active;
  if (!session || !room) return;
  await verifyFlow(session, room, keyPrompts, targetOf(arg));
}

/** Trust New Key...: re-pins a sender whose key changed, after a modal confirmation. */
export async function trustNewKey(app: ChatApp, arg?: unknown): Promise<void> {
  const session = app.sessions.current;
  const room = typeof arg === 'object' && arg !== null && 'room' in arg && typeof arg.room === 'string' ? arg.room : session?.state.active;
  if (!session || !room) return;
  await trustNewKeyFlow(session, room, keyPrompts, targetOf(arg));
}
