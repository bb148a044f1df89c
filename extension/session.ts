// One connection of this window to a chat server, for one identity and display
// name: joins rooms through the client core, keeps the ChatState model up to
// date from the client's events, and tells its listeners what to post to the
// webview, what is new (for notifications) and when the status changed.
// Plain module (no `vscode`): tested against a real server on Node.

import type { CodeSnippet } from '../protocol/code';
import { ChatClient, type ChatClientOptions, type ChatEvent } from '../client/chat-client';
import type { Identity } from '../client/keys';
import type { Mention } from '../client/mentions';
import type { PreparedImage } from '../client/images/types';
import { rmSync } from 'node:fs';
import type { FileInfo } from '../client/kinds/file';
import type { RoomItem } from '../client/kinds/index';
import { describeFile, downloadFile, uploadFile, type TransferOptions } from '../client/files/send-file';
import type { CursorStore, OutboxStore, PinStore } from '../client/storage';
import { PAGE_SIZE } from '../protocol/constants';
import type { HostMessage, ViewImageItem, ViewItem, ViewMember } from '../protocol/webview';
import { escapeName } from '../client/names';
import { ChatState } from './state/chat-state';
import { RoomFolds } from './state/conversation';
import { TypingRoster } from './state/typing';
import { ClientError } from '../client/errors';
import type { ModifierItem } from '../client/kinds/modifiers';
import { fingerprint as fingerprintOf } from '../client/keys';
import { SenderBook, type SeenSender, type SenderStanding } from './senders';

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
  /** Who wrote with which key in each room (Verify Fingerprint..., Trust New Key...). */
  private readonly senders = new SenderBook();
  /** The bytes of the image messages shown, by room, sender fingerprint and cid: the view asks for them by ref (`imageBytes`). */
  private readonly imageBytes = new Map<string, Uint8Array>();
  /** Edits and reactions folded into their messages, per room (section 13). */
  private readonly folds: RoomFolds;
  /** Who is typing per room; the view is told whenever that changes (names expire after 6 s). */
  private readonly typists = new TypingRoster((room, who) => {
    if (this.state.room(room)) this.post({ type: 'typing', room, who });
  });

  constructor(options: SessionOptions) {
    this.server = options.server;
    this.name = options.name;
    this.identity = options.identity;
    this.folds = new RoomFolds(options.identity.fingerprint);
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
      this.rememberImages(room, page.messages);
      this.state.prependOlder(room, this.foldPage(room, page), page.more);
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
        this.rememberImages(room, page.messages);
        items = this.state.prependOlder(room, this.foldPage(room, page), page.more);
        more = page.more;
        // Replies already shown whose quoted message came with this page, and targets its modifiers changed.
        this.refresh(room, this.changedBy(room, items));
      }
    } finally {
      // The view asks for one page at a time and waits for this answer, even after a failure.
      this.post({ type: 'older', room, items, more });
    }
  }

  /** `mentions`: fingerprints the view picked with `@` (PROTOCOL.md section 10). */
  async sendText(room: string, text: string, mentions: readonly string[] = []): Promise<string> {
    return this.client.sendText(room, text, this.mentionKeys(room, mentions));
  }

  /**
   * The identity keys of the fingerprints the view picked, from those seen in the room: one no
   * longer known refuses the send with a sentence.
   */
  private mentionKeys(room: string, mentions: readonly string[], shown: readonly { key: Uint8Array; name: string; fingerprint: string }[] = []): Mention[] {
    if (mentions.length === 0) return [];
    const known = [...this.client.mentionable(room), ...shown];
    const picked = [...new Set(mentions)].map((f) => known.find((m) => m.fingerprint === f));
    const keys = picked.flatMap((m) => (m ? [{ key: m.key, name: m.name }] : []));
    if (keys.length !== picked.length) {
      throw new ClientError('invalid_input', 'Someone mentioned in this message is not a known member of the room; the message was not sent.', room);
    }
    return keys;
  }

  /** Who `@` can complete in a room: names seen verified there this session, with fingerprints (never keys). */
  mentionable(room: string): ViewMember[] {
    return this.client.mentionable(room).map(({ name, fingerprint }) => ({ name: escapeName(name), fingerprint }));
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
    this.senders.remember(room, items);
    for (const item of items) if (item.kind === 'file') this.fileInfos.set(`${room}\n${item.cid}`, item.file);
  }

  // ---- identity keys: Verify Fingerprint..., Trust New Key... ----

  /** The senders a room has shown, with their standing, for the commands' pickers. */
  roomSenders(room: string): SenderStanding[] {
    return this.senders.list(room).map((s) => ({ shown: escapeName(s.name), fingerprint: s.fingerprint, standing: this.standingOf(room, s) }));
  }

  private standingOf(room: string, sender: SeenSender): SenderStanding['standing'] {
    const pinned = this.client.pinnedKeyOf(room, sender.name);
    if (pinned === Buffer.from(sender.key).toString('hex') && sender.unverified === null) {
      return this.client.isCompared(room, sender.name, sender.key) ? 'compared' : 'pinned';
    }
    // Only the same name under another key may be re-pinned: a look-alike or invisible name must never take over a pin.
    return sender.unverified?.why === 'changed-key' ? 'changed-key' : 'other';
  }

  /** The fingerprint the room has pinned for this sender's name (what Trust New Key shows as the old one). */
  pinnedFingerprint(room: string, fingerprint: string, shown?: string): string | undefined {
    const sender = this.senders.find(room, fingerprint, shown);
    const pinned = sender ? this.client.pinnedKeyOf(room, sender.name) : undefined;
    return pinned === undefined ? undefined : fingerprintOf(Buffer.from(pinned, 'hex'));
  }

  /**
   * "They match": records the comparison in the pin store and shows the stronger mark on the
   * sender's messages already in the view. false when the key is not the pinned one.
   */
  async compareSender(room: string, fingerprint: string, shown?: string): Promise<boolean> {
    const sender = this.senders.find(room, fingerprint, shown);
    if (!sender || this.standingOf(room, sender) === 'other') return false;
    if (!(await this.client.compareKey(room, sender.name, sender.key))) return false;
    this.remark(room, (item) => item.from.fingerprint === fingerprint && item.from.name === escapeName(sender.name) && item.verified, true);
    return true;
  }

  /**
   * Trust New Key: re-pins the sender's name to its new key; its later messages verify. A
   * comparison of the old key no longer counts, so its marks go. false unless the sender's name
   * showed a changed key (a look-alike or invisible name is never re-pinned).
   */
  async trustSenderKey(room: string, fingerprint: string, shown?: string): Promise<boolean> {
    const sender = this.senders.find(room, fingerprint, shown);
    if (!sender || this.standingOf(room, sender) !== 'changed-key') return false;
    const old = this.pinnedFingerprint(room, fingerprint, shown);
    await this.client.trustNewKey(room, sender.name, sender.key);
    sender.unverified = null;
    this.remark(room, (item) => item.from.fingerprint === old && item.from.name === escapeName(sender.name), false);
    return true;
  }

  /** Sets or clears the compared mark on the shown items that match, and posts the changed ones. */
  private remark(room: string, match: (item: Exclude<ViewItem, { kind: 'placeholder' | 'line' }>) => boolean, compared: boolean): void {
    const changed: ViewItem[] = [];
    for (const item of [...(this.state.room(room)?.items ?? [])]) {
      if (item.kind === 'placeholder' || item.kind === 'line' || item.own || !match(item) || (item.compared === true) === compared) continue;
      const { compared: _old, ...rest } = item;
      const next: ViewItem = compared ? { ...rest, compared: true } : rest;
      this.state.upsert(room, next, false);
      changed.push(next);
      // The fold keeps the room item and rebuilds the view item from it when a reaction or an edit
      // comes: the mark must be on the room item too, or that rebuild would drop (or revive) it.
      const stored = item.id === null ? undefined : this.folds.target(room, item.id);
      if (stored && stored.kind !== 'placeholder' && stored.kind !== 'line') {
        if (compared) stored.compared = true;
        else delete stored.compared;
      }
    }
    if (changed.length > 0) this.post({ type: 'upsert', room, items: changed });
  }

  private rememberImages(room: string, items: readonly RoomItem[]): void {
    for (const item of items) if (item.kind === 'image') this.imageBytes.set(imageKey(room, item.from.fingerprint, item.cid), item.image.data);
  }

  /** An image shown in this room from this sender, with its bytes (the view names both: one sender's cid never yields another's image). */
  image(room: string, sender: string, cid: string): HostImage | undefined {
    const data = this.imageBytes.get(imageKey(room, sender, cid));
    const item = this.state.room(room)?.items.find((i): i is ViewImageItem => i.kind === 'image' && i.cid === cid && i.from.fingerprint === sender);
    return data && item ? { item, data } : undefined;
  }

  /** Answers message `to` (server id) with `text`. */
  async sendReply(room: string, to: number, text: string, mentions: readonly string[] = []): Promise<string> {
    return this.client.sendReply(room, to, text, this.mentionKeys(room, mentions));
  }

  /**
   * Replaces the text of our own message `id` (only text and reply messages have text to edit).
   * `mentions`: the fingerprints the new text mentions, [] for no one (PROTOCOL.md section 13);
   * left out, the edit carries no field and the message keeps its mentions.
   */
  async edit(room: string, id: number, text: string, mentions?: readonly string[]): Promise<string> {
    const target = this.target(room, id);
    if (!target.own) throw new ClientError('invalid_input', 'Only your own messages can be edited.', room);
    if (target.kind !== 'text' && target.kind !== 'reply') throw new ClientError('invalid_input', 'Only text messages can be edited.', room);
    // A mention the message shows now is kept by its key, even for a member not seen this session.
    const shown = this.folds.fold(room).stateById(id)?.mentions ?? [];
    return this.client.sendEdit(room, { key: target.from.key, cid: target.cid }, text, mentions === undefined ? undefined : this.mentionKeys(room, mentions, shown));
  }

  /** Adds (or with `remove`, takes back) this identity's `emoji` on message `id`. */
  async react(room: string, id: number, emoji: string, remove: boolean): Promise<string> {
    const target = this.target(room, id);
    return this.client.sendReaction(room, { key: target.from.key, cid: target.cid }, emoji, { remove });
  }

  /** Deletes our own message `id` for everyone; the server refuses anyone else's (ServerError 'forbidden'). */
  async deleteMessage(room: string, id: number): Promise<void> {
    const shown = this.state.room(room)?.items.find((i) => i.id === id);
    if (!shown) throw new ClientError('invalid_input', `Message ${id} is not shown in room "${room}".`, room);
    if (shown.kind === 'line' || (shown.kind !== 'placeholder' && !shown.own)) throw new ClientError('invalid_input', 'Only your own messages can be deleted.', room);
    await this.client.deleteMessage(room, { id, cid: shown.cid });
  }

  /** Tells the room's members that we are typing (the client sends at most one signal per 3 s). */
  typing(room: string): void {
    if (this.state.room(room)) this.client.sendTyping(room);
  }

  /** Who is typing in a room now (names expire 6 s after their last signal). */
  typingIn(room: string): { name: string; fingerprint: string }[] {
    return this.typists.list(room);
  }

  /** A shown message (not a placeholder) by server id, with its sender key and cid; else a sentence. */
  private target(room: string, id: number): Exclude<RoomItem, { kind: 'placeholder' | 'line' }> {
    const item = this.folds.target(room, id);
    if (!item || item.kind === 'placeholder' || item.kind === 'line') throw new ClientError('invalid_input', `Message ${id} is not shown in room "${room}", or cannot be read.`, room);
    return item;
  }

  /** A page's items folded: its modifiers first, so they apply as their targets are added. */
  private foldPage(room: string, page: { messages: RoomItem[]; modifiers: ModifierItem[] }): ViewItem[] {
    const changed: ViewItem[] = [];
    for (const m of page.modifiers) {
      const item = this.folds.modifier(room, m);
      if (item) changed.push(item);
    }
    // Targets shown already that this page's modifiers changed (paging backwards: modifiers of newer messages are rare).
    if (changed.length > 0) this.refresh(room, changed);
    return page.messages.map((m) => this.folds.view(room, m));
  }

  /** The replies shown that quote one of `items` (they came, changed or went), quoted again. */
  private changedBy(room: string, items: readonly ViewItem[]): ViewItem[] {
    const shown = this.state.room(room)?.items ?? [];
    const out: ViewItem[] = [];
    for (const item of items) if (item.id !== null) out.push(...this.folds.requote(room, item.id, shown));
    return out;
  }

  /** Upserts changed items into the model and tells the view. */
  private refresh(room: string, items: readonly ViewItem[]): void {
    if (items.length === 0 || !this.state.room(room)) return;
    for (const item of items) this.state.upsert(room, item, false);
    this.post({ type: 'upsert', room, items: [...items] });
  }

  selectRoom(room: string): void {
    if (!this.state.room(room)) return;
    this.state.setActive(room);
    this.postRooms();
  }

  async leave(room: string): Promise<void> {
    this.client.leaveRoom(room);
    this.state.removeRoom(room);
    for (const key of this.imageBytes.keys()) if (key.startsWith(`${room}\n`)) this.imageBytes.delete(key);
    this.folds.forget(room);
    this.typists.forget(room);
    this.postRooms();
  }

  setVisible(visible: boolean): void {
    const before = this.state.totalUnread();
    this.state.setVisible(visible);
    if (this.state.totalUnread() !== before) this.postRooms();
  }

  private onClientEvent(event: ChatEvent): void {
    if (this.disposed) return;
    if (event.type === 'message' || event.type === 'pending') {
      this.rememberFiles(event.room, [event.item]);
      this.rememberImages(event.room, [event.item]);
    }
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
          staged.upsert(event.room, this.folds.view(event.room, event.item), false);
          return;
        }
        if (!this.state.room(event.room)) return;
        const item = this.folds.view(event.room, event.item);
        const result = this.state.upsert(event.room, item, true);
        this.post({ type: 'upsert', room: event.room, items: [item] });
        if (item.kind !== 'placeholder' && item.kind !== 'line') this.typists.stopped(event.room, item.from.fingerprint);
        // A room line (12.5) is no one's message: it shows in the room but raises no notification or toast.
        if (result.added && item.kind !== 'line' && !(item.kind !== 'placeholder' && item.own)) {
          this.emit({ type: 'incoming', room: event.room, item, unread: result.unread });
        }
        if (result.unread) this.postRooms();
        return;
      }
      case 'modifier': {
        // An edit or reaction: the target's view changes (or the modifier waits for its target).
        const item = this.folds.modifier(event.room, event.modifier);
        if (!item) return;
        const staged = this.staged.get(event.room);
        if (staged) {
          staged.upsert(event.room, item, false);
          return;
        }
        if (!this.state.room(event.room)) return;
        // The target, and the replies quoting it (an edit changes their preview).
        this.refresh(event.room, [item, ...this.changedBy(event.room, [item])]);
        return;
      }
      case 'deleted': {
        // Deleted for everyone: its text, image, file key, versions and reactions leave the host;
        // "message deleted" takes its place, and replies quoting it say so.
        for (const state of [this.staged.get(event.room), this.state]) {
          const shown = state?.room(event.room)?.items.find((i) => i.id === event.id);
          if (!state || !shown) continue;
          this.fileInfos.delete(`${event.room}\n${shown.cid}`);
          if (shown.kind === 'image') this.imageBytes.delete(imageKey(event.room, shown.from.fingerprint, shown.cid));
          const tombstone: ViewItem = { kind: 'placeholder', id: event.id, cid: shown.cid, ts: shown.ts, reason: 'deleted' };
          state.upsert(event.room, tombstone, false);
          if (state === this.state) this.post({ type: 'upsert', room: event.room, items: [tombstone] });
        }
        const replies = this.folds.deleted(event.room, event.id, this.state.room(event.room)?.items ?? []);
        this.refresh(event.room, replies);
        return;
      }
      case 'typing': {
        if (this.state.room(event.room)) this.typists.typing(event.room, event.from);
        return;
      }
      case 'pending': {
        const item = this.folds.view(event.room, event.item, true);
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
        const acked = this.state.ack(event.room, event.cid, event.id, event.ts);
        // The fold learns our message's id, so replies, reactions and edits can name it.
        const item = acked ? (this.folds.acked(event.room, event.cid, event.id, event.ts) ?? acked) : undefined;
        if (item) {
          this.state.upsert(event.room, item, false);
          this.post({ type: 'upsert', room: event.room, items: [item] });
        }
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
      case 'epoch':
        // The client already follows the new key, nothing to type. Section 12.5's room line comes as a
        // 'line' item at the grant's place (a `message` event, and in history pages), so no notice here.
        return;
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
    this.typists.dispose();
    this.listeners.clear();
    this.client.close();
  }
}

/** An image item with the bytes the view item leaves out (open, save, `imageBytes`). */
export interface HostImage {
  item: ViewImageItem;
  data: Uint8Array;
}

function imageKey(room: string, sender: string, cid: string): string {
  // A newline is in no room name, fingerprint or cid, so keys never collide.
  return `${room}\n${sender}\n${cid}`;
}
