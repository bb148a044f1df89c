// Extension entry: activate() only registers things on context.subscriptions;
// the behaviour lives in ChatController.

import * as vscode from 'vscode';
import { VIEW_ID } from './chat-view';
import { ChatController } from './controller';
import { logLine } from './errors';
import type { MessageAppTestApi } from './test-api';

export function activate(context: vscode.ExtensionContext): MessageAppTestApi | undefined {
  const log = vscode.window.createOutputChannel('Message App', { log: true });
  const controller = new ChatController(context, log);
  const run =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
      } catch (error) {
        log.error(logLine(error));
        void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      }
    };
  context.subscriptions.push(
    log,
    controller,
    vscode.window.registerWebviewViewProvider(VIEW_ID, controller.view),
    vscode.commands.registerCommand('messageApp.connect', run(() => controller.connect())),
    vscode.commands.registerCommand('messageApp.disconnect', run(() => controller.disconnect())),
    vscode.commands.registerCommand('messageApp.switchRoom', run(() => controller.switchRoom())),
    vscode.commands.registerCommand('messageApp.leaveRoom', run(() => controller.leaveRoom())),
    vscode.commands.registerCommand('messageApp.sendImage', run(() => controller.sendImage())),
    vscode.commands.registerCommand('messageApp.sendImageFile', run((uri?: vscode.Uri) => controller.sendImage(uri))),
    vscode.commands.registerCommand('messageApp.saveImage', run((arg?: unknown) => controller.saveImageFromContext(arg))),
    vscode.commands.registerCommand('messageApp.forgetPassphrase', run(() => controller.forgetPassphrase())),
    vscode.commands.registerCommand('messageApp.showFingerprint', run(() => controller.showFingerprint())),
    vscode.commands.registerCommand('messageApp.focus', run(() => controller.focus())),
  );
  void controller.reconnectOnStartup().catch((error: unknown) => log.warn(`reconnect on start-up: ${logLine(error)}`));
  return context.extensionMode === vscode.ExtensionMode.Production ? undefined : controller.testApi();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
