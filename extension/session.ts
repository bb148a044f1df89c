// One connection of this window to a chat server, for one identity and display
// name: joins rooms through the client core, keeps the ChatState model up to
// date from the client's events, and tells its listeners what to post to the
// webview, what is new (for notifications) and when the status changed.
// Plain module (no `vscode`): tested against a real server on Node.

import type { CodeSnippet } from '../protocol/code';
import { ChatClient, type ChatClientOptions, type ChatEvent } from '../client/chat-client';
import type { Identity } from '../client/keys';
import type { PreparedImage } from '../client/images/types';
import { rmSync } from 'node:fs';
import type { FileInfo } from '../client/kinds/file';
import type { RoomItem } from '../client/kinds/index';
import { describeFile, downloadFile, uploadFile, type TransferOptions } from '../client/files/send-file';
import type { CursorStore, OutboxStore, PinStore } from '../client/storage';
import { PAGE_SIZE } from '../protocol/constants';
import type { HostMessage, ViewItem } from '../protocol/webview';
import { ChatState } from './state/chat-state';
import { toViewItem } from './state/view-items';

export interface SessionOptions {
  server: string;
  name: string;
  identity: Identity;
  outbox: OutboxStore;
  cursors: CursorStore;
  pins: PinStore;
  /** The view's visibility when the session starts (for unread counting). */
  visible?: boolean;
  /** Extra ChatClient options (tests lower the KDF floor or the backoff). */
  client?: Partial<ChatClientOptions>;
}

export type SessionEvent =
  /** Post this to the webview. */
  | { type: 'view'; message: HostMessage }
  /** Someone else's message arrived; `unread` when the user is not looking at it. */
  | { type: 'incoming'; room: string; item: ViewItem; unread: boolean }
  /** Connection state, rooms or unread counts changed (status bar, badge). */
  | { type: 'status' }
  /** A sentence to show (from the client's error events). */
  | { type: 'error'; code: string; message: string; room?: string }
  /** A room line to tell the user (section 12: who changed the room's keys, whom they removed). */
  | { type: 'notice'; room: string; message: string };

export type JoinOutcome = { created: boolean; online: number };

/** How many messages a room shows when it is opened (the newest ones). */
export const INITIAL_PAGE = PAGE_SIZE;
/** Missed messages a join still catches up one by one; beyond it the room opens at its newest page. */
export const CATCH_UP_LIMIT = 4 * PAGE_SIZE;

export class ChatSession {
  readonly state = new ChatState();
  readonly server: string;
  readonly name: string;
  readonly identity: Identity;
  private readonly client: ChatClient;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private readonly stopClientEvents: () => void;
  private disposed = false;
  /** Rooms whose join is under way, with what arrived for them meanwhile. */
  private readonly staged = new Map<string, ChatState>();
  /** Keys and blob ids of the file messages shown (the view gets name, size and type only). */
  private readonly fileInfos = new Map<string, FileInfo>();

