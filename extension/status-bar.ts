// The status-bar item: connection state and room at a glance; a click focuses the chat.

import * as vscode from 'vscode';
import type { ViewConnection } from '../protocol/webview';

export const FOCUS_COMMAND = 'messageApp.focus';

export class ChatStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('messageApp.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Message App';
    this.item.command = FOCUS_COMMAND;
    this.update({ state: 'idle' }, null, 0);
    this.item.show();
  }

  update(connection: ViewConnection, room: string | null, unread: number): void {
    const { text, tooltip } = describe(connection, room);
    this.item.text = unread > 0 ? `${text} (${unread})` : text;
    this.item.tooltip = `${tooltip}${unread > 0 ? `\n${unread} unread` : ''}\nClick to open the chat.`;
    this.item.backgroundColor =
      connection.state === 'reconnecting' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function describe(c: ViewConnection, room: string | null): { text: string; tooltip: string } {
  const where = c.server ? ` on ${c.server}` : '';
  switch (c.state) {
    case 'joined':
      return { text: `$(comment-discussion) ${room ?? 'Chat'}`, tooltip: `Message App: connected to ${room ?? 'the server'}${where}` };
    case 'hello':
      return { text: '$(comment-discussion) Chat: no room', tooltip: `Message App: connected${where}, no room joined` };
    case 'connecting':
    case 'joining':
      return { text: '$(sync~spin) Chat: connecting', tooltip: `Message App: connecting${where}` };
    case 'reconnecting':
      return { text: '$(sync~spin) Chat: reconnecting', tooltip: `Message App: connection lost${where}; reconnecting${c.detail ? `\n${c.detail}` : ''}` };
    case 'idle':
    case 'closed':
      return { text: '$(comment-discussion) Chat: offline', tooltip: 'Message App: not connected' };
    default: {
      const unreachable: never = c.state;
      return unreachable;
    }
  }
}
