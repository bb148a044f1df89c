// The webview's state, kept apart from the DOM: it applies host messages and
// builds the rows the message list shows (day separators, times, grouping), so
// all of it is unit-tested on Node without a document.

import { itemKey, mergeOlder, upsertItem } from '../protocol/view-model';
import type { HostMessage, ViewConnection, ViewItem, ViewMe, ViewRoom, ViewSender } from '../protocol/webview';

/** What a host message changed, so the renderer redraws only that. */
export type Change =
  | { kind: 'all' }
  | { kind: 'connection' }
  | { kind: 'rooms' }
  /** Items added or changed at the end of (or inside) a room. */
  | { kind: 'items'; room: string }
  /** An older page was put before what the room showed. */
  | { kind: 'older'; room: string }
  | { kind: 'notice' }
  | { kind: 'focus' }
  /** Who is typing changed in this room. */
  | { kind: 'typing'; room: string };

export interface Notice {
  level: 'info' | 'error';
  text: string;
}

export class ViewState {
  connection: ViewConnection = { state: 'idle' };
  me: ViewMe | null = null;
  rooms: ViewRoom[] = [];
  active: string | null = null;
  notice: Notice | null = null;
  /** Rooms with a `loadOlder` request on its way (one at a time per room). */
  readonly loadingOlder = new Set<string>();
  /** Room -> who types there now, as the host last said (it expires names 6 s after their last signal). */
  readonly typists = new Map<string, ViewSender[]>();
  /** False until the first snapshot: nothing is drawn from a half-known state. */
  ready = false;

  room(name: string | null): ViewRoom | undefined {
    return name === null ? undefined : this.rooms.find((r) => r.room === name);
  }

  /** "Ada is typing…", "Ada and Bob are typing…", "Several people are typing…", or '' (expired ones dropped). */
  typingLine(room: string | null): string {
    const names = (room === null ? undefined : this.typists.get(room))?.map((t) => t.name) ?? [];
    if (names.length === 0) return '';
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return 'Several people are typing…';
  }

  /** Someone's message arrived: they stopped typing it. */
  private stopTyping(room: string, fingerprint: string): void {
    const typists = this.typists.get(room);
    if (typists) this.typists.set(room, typists.filter((t) => t.fingerprint !== fingerprint));
  }

  activeRoom(): ViewRoom | undefined {
    return this.room(this.active);
  }

  /** Image bytes go to the image cache (image-cache.ts), highlighting to code-highlights.ts, members to the composer; none is view state. */
  apply(msg: Exclude<HostMessage, { type: 'highlighted' | 'themeChanged' | 'imageBytes' | 'members' }>): Change {
    switch (msg.type) {
      case 'snapshot':
        this.connection = msg.snapshot.connection;
        this.me = msg.snapshot.me;
        this.rooms = msg.snapshot.rooms.map((r) => ({ ...r, items: [...r.items] }));
        this.active = msg.snapshot.active;
        this.loadingOlder.clear();
        this.ready = true;
        this.clearErrorOnceJoined();
        return { kind: 'all' };
      case 'connection':
        this.connection = msg.connection;
        this.me = msg.me;
        this.clearErrorOnceJoined();
        return { kind: 'connection' };
      case 'upsert': {
        const room = this.ensureRoom(msg.room);
        for (const item of msg.items) {
          upsertItem(room.items, item);
          if (item.kind !== 'placeholder' && item.kind !== 'line') this.stopTyping(msg.room, item.from.fingerprint);
        }
        return { kind: 'items', room: msg.room };
      }
      case 'older': {
        const room = this.ensureRoom(msg.room);
        mergeOlder(room.items, msg.items);
        room.more = msg.more;
        this.loadingOlder.delete(msg.room);
        return { kind: 'older', room: msg.room };
      }
      case 'rooms': {
        const next: ViewRoom[] = msg.rooms.map((s) => ({ ...s, items: this.room(s.room)?.items ?? [] }));
        this.rooms = next;
        this.active = msg.active;
        return { kind: 'rooms' };
      }
      case 'notice':
        this.notice = { level: msg.level, text: msg.text };
        return { kind: 'notice' };
      case 'focusComposer':
        return { kind: 'focus' };
      case 'typing': {
        this.typists.set(msg.room, msg.who);
        return { kind: 'typing', room: msg.room };
      }
      default: {
        const unreachable: never = msg;
        return unreachable;
      }
    }
  }

  /** A "Cannot reach ..." from an earlier attempt is stale once a room is joined; an info note stays. */
  private clearErrorOnceJoined(): void {
    if (this.connection.state === 'joined' && this.notice?.level === 'error') this.notice = null;
  }

