// The questions the extension asks in VS Code: the connect flow's input boxes,
// what to do after a failed connection, and the join flow's passphrase prompts.

import * as vscode from 'vscode';
import { normalizeDisplayName } from '../protocol/names';
import type { JoinPrompts } from './join-flow';
import { validateName, validateRoom, validateServer } from './validate';

export async function askServer(value: string): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'Message App: Connect to Server',
    prompt: 'Chat server address (host:port)',
    placeHolder: '127.0.0.1:7070',
    value,
    ignoreFocusOut: true,
    validateInput: validateServer,
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
  };
}
