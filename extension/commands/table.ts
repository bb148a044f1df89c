// Every command of the extension, once: its id, what must hold before it runs
// ("connected", "in a room") and the sentence when it does not. package.json's
// contributes.commands lists the same ids (a test compares them); the handlers
// are keyed by these ids in commands/register.ts, so the compiler names a
// missing one. Plain module (no `vscode`), tested on Node.

import type { ViewCommand } from '../../protocol/webview';

/** What a command needs before it runs. */
export type Precondition = 'none' | 'connected' | 'inRoom';

export interface CommandSpec {
  readonly id: string;
  readonly needs: Precondition;
  /** Said (as an information message) when the precondition fails; none: the command does nothing quietly. */
  readonly unmet?: string;
}

const JOIN_FIRST = 'Message App: join a room first (Connect to Server...).';

export const COMMANDS = [
  { id: 'messageApp.connect', needs: 'none' },
  { id: 'messageApp.disconnect', needs: 'connected', unmet: 'Message App is not connected.' },
  { id: 'messageApp.switchRoom', needs: 'none' },
  { id: 'messageApp.leaveRoom', needs: 'inRoom', unmet: 'Message App: no room to leave.' },
  { id: 'messageApp.sendImage', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.forgetPassphrase', needs: 'none' },
  { id: 'messageApp.showFingerprint', needs: 'none' },
  { id: 'messageApp.focus', needs: 'none' },
  { id: 'messageApp.sendImageFile', needs: 'inRoom', unmet: JOIN_FIRST },
  // From the webview's context menu on an image: without a room there is no image to save.
  { id: 'messageApp.saveImage', needs: 'inRoom' },
  { id: 'messageApp.copyInvite', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.trustNewCertificate', needs: 'none' },
  { id: 'messageApp.forgetRoomParams', needs: 'none' },
  { id: 'messageApp.shareSelection', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.sendFile', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.sendFileToChat', needs: 'inRoom', unmet: JOIN_FIRST },
  // From the webview's context menu or the card's button on a file.
  { id: 'messageApp.saveFile', needs: 'inRoom' },
  { id: 'messageApp.roomNotifications', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.verifyFingerprint', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.trustNewKey', needs: 'inRoom', unmet: JOIN_FIRST },
  // Section 12: owner commands (the handler says so to a non-owner).
  { id: 'messageApp.removeMember', needs: 'inRoom', unmet: JOIN_FIRST },
  { id: 'messageApp.changePassphrase', needs: 'inRoom', unmet: JOIN_FIRST },
] as const satisfies readonly CommandSpec[];

export type CommandId = (typeof COMMANDS)[number]['id'];

export const COMMAND_IDS: readonly CommandId[] = COMMANDS.map((c) => c.id);

/** What the guards look at. */
export interface GuardState {
  connected: boolean;
  activeRoom: string | null;
}

export type GuardOutcome = { run: true } | { run: false; say?: string };

/** Whether a command may run now; if not, what to tell the user (if anything). */
export function checkPrecondition(spec: CommandSpec, state: GuardState): GuardOutcome {
  const met = spec.needs === 'none' || (spec.needs === 'connected' ? state.connected : state.activeRoom !== null);
  if (met) return { run: true };
  return spec.unmet === undefined ? { run: false } : { run: false, say: spec.unmet };
}

/** The command behind each toolbar button of the webview. */
export const VIEW_COMMAND_IDS: Readonly<Record<ViewCommand, CommandId>> = {
  connect: 'messageApp.connect',
  switchRoom: 'messageApp.switchRoom',
  sendImage: 'messageApp.sendImage',
  disconnect: 'messageApp.disconnect',
  showFingerprint: 'messageApp.showFingerprint',
};
