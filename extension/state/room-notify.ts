// Per-room notifications (issue 13): all / mentions / none, kept per server and
// room in globalState. They decide only whether a toast comes: the unread count
// and the badge still count every message. Plain module (no `vscode`), tested on Node.

import type { ViewItem } from '../../protocol/webview';
import type { KeyValueStore } from '../stores';
import { mentionsMe } from './notify';

export const ROOM_NOTIFY_LEVELS = ['all', 'mentions', 'none'] as const;
export type RoomNotifyLevel = (typeof ROOM_NOTIFY_LEVELS)[number];

/** The globalState key of the { "<server> <room>": level } record (only rooms not at 'all'). */
export const ROOM_NOTIFY_KEY = 'messageApp.roomNotifications';

function isLevel(value: unknown): value is RoomNotifyLevel {
  return typeof value === 'string' && (ROOM_NOTIFY_LEVELS as readonly string[]).includes(value);
}

/** One entry per server and room; a NUL between them, which neither an address nor a room name holds. */
function entryKey(server: string, room: string): string {
  return `${server}\u0000${room}`;
}

export class RoomNotifySettings {
  constructor(private readonly store: KeyValueStore) {}

  private all(): Record<string, unknown> {
    const saved = this.store.get<unknown>(ROOM_NOTIFY_KEY);
    return typeof saved === 'object' && saved !== null && !Array.isArray(saved) ? { ...(saved as Record<string, unknown>) } : {};
  }

  /** The room's level; 'all' when never set (or the saved value is not one we know). */
  get(server: string, room: string): RoomNotifyLevel {
    const level = this.all()[entryKey(server, room)];
    return isLevel(level) ? level : 'all';
  }

  async set(server: string, room: string, level: RoomNotifyLevel): Promise<void> {
    const all = this.all();
    if (level === 'all') delete all[entryKey(server, room)];
    else all[entryKey(server, room)] = level;
    await this.store.update(ROOM_NOTIFY_KEY, all);
  }
}

/** Whether a new message in a room at `level` earns a toast (the global setting and the view's visibility are checked elsewhere). */
export function roomAllowsToast(level: RoomNotifyLevel, item: ViewItem): boolean {
  switch (level) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'mentions':
      // By identity key (PROTOCOL.md section 10), never by "@name" in the text, which anyone can type.
      return mentionsMe(item);
    default: {
      const unreachable: never = level;
      return unreachable;
    }
  }
}

/** The quick pick's rows, the current level marked. */
export function roomNotifyPicks(current: RoomNotifyLevel): Array<{ level: RoomNotifyLevel; label: string; description: string; detail: string }> {
  const rows: Array<{ level: RoomNotifyLevel; label: string; detail: string }> = [
    { level: 'all', label: '$(bell) All messages', detail: 'A notification for every new message while the chat is hidden' },
    { level: 'mentions', label: '$(mention) Only @mentions', detail: 'A notification only when a message mentions you (picked with @)' },
    { level: 'none', label: '$(bell-slash) None', detail: 'No notifications; the badge still counts unread messages' },
  ];
  return rows.map((r) => ({ ...r, description: r.level === current ? 'current' : '' }));
}
