// "Message App: Room Notifications...": all / mentions / none for the room shown
// (or the one a menu names), kept per server and room (state/room-notify.ts).

import * as vscode from 'vscode';
import type { ChatApp } from '../app';
import { roomNotifyPicks } from '../state/room-notify';

export async function roomNotifications(app: ChatApp, arg?: unknown): Promise<void> {
  const session = app.sessions.current;
  const room = typeof arg === 'string' && session?.state.room(arg) ? arg : session?.state.active;
  if (!session || !room) return;
  const current = app.roomNotify.get(session.server, room);
  const picked = await vscode.window.showQuickPick(roomNotifyPicks(current), {
    title: `Message App: Notifications for ${room}`,
    placeHolder: 'When to show a notification for this room',
  });
  if (!picked || picked.level === current) return;
  await app.roomNotify.set(session.server, room, picked.level);
}
