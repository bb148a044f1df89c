// The status-bar item: connection state, the current room and the unread of the
// other rooms at a glance (wording in state/status-text.ts); a click focuses the chat.

import * as vscode from 'vscode';
import type { ViewConnection, ViewRoomSummary } from '../protocol/webview';
import { statusView } from './state/status-text';

export const FOCUS_COMMAND = 'messageApp.focus';

export class ChatStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('messageApp.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Message App';
    this.item.command = FOCUS_COMMAND;
    this.update({ state: 'idle' }, null, []);
    this.item.show();
  }

  update(connection: ViewConnection, room: string | null, rooms: readonly ViewRoomSummary[], plaintext = false): void {
    const view = statusView(connection, room, rooms, plaintext);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.accessibilityInformation = { label: view.label, role: 'button' };
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
