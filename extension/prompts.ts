// The questions the extension asks in VS Code: the connect flow's input boxes,
// what to do after a failed connection, and the join flow's passphrase prompts.

import * as vscode from 'vscode';
import { normalizeDisplayName } from '../protocol/names';
import type { JoinPrompts } from './join-flow';
import { validateName, validateRoom, validateServerOrInvite } from './validate';

export async function askServer(value: string): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'Message App: Connect to Server',
    prompt: 'Chat server address (host:port), or paste an invite (message-app://...)',
    placeHolder: '127.0.0.1:7070',
    value,
    ignoreFocusOut: true,
    validateInput: validateServerOrInvite,
  });
  return answer?.trim();
}

export async function askRoom(value: string, title = 'Message App: Room'): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({
    title,
    prompt: 'Room to join (lower-case letters, digits, ".", "_", "-")',
    placeHolder: 'team',
    value,
    ignoreFocusOut: true,
    validateInput: validateRoom,
  });
  return answer?.trim();
}

export async function askName(value: string): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'Message App: Display Name',
    prompt: 'Your name as others see it',
    value,
    ignoreFocusOut: true,
    validateInput: validateName,
  });
  return answer === undefined ? undefined : (normalizeDisplayName(answer) ?? undefined);
}

export async function askPassphrase(room: string, server: string, again = false): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: again ? `Message App: Confirm Passphrase for "${room}"` : `Message App: Passphrase for "${room}"`,
    prompt: again
      ? 'Type the new room passphrase again'
      : `The room's shared passphrase (on ${server}). It never leaves this computer; it is kept in VS Code's secret storage.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.length === 0 ? 'The passphrase cannot be empty.' : undefined),
  });
}

/** After a failed connection: change the server, try again, or give up. */
export async function askAfterConnectFailure(sentence: string): Promise<'change' | 'retry' | undefined> {
  const choice = await vscode.window.showErrorMessage(sentence, 'Change Server...', 'Try Again');
  return choice === 'Change Server...' ? 'change' : choice === 'Try Again' ? 'retry' : undefined;
}

/** The join flow's questions as VS Code input boxes and notifications (`notice` also notes them in the view). */
export function joinPrompts(notice: (level: 'error', text: string) => void): JoinPrompts {
  return {
    passphrase: (room, server, again) => askPassphrase(room, server, again),
    wrongPassphrase: async (room) => {
      const sentence = `Wrong passphrase for room "${room}". It was not saved.`;
      notice('error', sentence);
      return (await vscode.window.showErrorMessage(sentence, 'Try Again')) === 'Try Again';
    },
    confirmCreate: async (room, server) =>
      (await vscode.window.showInformationMessage(
        `Room "${room}" does not exist on ${server} yet. Create it with this passphrase?`,
        { modal: true, detail: 'Everyone who joins the room needs the same passphrase. It is never sent to the server.' },
        'Create Room',
      )) === 'Create Room',
    mismatch: () =>
      void vscode.window.showErrorMessage('The two passphrases are different; the room was not created. Enter the passphrase again.'),
    newRoomPassphrase: (room, generated, weakness) => askNewRoomPassphrase(room, generated, weakness),
  };
}

type NewPassphraseChoice = 'generated' | 'typed' | 'retype';

/**
 * A new room's passphrase: a QuickPick offering the generated one (with a copy button; choosing
 * it copies it too, so it can be given to the others), the typed one when it is strong enough,
 * or typing another. A weak typed one is refused with the reason in the placeholder.
 */
export async function askNewRoomPassphrase(room: string, generated: string, weakness: string | undefined): Promise<NewPassphraseChoice | undefined> {
  const copy = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy the generated passphrase' };
  type Item = vscode.QuickPickItem & { choice: NewPassphraseChoice };
  const items: Item[] = [
    { choice: 'generated', label: '$(key) Use a generated passphrase', detail: generated, description: 'six random words, about 77 bits (copied when chosen)', buttons: [copy] },
    ...(weakness === undefined ? [{ choice: 'typed' as const, label: '$(edit) Use the passphrase I typed', description: 'you will type it again to confirm' }] : []),
    { choice: 'retype', label: '$(edit) Type another passphrase', ...(weakness === undefined ? {} : { description: 'a longer one: five or more random words' }) },
  ];
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = `Message App: Passphrase for the new room "${room}"`;
  pick.placeholder = weakness ?? 'Everyone who joins needs this passphrase; give it to them in person or over another channel.';
  pick.items = items;
  pick.ignoreFocusOut = true;
  const chosen = await new Promise<NewPassphraseChoice | undefined>((resolve) => {
    pick.onDidTriggerItemButton(() => {
      void vscode.env.clipboard.writeText(generated);
      void vscode.window.showInformationMessage('Message App: the generated passphrase is on the clipboard.');
    });
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.choice));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (chosen === 'generated') {
    await vscode.env.clipboard.writeText(generated);
    void vscode.window.showInformationMessage(`Message App: room "${room}" uses the generated passphrase, now on the clipboard. Give it to the others privately.`);
  }
  return chosen;
}

/**
 * First contact with a server whose certificate no CA vouches for: SSH's question, as a modal
 * dialog with the fingerprint to compare. Only "Trust and Connect" pins it.
 */
export async function askFirstUse(address: string, fingerprint: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `Message App: the authenticity of the chat server at ${address} can't be established.`,
    {
      modal: true,
      detail:
        `Its TLS certificate fingerprint is\n${fingerprint}\n\n` +
        'Compare it with the one the server operator gave you (npm run server -- --fingerprint). ' +
        'If you trust it, Message App remembers it and refuses any other certificate for this address.',
    },
    'Trust and Connect',
  );
  return answer === 'Trust and Connect';
}

/** Trust New Server Certificate: both fingerprints, and a deliberate choice. */
export async function askTrustNew(address: string, pinned: string | undefined, presented: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `Message App: trust the certificate the chat server at ${address} shows now?`,
    {
      modal: true,
      detail:
        (pinned !== undefined ? `Trusted until now: ${pinned}\n` : 'No certificate is trusted for this address yet.\n') +
        `Shown now: ${presented}\n\n` +
        'Only continue if the server operator confirmed the new fingerprint; otherwise someone may be intercepting the connection.',
    },
    'Trust New Certificate',
  );
  return answer === 'Trust New Certificate';
}