  /** Disconnected, the history stays readable: nothing can be sent, rooms switch without the host. */
  get readOnly(): boolean {
    return this.connection.state === 'closed';
  }

  private ensureRoom(name: string): ViewRoom {
    let room = this.room(name);
    if (!room) {
      room = { room: name, online: 0, unread: 0, more: false, items: [] };
      this.rooms.push(room);
    }
    return room;
  }

  /** Whether to ask for an older page now (and remember that it was asked). */
  shouldLoadOlder(name: string): boolean {
    const room = this.room(name);
    if (!room || !room.more || this.loadingOlder.has(name)) return false;
    this.loadingOlder.add(name);
    return true;
  }
}

/** One row of the message list. `key` is stable across redraws. */
export type Row =
  | { kind: 'day'; key: string; label: string }
  /** The "New messages" line before the first message that was unread when the room was opened. */
  | { kind: 'unread'; key: string; label: string }
  | {
      kind: 'message';
      key: string;
      item: ViewItem;
      /** Local time, e.g. "09:05". */
      time: string;
      /** Full date and time for the tooltip. */
      when: string;
      /** False when the same sender posted the previous message within five minutes. */
      showSender: boolean;
    };

const GROUP_MS = 5 * 60 * 1000;

export const UNREAD_ROW_KEY = 'unread';

/**
 * Builds the rows for a room's items: a separator before each new local day, and
 * the "New messages" line before the first item with an id of at least `newFrom`.
 */
export function buildRows(items: readonly ViewItem[], now: Date = new Date(), newFrom?: number): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let prev: ViewItem | undefined;
  let unreadPlaced = newFrom === undefined;
  for (const item of items) {
    const date = new Date(item.ts);
    const day = dayKey(date);
    if (day !== lastDay) {
      rows.push({ kind: 'day', key: `day:${day}`, label: dayLabel(date, now) });
      lastDay = day;
      prev = undefined;
    }
    // By id, not equality: the first unread may have been deleted since, the line then goes before the next.
    if (!unreadPlaced && item.id !== null && newFrom !== undefined && item.id >= newFrom) {
      rows.push({ kind: 'unread', key: UNREAD_ROW_KEY, label: 'New messages' });
      unreadPlaced = true;
      prev = undefined;
    }
    rows.push({
      kind: 'message',
      key: `msg:${itemKey(item)}`,
      item,
      time: formatTime(date),
      when: date.toLocaleString(),
      showSender: !sameSenderGroup(prev, item),
    });
    prev = item;
  }
  return rows;
}

function sameSenderGroup(prev: ViewItem | undefined, item: ViewItem): boolean {
  if (!prev || prev.kind === 'placeholder' || item.kind === 'placeholder' || prev.kind === 'line' || item.kind === 'line') return false;
  return (
    prev.from.fingerprint === item.from.fingerprint &&
    prev.from.name === item.from.name &&
    prev.verified === item.verified &&
    // The group's header shows one key mark: a compared key's shield is not lent to messages without it.
    (prev.compared === true) === (item.compared === true) &&
    item.ts - prev.ts < GROUP_MS
  );
}

export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

export function dayLabel(date: Date, now: Date): string {
  if (dayKey(date) === dayKey(now)) return 'Today';
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (dayKey(date) === dayKey(yesterday)) return 'Yesterday';
  const sameYear = date.getFullYear() === now.getFullYear();
  return date.toLocaleDateString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

export function formatTime(date: Date): string {
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** A piece of message text: plain, or a link the host may open. */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string };

// http(s) only: anything else stays plain text. Trailing punctuation is not part of the link.
const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}]+$/;

/** Splits text into plain parts and http(s) links; the parts joined give back the text. */
export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index ?? 0;
    let url = match[0];
    const trail = TRAILING.exec(url);
    if (trail) url = url.slice(0, url.length - trail[0].length);
    if (url.length <= 'https://'.length) continue;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: url, url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

/** The sentence a placeholder shows instead of content. */
export function placeholderText(reason: ViewItem & { kind: 'placeholder' }): string {
  switch (reason.reason) {
    case 'undecryptable':
      return 'This message could not be decrypted.';
    case 'bad_signature':
      return 'This message was not shown: its signature is invalid.';
    case 'cid_mismatch':
      return 'This message was not shown: it does not match the message it was sent as.';
    case 'unsupported':
      return 'This message is of a kind this version cannot show.';
    case 'deleted':
      return 'message deleted';
    default: {
      const unreachable: never = reason.reason;
      return unreachable;
    }
  }
}
