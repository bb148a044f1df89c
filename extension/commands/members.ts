// Owner commands (PROTOCOL.md section 12): Remove Member... (a pick of the names and fingerprints seen,
// then a modal confirmation) and Change Passphrase; both end by showing the new passphrase with Copy.

import * as vscode from 'vscode';
import type { ChatApp } from '../app';
import type { RotateResult } from '../../client/room/epochs';

const NOT_OWNER = 'Only an owner of the room can do this. The creator of a room is its owner and can make others owners.';

/** The open room and its session when this user owns it; undefined (said already to a non-owner) otherwise. */
function ownedRoom(app: ChatApp): { room: string; session: NonNullable<ChatApp['sessions']['current']> } | undefined {
  const session = app.sessions.current;
  const room = session?.state.active;
  if (!session || !room) return undefined;
  if (!session.isOwner(room)) {
    void vscode.window.showInformationMessage(`Message App: ${NOT_OWNER}`);
    return undefined;
  }
  return { room, session };
}

export async function removeMember(app: ChatApp): Promise<void> {
  const target = ownedRoom(app);
  if (!target) return;
  const { room, session } = target;
  const members = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Message App: reading the members of ${room}` },
    () => session.members(room),
  );
  type Pick = vscode.QuickPickItem & { name: string; fingerprint: string };
  const items: Pick[] = members
    .filter((m) => !m.self)
    .map((m) => ({ label: m.name, description: m.owner ? 'owner' : '', detail: m.fingerprint, name: m.name, fingerprint: m.fingerprint }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`Message App: nobody else has joined room "${room}" yet.`);
    return;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `Message App: Remove Member from ${room}`,
    placeHolder: 'Who should lose access? Compare the fingerprint with the person.',
    matchOnDetail: true,
  });
  if (!picked) return;
  const confirm = await vscode.window.showWarningMessage(
    `Remove ${picked.name} from room "${room}"?`,
    {
      modal: true,
      detail: `${picked.name} (${picked.fingerprint}) will no longer be able to join, read new messages or post, even with the old passphrase. They keep what they could already read. Everyone else keeps chatting without typing anything; you get a new passphrase for inviting newcomers.`,
    },
    'Remove',
  );
  if (confirm !== 'Remove') return;
  // By fingerprint: two members may show the same name.
  await rotateAndShow(app, room, [picked.fingerprint]);
}

export async function changePassphrase(app: ChatApp): Promise<void> {
  const room = ownedRoom(app)?.room;
  if (!room) return;
  const confirm = await vscode.window.showWarningMessage(
    `Change the passphrase of room "${room}"?`,
    {
      modal: true,
      detail: 'The members keep chatting without typing anything. The old passphrase stops working for anyone new; you get a new one for inviting newcomers.',
    },
    'Change Passphrase',
  );
  if (confirm !== 'Change Passphrase') return;
  await rotateAndShow(app, room, []);
}

async function rotateAndShow(app: ChatApp, room: string, remove: readonly string[]): Promise<void> {
  const session = app.sessions.current;
  if (!session) return;
  let result: RotateResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Message App: changing the keys of ${room}...` },
      () => session.rotate(room, remove),
    );
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
    if (code === 'forbidden') throw new Error(NOT_OWNER);
    throw error;
  }
  // A restart joins with the new passphrase directly (the keys are in secret storage too).
  await app.keys.storePassphrase(session.server, room, result.passphrase);
  const who = result.removed.map((r) => r.name).join(', ');
  const copy = await vscode.window.showInformationMessage(
    `${who ? `Removed ${who} from` : 'Changed the passphrase of'} room "${room}". The new passphrase, for inviting newcomers: ${result.passphrase}`,
    { modal: true, detail: 'Members who stay need nothing new. Share this passphrase only with people you invite.' },
    'Copy',
  );
  if (copy === 'Copy') await vscode.env.clipboard.writeText(result.passphrase);
}
