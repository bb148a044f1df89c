// Extension entry: activate() only registers things on context.subscriptions;
// the parts are wired in app.ts, the commands in commands/.

import * as vscode from 'vscode';
import { ChatApp } from './app';
import { VIEW_ID } from './chat-view';
import { registerCommands } from './commands/register';
import { logLine } from './errors';
import type { MessageAppTestApi } from './test-api';

export function activate(context: vscode.ExtensionContext): MessageAppTestApi | undefined {
  const log = vscode.window.createOutputChannel('Message App', { log: true });
  const app = new ChatApp(context, log);
  context.subscriptions.push(log, app, vscode.window.registerWebviewViewProvider(VIEW_ID, app.view), ...registerCommands(app));
  void app.connectFlow.reconnectOnStartup().catch((error: unknown) => log.warn(`reconnect on start-up: ${logLine(error)}`));
  return context.extensionMode === vscode.ExtensionMode.Production ? undefined : app.testApi();
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
