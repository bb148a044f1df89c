// Registers every command of commands/table.ts with its handler: the table's
// guard runs first (saying why when it fails), and an error is logged and shown
// as one sentence. The handlers are keyed by command id, so a command without a
// handler (or a handler without a command) does not compile.

import * as vscode from 'vscode';
import type { ChatApp } from '../app';
import { logLine } from '../errors';
import { connect, disconnect, focus } from './connection';
import { shareSelection } from './code';
import { saveImageFromContext, sendImage } from './images';
import { saveFileFromContext, sendFile } from './files';
import { forgetPassphrase, showFingerprint } from './keys';
import { leaveRoom, switchRoom } from './rooms';
import { changePassphrase, removeMember } from './members';
import { copyInvite, forgetRoomParams, trustNewCertificate, trustNewKey, verifyFingerprint } from './trust';
import { checkPrecondition, COMMANDS, type CommandId } from './table';
import { roomNotifications } from './room-notify';

type Handler = (app: ChatApp, arg?: unknown) => Promise<void>;

const HANDLERS: Record<CommandId, Handler> = {
  'messageApp.connect': connect,
  'messageApp.disconnect': disconnect,
  'messageApp.switchRoom': switchRoom,
  'messageApp.leaveRoom': leaveRoom,
  'messageApp.sendImage': (app) => sendImage(app),
  'messageApp.forgetPassphrase': forgetPassphrase,
  'messageApp.showFingerprint': showFingerprint,
  'messageApp.focus': focus,
  'messageApp.sendImageFile': sendImage,
  'messageApp.saveImage': saveImageFromContext,
  'messageApp.copyInvite': copyInvite,
  'messageApp.trustNewCertificate': trustNewCertificate,
  'messageApp.forgetRoomParams': forgetRoomParams,
  'messageApp.shareSelection': shareSelection,
  'messageApp.sendFile': (app) => sendFile(app),
  'messageApp.sendFileToChat': sendFile,
  'messageApp.saveFile': saveFileFromContext,
  'messageApp.roomNotifications': roomNotifications,
  'messageApp.verifyFingerprint': verifyFingerprint,
  'messageApp.trustNewKey': trustNewKey,
  'messageApp.removeMember': removeMember,
  'messageApp.changePassphrase': changePassphrase,
};

export function registerCommands(app: ChatApp): vscode.Disposable[] {
  return COMMANDS.map((spec) =>
    vscode.commands.registerCommand(spec.id, async (arg?: unknown) => {
      const session = app.sessions.current;
      const guard = checkPrecondition(spec, { connected: session !== undefined, activeRoom: session?.state.active ?? null });
      if (!guard.run) {
        if (guard.say) void vscode.window.showInformationMessage(guard.say);
        return;
      }
      try {
        await HANDLERS[spec.id](app, arg);
      } catch (error) {
        app.log.error(logLine(error));
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      }
    }),
  );
}
