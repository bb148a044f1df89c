// The host's model of the chat in this window: rooms joined, their messages as the
// view shows them, unread counts and connection state. Plain TypeScript (no
// `vscode`), so the rules for ordering, de-duplication and unread counting are
// unit-tested on Node; the view provider turns its changes into webview messages.

import type {
  ViewConnection,
  ViewItem,
  ViewMe,
  ViewRoom,
  ViewRoomSummary,
  ViewSnapshot,
} from '../../protocol/webview';

export interface RoomModel {
  room: string;
  online: number;
  unread: number;
  more: boolean;
  /** Acked items ascending by id, then pending items in the order they were sent. */
  items: ViewItem[];
}

export interface UpsertResult {
  /** The item was not shown before (false when it replaced one with the same cid). */
  added: boolean;
  /** It counted as unread (someone else's new message the user has not seen). */
  unread: boolean;
}

export class ChatState {
  connection: ViewConnection = { state: 'idle' };
  me: ViewMe | null = null;
  private readonly rooms = new Map<string, RoomModel>();
  private activeRoom: string | null = null;
  private viewVisible = false;

  get active(): string | null {
    return this.activeRoom;
  }

  get visible(): boolean {
    return this.viewVisible;
  }

  room(room: string): RoomModel | undefined {
    return this.rooms.get(room);
  }

  roomNames(): string[] {
    return [...this.rooms.keys()];
  }

  /** Adds a room (kept in join order) or returns the one there. */
  addRoom(room: string): RoomModel {
    let model = this.rooms.get(room);
    if (!model) {
      model = { room, online: 0, unread: 0, more: false, items: [] };
      this.rooms.set(room, model);
    }
    return model;
  }

  removeRoom(room: string): void {
    this.rooms.delete(room);
    if (this.activeRoom === room) this.activeRoom = this.rooms.keys().next().value ?? null;
  }

  /** Makes a room the one shown; seeing it clears its unread count when the view is visible. */
  setActive(room: string | null): void {
    if (room !== null) this.addRoom(room);
    this.activeRoom = room;
    this.markSeen();
  }

  setVisible(visible: boolean): void {
    this.viewVisible = visible;
    this.markSeen();
  }

  private markSeen(): void {
    if (!this.viewVisible || this.activeRoom === null) return;
    const model = this.rooms.get(this.activeRoom);
    if (model) model.unread = 0;
  }

  /** The user is looking at this room right now. */
  isSeen(room: string): boolean {
    return this.viewVisible && this.activeRoom === room;
  }

  /**
   * Adds or replaces an item (matched by cid). `live` is for messages that just
   * arrived (not pages of history the user asked for): only those count as unread.
   */
  upsert(room: string, item: ViewItem, live: boolean): UpsertResult {
    const model = this.addRoom(room);
    const at = model.items.findIndex((i) => i.cid === item.cid);
    if (at >= 0) {
      const before = model.items[at];
      // An acked copy is never turned back into a pending one (a late `pending`
      // event after the ack, or a resend after reconnect).
      if (before && before.id !== null && item.id === null) return { added: false, unread: false };
      model.items.splice(at, 1);
      insertSorted(model.items, item);
      return { added: false, unread: false };
    }
    insertSorted(model.items, item);
    const own = item.kind !== 'placeholder' && item.own;
    const unread = live && !own && !this.isSeen(room);
    if (unread) model.unread += 1;
    return { added: true, unread };
  }

  /** Marks a pending item acked; returns the updated item, if the room shows it. */
  ack(room: string, cid: string, id: number, ts: number): ViewItem | undefined {
    const model = this.rooms.get(room);
    const at = model?.items.findIndex((i) => i.cid === cid) ?? -1;
    if (!model || at < 0) return undefined;
    const before = model.items[at];
    if (!before) return undefined;
    const after: ViewItem = before.kind === 'placeholder' ? { ...before, id, ts } : { ...before, id, ts, pending: false };
    model.items.splice(at, 1);
    insertSorted(model.items, after);
    return after;
  }

  /** Adds an older page; returns the items that were new to the view. */
  prependOlder(room: string, items: readonly ViewItem[], more: boolean): ViewItem[] {
    const model = this.addRoom(room);
    const known = new Set(model.items.map((i) => i.cid));
    const fresh = items.filter((i) => !known.has(i.cid));
    for (const item of fresh) insertSorted(model.items, item);
    model.more = more;
    return fresh;
  }

  /** The lowest server id the room shows (to ask for the page before it). */
  oldestId(room: string): number | undefined {
    for (const item of this.rooms.get(room)?.items ?? []) if (item.id !== null) return item.id;
    return undefined;
  }

  setOnline(room: string, online: number): void {
    this.addRoom(room).online = online;
  }

  setMore(room: string, more: boolean): void {
    this.addRoom(room).more = more;
  }

  findItem(room: string, cid: string): ViewItem | undefined {
    return this.rooms.get(room)?.items.find((i) => i.cid === cid);
  }

  totalUnread(): number {
    let total = 0;
    for (const model of this.rooms.values()) total += model.unread;
    return total;
  }

  summaries(): ViewRoomSummary[] {
    return [...this.rooms.values()].map(({ room, online, unread, more }) => ({ room, online, unread, more }));
  }

  snapshot(): ViewSnapshot {
    const rooms: ViewRoom[] = [...this.rooms.values()].map(({ room, online, unread, more, items }) => ({
      room,
      online,
      unread,
      more,
      items: [...items],
    }));
    return { connection: { ...this.connection }, me: this.me, rooms, active: this.activeRoom };
  }
}

/** Acked items by id; pending ones (id null) stay after them in arrival order. */
export function insertSorted(items: ViewItem[], item: ViewItem): void {
  if (item.id === null) {
    items.push(item);
    return;
  }
  let at = items.length;
  // Walk back over pending items and newer acked ones; new messages usually land at the end.
  while (at > 0) {
    const prev = items[at - 1];
    if (prev && prev.id !== null && prev.id < item.id) break;
    at -= 1;
  }
  items.splice(at, 0, item);
}