  constructor(options: SessionOptions) {
    this.server = options.server;
    this.name = options.name;
    this.identity = options.identity;
    this.state.setVisible(options.visible ?? false);
    this.state.me = { name: options.name, fingerprint: options.identity.fingerprint };
    this.state.connection = { state: 'idle', server: options.server };
    this.client = new ChatClient({
      address: options.server,
      identity: options.identity,
      name: options.name,
      outbox: options.outbox,
      cursors: options.cursors,
      pins: options.pins,
      // Received images are checked (mime, size, dimensions) by the client's default checkImage before anything shows them.
      // A window reloaded after a long absence opens at the newest page, not after opening every missed message (issue 16).
      catchUpLimit: CATCH_UP_LIMIT,
      ...(options.client ?? {}),
    });
    this.stopClientEvents = this.client.onEvent((event) => this.onClientEvent(event));
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SessionEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private post(message: HostMessage): void {
    this.emit({ type: 'view', message });
  }

  private postRooms(): void {
    this.post({ type: 'rooms', rooms: this.state.summaries(), active: this.state.active });
    this.emit({ type: 'status' });
  }

  /** Opens the connection (the client reconnects by itself after that). */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  /**
   * Joins (or creates) a room and loads its newest messages. Rejects with the
   * client's typed errors (WrongPassphraseError, NoRoomError, ...) and leaves
   * the model unchanged then.
   */
  async join(room: string, passphrase: string, opts: { create?: boolean; activate?: boolean } = {}): Promise<JoinOutcome> {
    // Messages the client delivers while joining (its first page or its catch-up)
    // are history, not news: they are staged and never count as unread.
    const known = this.state.room(room) !== undefined;
    // A second join of a room already being joined shares the first one's staging.
    if (!known && !this.staged.has(room)) this.staged.set(room, new ChatState());
    let result;
    try {
      result = await this.client.joinRoom(room, passphrase, { create: opts.create ?? false });
    } catch (error) {
      this.staged.delete(room);
      throw error;
    }
    const staged = this.staged.get(room);
    this.staged.delete(room);
    this.state.addRoom(room);
    for (const item of staged?.room(room)?.items ?? []) this.state.upsert(room, item, false);
    this.state.setOnline(room, result.online);
    if (opts.activate !== false || this.state.active === null) this.state.setActive(room);
    await this.showJoined(room, result.more);
    return { created: result.created, online: result.online };
  }

  /**
   * After a join the model holds what the client delivered (its first page, or a
   * catch-up after its cursor). Only when that is less than a page and the client
   * says older messages exist does it ask for them: the page before the oldest
   * shown, never the newest page a second time.
   */
  private async showJoined(room: string, more: boolean): Promise<void> {
    const shown = this.state.room(room)?.items.length ?? 0;
    if (more && shown < INITIAL_PAGE) {
      const page = await this.client.loadOlder(room);
      this.rememberFiles(room, page.messages);
      this.state.prependOlder(room, page.messages.map((m) => toViewItem(m)), page.more);
    } else {
      this.state.prependOlder(room, [], more);
    }
    const model = this.state.room(room);
    // The whole room once: the webview merges by cid.
    this.post({ type: 'older', room, items: model ? [...model.items] : [], more: model?.more ?? false });
    this.postRooms();
  }

  /** Loads the page before the oldest message shown (the client keeps that position); the webview asked for it. */
  async loadOlder(room: string): Promise<void> {
    const model = this.state.room(room);
    let items: ViewItem[] = [];
    let more = model?.more ?? false;
    try {
      if (model && model.more) {
        const page = await this.client.loadOlder(room);
        this.rememberFiles(room, page.messages);
        items = this.state.prependOlder(room, page.messages.map((m) => toViewItem(m)), page.more);
        more = page.more;
      }
    } finally {
      // The view asks for one page at a time and waits for this answer, even after a failure.
      this.post({ type: 'older', room, items, more });
    }
  }

  async sendText(room: string, text: string): Promise<string> {
    return this.client.sendText(room, text);
  }

  async sendCode(room: string, snippet: CodeSnippet): Promise<string> {
    return this.client.sendCode(room, snippet);
  }

  async sendImage(room: string, image: PreparedImage): Promise<string> {
    return this.client.sendImage(room, image);
  }

  /**
   * Sends the file at `path`: its SHA-256 is read first, then the blob goes up
   * (resuming across reconnects), then the `file` message. Progress counts the upload.
   */
  async sendFile(room: string, path: string, name: string | undefined, options: TransferOptions = {}): Promise<string> {
    const file = await describeFile(path, name);
    await uploadFile(this.client, room, file, path, options);
    return this.client.sendFile(room, file);
  }

  /** Section 12: the members who announced keys in a room (reads its history once), owners marked. */
  members(room: string): ReturnType<ChatClient['members']> {
    return this.client.members(room);
  }

  /** Section 12: new keys for the room (owner only), leaving out `remove` (names or fingerprints); resolves with the new passphrase. */
  rotate(room: string, remove: readonly string[]): ReturnType<ChatClient['rotate']> {
    return this.client.rotate(room, { remove });
  }

  /** This identity owns the room as far as the client has seen (the server has the last word). */
  isOwner(room: string): boolean {
    return this.client.isOwner(room);
  }

  /** What a shown file message needs to be downloaded, by room and cid. */
  fileInfo(room: string, cid: string): FileInfo | undefined {
    return this.fileInfos.get(`${room}\n${cid}`);
  }

  /**
   * Downloads file message `cid` into `out` (through `out.part`; renamed only
   * after the SHA-256 check). Drops are resumed inside; any failure that ends the
   * save (cancel, damage, a refusal) removes the partial file: Save As has no
   * later run to resume it.
   */
  async saveFile(room: string, cid: string, out: string, options: TransferOptions = {}): Promise<void> {
    const file = this.fileInfo(room, cid);
    if (!file) throw new Error(`No file message ${cid} is shown in room "${room}".`);
    try {
      await downloadFile(this.client, room, file, out, options);
    } catch (error) {
      rmSync(`${out}.part`, { force: true });
      throw error;
    }
  }

  private rememberFiles(room: string, items: readonly RoomItem[]): void {
    for (const item of items) if (item.kind === 'file') this.fileInfos.set(`${room}\n${item.cid}`, item.file);
  }

  selectRoom(room: string): void {
    if (!this.state.room(room)) return;
    this.state.setActive(room);
    this.postRooms();
  }

  async leave(room: string): Promise<void> {
    this.client.leaveRoom(room);
    this.state.removeRoom(room);
    this.postRooms();
  }

  setVisible(visible: boolean): void {
    const before = this.state.totalUnread();
    this.state.setVisible(visible);
    if (this.state.totalUnread() !== before) this.postRooms();
  }

  private onClientEvent(event: ChatEvent): void {
    if (this.disposed) return;
    if (event.type === 'message' || event.type === 'pending') this.rememberFiles(event.room, [event.item]);
    switch (event.type) {
      case 'state': {
        this.state.connection = {
          state: event.state,
          server: this.server,
          ...(event.detail ? { detail: event.detail } : {}),
        };
        this.post({ type: 'connection', connection: this.state.connection, me: this.state.me });
        this.emit({ type: 'status' });
        return;
      }
      case 'message': {
        const staged = this.staged.get(event.room);
        if (staged) {
          staged.upsert(event.room, toViewItem(event.item), false);
          return;
        }
        if (!this.state.room(event.room)) return;
        const item = toViewItem(event.item);
        const result = this.state.upsert(event.room, item, true);
        this.post({ type: 'upsert', room: event.room, items: [item] });
        if (result.added && !(item.kind !== 'placeholder' && item.own)) {
          this.emit({ type: 'incoming', room: event.room, item, unread: result.unread });
        }
        if (result.unread) this.postRooms();
        return;
      }
      case 'pending': {
        const item = toViewItem(event.item, true);
        const staged = this.staged.get(event.room);
        if (staged) {
          staged.upsert(event.room, item, false);
          return;
        }
        if (!this.state.room(event.room)) return;
        this.state.upsert(event.room, item, false);
        this.post({ type: 'upsert', room: event.room, items: [item] });
        return;
      }
      case 'acked': {
        const staged = this.staged.get(event.room);
        if (staged) {
          staged.ack(event.room, event.cid, event.id, event.ts);
          return;
        }
        const item = this.state.ack(event.room, event.cid, event.id, event.ts);
        if (item) this.post({ type: 'upsert', room: event.room, items: [item] });
        return;
      }
      case 'presence': {
        if (!this.state.room(event.room)) return;
        this.state.setOnline(event.room, event.online);
        this.postRooms();
        return;
      }
      case 'room': {
        // A rejoin after a reconnect failed (the room's passphrase changed or the room is gone).
        if (event.state === 'failed' && this.state.room(event.room) && !this.staged.has(event.room)) {
          this.emit({ type: 'error', code: 'rejoin_failed', room: event.room, message: `Could not rejoin room "${event.room}" after reconnecting.` });
        }
        return;
      }
      case 'error': {
        this.emit({ type: 'error', code: event.code, message: event.message, ...(event.room ? { room: event.room } : {}) });
        return;
      }
      case 'epoch': {
        // Section 12.5's room line; the client already follows the new key, nothing to type.
        const who = event.own ? 'You' : event.by;
        const what = event.removed.length > 0 ? `removed ${event.removed.join(', ')} from` : 'changed the passphrase of';
        this.emit({ type: 'notice', room: event.room, message: `${who} ${what} room "${event.room}".` });
        return;
      }
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }

  /** Closes the connection; unacked messages stay in the outbox for next time. */
  async close(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.stopClientEvents();
    this.listeners.clear();
    this.client.close();
  }
}
