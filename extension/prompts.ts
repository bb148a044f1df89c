// The questions the connect flow asks, each in one input box with validation.

import * as vscode from 'vscode';
import { normalizeDisplayName } from '../protocol/names';
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
