// The questions the connect flow asks, each in one input box with validation.

import * as vscode from 'vscode';
import { isRoomName, normalizeDisplayName } from '../protocol/names';

/** "host:port" with a port 1-65535 (IPv6 in brackets). */
export function validateServer(value: string): string | undefined {
  const v = value.trim();
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m) return 'Enter the server as host:port, for example 127.0.0.1:7070.';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return 'The port must be between 1 and 65535.';
  return undefined;
}

export function validateRoom(value: string): string | undefined {
  return isRoomName(value.trim())
    ? undefined
    : 'Room names are 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.';
}

export function validateName(value: string): string | undefined {
  return normalizeDisplayName(value) ? undefined : 'A display name is 1-64 characters with no control characters.';
}

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
