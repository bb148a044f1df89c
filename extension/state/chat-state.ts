// The host's model of the chat in this window: rooms joined, their messages as the
// view shows them, unread counts and connection state. Plain TypeScript (no
// `vscode`), so unread counting is unit-tested on Node; the ordering and merge
// rules are protocol/view-model.ts, the same ones the webview applies.

import { mergeOlder, ownPendingIndex, upsertItem } from '../../protocol/view-model';
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
  /** Server id of the first message counted unread since the room was last seen. */
  firstUnread?: number;
  /** Where the "New messages" line goes: the first unread when the room was opened, until another room is. */
  newFrom?: number;
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
    // Leaving a room drops its "New messages" line: next time it marks what came since.
    if (this.activeRoom !== null && this.activeRoom !== room) delete this.rooms.get(this.activeRoom)?.newFrom;
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
    if (!model) return;
    if (model.unread > 0 && model.firstUnread !== undefined) model.newFrom = model.firstUnread;
    model.unread = 0;
    delete model.firstUnread;
  }

  /** The user is looking at this room right now. */
  isSeen(room: string): boolean {
    return this.viewVisible && this.activeRoom === room;
  }

  /**
   * Adds or replaces an item (matched by sender and cid, protocol/view-model.ts).
   * `live` is for messages that just arrived (not pages of history the user asked
   * for): only those count as unread.
   */
  upsert(room: string, item: ViewItem, live: boolean): UpsertResult {
    const model = this.addRoom(room);
    if (upsertItem(model.items, item) !== 'added') return { added: false, unread: false };
    const own = item.kind !== 'placeholder' && item.kind !== 'line' && item.own;
    // A room line (12.5) is not unread by itself: it is no member's message and nothing to answer;
    // it stays visible in the timeline where the reader scrolls past it.
    const unread = live && !own && item.kind !== 'line' && !this.isSeen(room);
    if (unread) {
      if (model.unread === 0 && item.id !== null) model.firstUnread = item.id;
      model.unread += 1;
    }
    return { added: true, unread };
  }

  /** Marks our own pending item acked; returns the updated item, if the room shows it. */
  ack(room: string, cid: string, id: number, ts: number): ViewItem | undefined {
    const model = this.rooms.get(room);
    const before = model?.items[ownPendingIndex(model.items, cid)];
    if (!model || !before) return undefined;
    const after: ViewItem = before.kind === 'placeholder' || before.kind === 'line' ? { ...before, id, ts } : { ...before, id, ts, pending: false };
    upsertItem(model.items, after);
    return after;
  }

  /** Adds an older page; returns the items that were new to the view. */
  prependOlder(room: string, items: readonly ViewItem[], more: boolean): ViewItem[] {
    const model = this.addRoom(room);
    model.more = more;
    return mergeOlder(model.items, items);
  }

  setOnline(room: string, online: number): void {
    this.addRoom(room).online = online;
  }

  /** The item with this cid of the given kind (the webview names an image by room and cid). */
  findItem<K extends ViewItem['kind']>(room: string, cid: string, kind?: K): Extract<ViewItem, { kind: K }> | undefined {
    return this.rooms.get(room)?.items.find((i): i is Extract<ViewItem, { kind: K }> => i.cid === cid && (kind === undefined || i.kind === kind));
  }

  totalUnread(): number {
    let total = 0;
    for (const model of this.rooms.values()) total += model.unread;
    return total;
  }

  summaries(): ViewRoomSummary[] {
    return [...this.rooms.values()].map(({ room, online, unread, more, newFrom }) => ({ room, online, unread, more, ...(newFrom === undefined ? {} : { newFrom }) }));
  }

  snapshot(): ViewSnapshot {
    const rooms: ViewRoom[] = [...this.rooms.values()].map(({ room, online, unread, more, newFrom, items }) => ({
      room,
      online,
      unread,
      more,
      ...(newFrom === undefined ? {} : { newFrom }),
      items: [...items],
    }));
    return { connection: { ...this.connection }, me: this.me, rooms, active: this.activeRoom };
  }
}
