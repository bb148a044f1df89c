// Room commands: Switch Room... (a quick pick of the joined rooms, or join
// another) and Leave Room (after a confirmation).

import * as vscode from 'vscode';
import type { ChatApp } from '../app';
import { saveSetting } from '../config';
import { leaveActiveRoom } from '../leave-room';
import { askRoom } from '../prompts';

export async function switchRoom(app: ChatApp): Promise<void> {
  const session = app.sessions.current;
  const join = '$(add) Join another room...';
  type Pick = vscode.QuickPickItem & { room?: string };
  const items: Pick[] = (session?.state.summaries() ?? []).map((r) => ({
    label: `$(comment-discussion) ${r.room}`,
    description: r.room === session?.state.active ? 'current' : r.unread > 0 ? `${r.unread} unread` : '',
    detail: `${r.online} online`,
    room: r.room,
  }));
  items.push({ label: join });
  const picked = await vscode.window.showQuickPick(items, { title: 'Message App: Switch Room', placeHolder: 'Room to show' });
  if (!picked) return;
  if (picked.room && session) {
    session.selectRoom(picked.room);
    app.rooms.remember(picked.room);
    await saveSetting('room', picked.room);
    await app.focus();
    return;
  }
  const room = await askRoom('', 'Message App: Join Room');
  if (!room) return;
  await app.connectFlow.connect({ room, askServer: false });
}

/** Leave Room, after a modal confirmation (leave-room.ts). */
export async function leaveRoom(app: ChatApp): Promise<void> {
  await leaveActiveRoom({ session: app.sessions.current, rooms: app.rooms, confirm: (room) => app.confirmLeave(room) });
}
