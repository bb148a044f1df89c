// ChatClient: the client core the VS Code extension and the `chat` CLI share. It
// joins rooms over one connection, seals and opens envelopes, keeps every unacked
// message in an outbox, catches up after reconnects and reports typed events.
//
// API (Node and Bun):
//   const client = new ChatClient({ address: 'host:port', tls?, identity, name?, outbox, cursors?, pins? })
//   client.onEvent(listener) -> dispose()          events: see ChatEvent below
//   await client.connect()                          resolves at the server's hello; rejects with
//       ServerUnreachableError ('unreachable'), UntrustedCertificateError ('untrusted_certificate') or
//       ProtocolMismatchError ('protocol_mismatch', then closed) when the first attempt fails; after
//       the first two it keeps retrying in the background until close().
//   await client.joinRoom(room, passphrase, { create? }) -> JoinResult { room, created, last, online }
//       resolves once joined and caught up (messages arrive as `message` events first). Rejects with
//       WrongPassphraseError ('bad_proof'), NoRoomError ('no_room'), KdfRefusedError ('kdf_refused'),
//       ServerError (other server codes), ClosedError. A lost connection during the join is retried.
//   client.leaveRoom(room)
//   await client.sendText(room, text) -> cid       emits `pending` at once, `acked` when stored
//   await client.sendImage(room, image: PreparedImage) -> cid
//   await client.sendReply(room, to: id, text) / sendEdit(room, target: {key, cid}, text) /
//       sendReaction(room, target, emoji, { remove? }) -> cid  (PROTOCOL.md section 12; modifiers
//       get `acked` but no `pending`, and arrive as `modifier` events: fold them with ModifierFold)
//   await client.deleteMessage(room, { id, cid }) -> resolves at `deleted`; ServerError 'forbidden' when
//       the message is not ours (section 11.3). Every send carries `del`, so our messages can be deleted.
//   client.sendTyping(room) -> boolean: a typing signal, at most one per 3 s per room (false: skipped)
//   await client.loadOlder(room) -> { messages: RoomItem[] (oldest first), more }: the page before the
//       oldest message this client has shown (the client owns paging; joinRoom's result says `more`)
//   await client.fetchHistory(room, { before?, after?, limit? }) -> same shape (one raw page)
//   client.setName(name); client.state; client.address; client.fingerprint
//   client.close()
// Options also take createKdf (rooms this client creates), kdfFloor (tests only), initialHistory
// (messages shown on a first join without a cursor, default 50), checkImage (default
// checkReceivedImage), requestTimeoutMs, connection { pingIntervalMs, pongTimeoutMs, backoff... }.
// Events: state (idle|connecting|hello|joining|joined|reconnecting|closed; 'hello' = connected, no
// room joined), room (joining|joined|failed|left), message (RoomItem: text | image | placeholder),
// pending / acked (own messages), presence, error (code + a sentence to show).
// Every unacked message lives in the OutboxStore (ciphertext only) and is resent after a reconnect or
// a restart; the CursorStore keeps the last id seen per room for `history after`. Nothing is lost and
// nothing is shown twice: repeats are dropped by (sender key, cid) and by id.

import { randomBytes } from 'node:crypto';
import { MAX_TEXT_BYTES, PAGE_SIZE } from '../protocol/constants';
import type { KdfParams, ServerFrame, StoredMessage } from '../protocol/frames';
import { isRoomName, normalizeDisplayName } from '../protocol/names';
import { checkReceivedImage } from './images/check';
import type { PreparedImage } from './images/types';
import { Connection, parseAddress, type ConnectionState, type Hello, type TlsOptions } from './connection';
import { Dedupe, openEnvelope, Pins, sealEnvelope, type Body } from './envelope';
import { bodyToItem, placeholder, type RoomItem, type ShownItem } from './kinds/index';
import type { Sender } from './kinds/types';
import { deletionHash, deletionKey, deletionTokenFromKey } from './deletion';
import { openTyping, sealTyping, TYPING_SEND_EVERY_MS } from './conversation/typing';
import { isEmoji, isModifierBody, type ModifierBody, type ModifierItem, type Rel } from './kinds/modifiers';
import {
  ClientError,
  ClosedError,
  DisconnectedError,
  NoRoomError,
  ServerError,
  WrongPassphraseError,
  type ClientErrorCode,
} from './errors';
import { DEFAULT_KDF, checkKdf, deriveRoomKeys, fingerprint, joinProof, newSalt, utf8, type Identity, type RoomKeys } from './keys';
import { assertSendableName, invisibleIn, pinKeyOf } from './names';
import { checkRoomParams, checkRoomVanished, type RoomParamStore } from './room-params';
import type { ReplayMemory } from './replay';
import { MemoryCursorStore, MemoryPinStore, type CursorStore, type OutboxEntry, type OutboxStore, type PinStore } from './storage';

export type ClientState = 'idle' | 'connecting' | 'hello' | 'joining' | 'joined' | 'reconnecting' | 'closed';

// The item types live with their kinds (client/kinds/); re-exported here for the API's users.
export type { Sender } from './kinds/types';
export type { ImageItem, PlaceholderItem, RoomItem, ShownItem, TextItem } from './kinds/index';

export type ChatEvent =
  | { type: 'state'; state: ClientState; detail?: string }
  | { type: 'room'; room: string; state: 'joining' | 'joined' | 'failed' | 'left' }
  | { type: 'message'; room: string; item: RoomItem }
  /** An edit or reaction (PROTOCOL.md section 12), verified; fold it into its target with ModifierFold. */
  | { type: 'modifier'; room: string; modifier: ModifierItem }
  | { type: 'pending'; room: string; cid: string; item: ShownItem }
  | { type: 'acked'; room: string; cid: string; id: number; ts: number }
  | { type: 'presence'; room: string; online: number }
  /** Message `id` was deleted for everyone (section 11.3): drop what is held of it. */
  | { type: 'deleted'; room: string; id: number }
  /** A member is typing (section 12); forget it TYPING_EXPIRES_MS after the last one. */
  | { type: 'typing'; room: string; from: { name: string; fingerprint: string } }
  | { type: 'error'; code: ClientErrorCode; message: string; room?: string };

export type ChatEventListener = (event: ChatEvent) => void;

export interface JoinResult {
  room: string;
  /** This call created the room. */
  created: boolean;
  /** Highest message id in the room when joined (0 if none). */
  last: number;
  online: number;
  /** Older messages exist than the oldest this join delivered: `loadOlder(room)` fetches them. */
  more: boolean;
}

export interface HistoryPage {
  /** Oldest first. */
  messages: RoomItem[];
  /** The known modifiers of the page (section 12), oldest first; fold them into their targets. */
  modifiers: ModifierItem[];
  more: boolean;
}

export interface ChatClientOptions {
  /** "host:port" */
  address: string;
  tls?: boolean | TlsOptions;
  identity: Identity;
  /** Display name on sent messages; needed only to send. */
  name?: string;
  outbox: OutboxStore;
  /** Default: in memory (catch-up survives reconnects but not restarts). */
  cursors?: CursorStore;
  /** Default: in memory. */
  pins?: PinStore;
  /** KDF parameters for rooms this client creates (default N=2^17, r=8, p=1). */
  createKdf?: KdfParams;
  /** Pins of each room's salt and KDF (issue 11): a later different `room` reply is refused. Default: none kept. */
  roomParams?: RoomParamStore;
  /** Remembers (sender key, cid) -> id across restarts, so a replay under a new id is dropped. Default: none kept. */
  replay?: ReplayMemory;
  /** Called before this client creates a room: a sentence refuses the passphrase (client/passphrase.ts). */
  checkNewPassphrase?: (passphrase: string, room: string) => string | undefined | Promise<string | undefined>;
  /** Test code only: accept KDF parameters down to this floor. */
  kdfFloor?: KdfParams;
  /** Messages shown on the first join of a room with no cursor (default 50). */
  initialHistory?: number;
  /**
   * Checks a received image before it is shown; a string is the refusal reason
   * (shown as an 'unsupported' placeholder). Default: checkReceivedImage.
   */
  checkImage?: (image: PreparedImage) => PreparedImage | string;
  /** A request without an answer this long fails with code 'timeout' (default 30 s). */
  requestTimeoutMs?: number;
  connection?: {
    pingIntervalMs?: number;
    pongTimeoutMs?: number;
    connectTimeoutMs?: number;
    backoffMinMs?: number;
    backoffMaxMs?: number;
  };
  /** Diagnostics (never secrets or envelope bytes). */
  log?: (line: string) => void;
}

type Expect = 'room' | 'joined' | 'page' | 'deleted';
type Reply<E extends Expect> = Extract<ServerFrame, { t: E }>;

interface PendingRequest {
  expect: Expect;
  /** For `delete`: the message id its `deleted` answer names (others' deletes arrive as `deleted` too). */
  id?: number;
  resolve: (frame: ServerFrame) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface PendingMessage {
  entry: OutboxEntry;
  /** Connection epoch it was last written on (0 = not yet). */
  sentOn: number;
  /** `pending` was emitted for it. */
  announced: boolean;
}

type RoomStatus = 'joining' | 'joined' | 'failed';

interface RoomRecord {
  name: string;
  status: RoomStatus;
  keys?: RoomKeys;
  /** The join call finished once, so reconnects rejoin this room by themselves. */
  established: boolean;
  requests: PendingRequest[];
  catchingUp: boolean;
  /** `msg` frames that arrived during catch-up, delivered after it. */
  held: StoredMessage[];
  /** Highest id delivered (or covered by an ack while live). */
  cursor: number | undefined;
  /** The oldest id this client delivered or paged in this session: `loadOlder` continues below it. */
  oldestShown: number | undefined;
  /** Whether the server holds messages older than `oldestShown` (true until a page says otherwise). */
  olderMore: boolean;
  online: number;
  joinPromise?: Promise<JoinResult>;
}

const HISTORY_PAGE = 200;

export class ChatClient {
  private readonly connection: Connection;
  private readonly listeners = new Set<ChatEventListener>();
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly pending = new Map<string, Map<string, PendingMessage>>();
  private readonly dedupe = new Dedupe();
  private readonly flushTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Delayed rejoins after a transient failure; cleared by close(). */
  private readonly rejoinTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly pins: Pins;
  private readonly cursors: CursorStore;
  private readonly outbox: OutboxStore;
  private readonly identity: Identity;
  private name: string | undefined;
  private hello: Hello | undefined;
  private epoch = 0;
  private stateValue: ClientState = 'idle';
  private outboxLoaded: Promise<void> | undefined;
  private readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private firstConnect: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Derived once from the identity seed: proves our deletes (section 11.1). */
  private deleteKeyValue: Uint8Array | undefined;
  /** Room -> when we last sent a typing signal. */
  private readonly typingSentAt = new Map<string, number>();

  constructor(private readonly options: ChatClientOptions) {
    const { host, port } = parseAddress(options.address);
    this.identity = options.identity;
    this.outbox = options.outbox;
    this.cursors = options.cursors ?? new MemoryCursorStore();
    this.pins = new Pins(options.pins ?? new MemoryPinStore());
    if (options.name !== undefined) this.setName(options.name);
    this.connection = new Connection(
      { host, port, tls: options.tls, ...options.connection },
      {
        state: (state, detail) => this.connectionState(state, detail),
        ready: (hello, epoch) => this.connectionReady(hello, epoch),
        frame: (frame) => this.handleFrame(frame),
        down: (error, info) => this.connectionDown(error, info),
      },
    );
  }

  // ---- public API -----------------------------------------------------------

  get state(): ClientState {
    return this.stateValue;
  }

  /** "host:port" of the server. */
  get address(): string {
    return this.connection.address;
  }

  get fingerprint(): string {
    return this.identity.fingerprint;
  }

  onEvent(listener: ChatEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the display name used on messages sent from now on. */
  setName(name: string): void {
    assertSendableName(name);
    const normalized = normalizeDisplayName(name);
    if (normalized === null) {
      throw new ClientError('invalid_input', 'A display name is 1 to 64 characters with no control characters.');
    }
    this.name = normalized;
  }

  async connect(): Promise<void> {
    if (this.stateValue === 'closed') throw new ClosedError();
    this.outboxLoaded ??= this.loadOutbox();
    await this.outboxLoaded;
    if (this.connection.state !== 'idle') return this.ready();
    const first = new Promise<void>((resolve, reject) => (this.firstConnect = { resolve, reject }));
    this.connection.start();
    return first;
  }

  close(): void {
    if (this.stateValue === 'closed') return;
    this.connection.close();
    for (const timer of this.flushTimers.values()) clearTimeout(timer);
    this.flushTimers.clear();
    for (const timer of this.rejoinTimers) clearTimeout(timer);
    this.rejoinTimers.clear();
    for (const room of this.rooms.values()) this.failRequests(room, new ClosedError());
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(new ClosedError());
    this.firstConnect?.reject(new ClosedError());
    this.firstConnect = undefined;
    this.setState('closed');
  }

  joinRoom(room: string, passphrase: string, opts: { create?: boolean } = {}): Promise<JoinResult> {
    if (!isRoomName(room)) return Promise.reject(new ServerError('bad_room'));
    if (this.stateValue === 'closed') return Promise.reject(new ClosedError());
    const existing = this.rooms.get(room);
    // A room whose rejoin failed (say its passphrase changed) is joined afresh.
    if (existing?.joinPromise && existing.status !== 'failed') return existing.joinPromise;
    if (existing) this.failRequests(existing, new ClientError('closed', `Rejoining room "${room}".`, room));
    const record: RoomRecord = {
      name: room,
      status: 'joining',
      established: false,
      requests: [],
      catchingUp: false,
      held: [],
      cursor: undefined,
      oldestShown: undefined,
      olderMore: true,
      online: 0,
    };
    this.rooms.set(room, record);
    this.emit({ type: 'room', room, state: 'joining' });
    this.updateState();
    const promise = this.runJoin(record, passphrase, opts.create === true).catch((error: unknown) => {
      if (this.rooms.get(room) === record) {
        this.rooms.delete(room);
        // The server may have joined us before a later step failed; a stray leave is ignored.
        this.connection.send({ t: 'leave', room });
      }
      this.emit({ type: 'room', room, state: 'failed' });
      this.updateState();
      throw error;
    });
    record.joinPromise = promise;
    return promise;
  }

  leaveRoom(room: string): void {
    const record = this.rooms.get(room);
    if (!record) return;
    this.rooms.delete(room);
    this.failRequests(record, new ClientError('closed', `Left room "${room}".`, room));
    this.connection.send({ t: 'leave', room });
    this.dedupe.forget(room);
    this.emit({ type: 'room', room, state: 'left' });
    this.updateState();
  }

  async sendText(room: string, text: string): Promise<string> {
    if (utf8(text).length > MAX_TEXT_BYTES) {
      throw new ClientError('too_large', 'A text message can be at most 64 KiB.', room);
    }
    if (text.length === 0) throw new ClientError('invalid_input', 'An empty message cannot be sent.', room);
    return this.sendBody(room, (base) => ({ ...base, k: 'text', text }));
  }

  async sendImage(room: string, image: PreparedImage): Promise<string> {
    return this.sendBody(room, (base) => {
      const body: Body = { ...base, k: 'image', mime: image.mime, w: image.w, h: image.h, data: image.data };
      if (image.name !== undefined) body.name = image.name;
      return body;
    });
  }

  /** A reply to message `to` (its server id) in this room (PROTOCOL.md section 12). */
  async sendReply(room: string, to: number, text: string): Promise<string> {
    checkText(text, room);
    if (!Number.isSafeInteger(to) || to <= 0) throw new ClientError('invalid_input', 'A reply names the id of the message it answers.', room);
    return this.sendBody(room, (base) => ({ ...base, k: 'reply', to, text }));
  }

  /** Replaces the text of our own message `target` (its sender key is ours; others ignore anything else). */
  async sendEdit(room: string, target: Rel, text: string): Promise<string> {
    checkText(text, room);
    if (!sameBytes(target.key, this.identity.publicKey)) throw new ClientError('invalid_input', 'Only your own messages can be edited.', room);
    return this.sendBody(room, (base) => ({ ...base, k: 'edit', rel: { key: target.key, cid: target.cid }, text }));
  }

  /** Adds (or with `remove`, takes back) this identity's `emoji` on message `target`. */
  async sendReaction(room: string, target: Rel, emoji: string, opts: { remove?: boolean } = {}): Promise<string> {
    if (!isEmoji(emoji)) throw new ClientError('invalid_input', 'A reaction is one emoji (1-64 bytes, no control characters).', room);
    const rel = { key: target.key, cid: target.cid };
    return this.sendBody(room, (base) => (opts.remove ? { ...base, k: 'reaction', rel, emoji, remove: true } : { ...base, k: 'reaction', rel, emoji }));
  }

  /** Deletes our own message for everyone; resolves once the server answered `deleted`. */
  async deleteMessage(room: string, target: { id: number; cid: string }): Promise<void> {
    const record = this.joinedRoom(room);
    const token = deletionTokenFromKey(this.deleteKey(), room, target.cid);
    await this.request(record, { t: 'delete', room, id: target.id, token }, 'deleted');
  }

  /** Sends "typing" to the members joined now, at most every 3 s per room; false when skipped. */
  sendTyping(room: string, now = Date.now()): boolean {
    const record = this.rooms.get(room);
    if (!record?.keys || record.status !== 'joined' || !this.name) return false;
    const last = this.typingSentAt.get(room);
    if (last !== undefined && now - last < TYPING_SEND_EVERY_MS) return false;
    this.typingSentAt.set(room, now);
    return this.connection.send({ t: 'signal', room, env: sealTyping(room, record.keys.encKey, this.identity, this.name, now) });
  }

  /** Older messages than `beforeId` (default: the oldest shown this session), oldest first. */
  async loadOlder(room: string, beforeId?: number, limit = PAGE_SIZE): Promise<HistoryPage> {
    const record = this.joinedRoom(room);
    const before = beforeId ?? record.oldestShown;
    const raw = await this.historyPage(record, before === undefined ? { limit } : { before, limit });
    // The oldest id of the raw page, so an ignored modifier at the start is not fetched again.
    const first = raw.msgs[0];
    if (first && (record.oldestShown === undefined || first.id < record.oldestShown)) record.oldestShown = first.id;
    if (beforeId === undefined) record.olderMore = raw.more;
    const messages: RoomItem[] = [];
    const modifiers: ModifierItem[] = [];
    for (const m of raw.msgs) {
      const item = this.openStored(record, m);
      if (item && isModifierItem(item)) modifiers.push(item);
      else if (item) messages.push(item);
    }
    return { messages, modifiers, more: raw.more };
  }

  /** One page of history, opened (not emitted as events); modifiers this client does not know are left out. */
  async fetchHistory(room: string, query: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    const record = this.joinedRoom(room);
    const page = await this.historyPage(record, query);
    const messages: RoomItem[] = [];
    const modifiers: ModifierItem[] = [];
    for (const m of page.msgs) {
      const item = this.openStored(record, m);
      if (item && isModifierItem(item)) modifiers.push(item);
      else if (item) messages.push(item);
    }
    return { messages, modifiers, more: page.more };
  }

  // ---- joining ------------------------------------------------------------

  private async runJoin(record: RoomRecord, passphrase: string, create: boolean): Promise<JoinResult> {
    const room = record.name;
    let created = false;
    let salt: Uint8Array | undefined;
    for (;;) {
      await this.ready();
      this.assertCurrent(record);
      try {
        const info = await this.request(record, { t: 'room', room }, 'room');
        let joined: Reply<'joined'>;
        if (!info.exists || !info.salt || !info.kdf) {
          if (!create) throw new NoRoomError(room);
          if (this.options.roomParams) await checkRoomVanished(this.options.roomParams, this.address, room);
          const weak = await this.options.checkNewPassphrase?.(passphrase, room);
          if (weak !== undefined) throw new ClientError('invalid_input', weak, room);
          const kdf = this.options.createKdf ?? DEFAULT_KDF;
          salt = newSalt();
          record.keys = await this.derive(passphrase, room, salt, kdf);
          await this.ready();
          this.assertCurrent(record);
          const keys = record.keys;
          try {
            joined = await this.request(
              record,
              { t: 'create', room, salt, kdf, auth: keys.authPublic, proof: joinProof(keys, this.challenge()) },
              'joined',
            );
            created = true;
          } catch (error) {
            // Someone else created it first: ask again and join theirs.
            if (error instanceof ClientError && error.code === 'room_exists') continue;
            throw error;
          }
        } else {
          // Reuse keys already derived for this very salt (a retry after a lost connection).
          if (this.options.roomParams) await checkRoomParams(this.options.roomParams, this.address, room, { salt: info.salt, kdf: info.kdf });
          if (!record.keys || !salt || !sameBytes(salt, info.salt)) {
            salt = info.salt;
            record.keys = await this.derive(passphrase, room, info.salt, info.kdf);
          }
          await this.ready();
          this.assertCurrent(record);
          joined = await this.request(record, { t: 'join', room, proof: joinProof(record.keys, this.challenge()) }, 'joined');
        }
        // Pinned once the proof was accepted: these parameters really open the room.
        if (this.options.roomParams && salt && !(await this.options.roomParams.get(this.address, room))) {
          await this.options.roomParams.set(this.address, room, { salt, kdf: info.exists && info.kdf ? info.kdf : this.options.createKdf ?? DEFAULT_KDF });
        }
        await this.roomJoined(record, joined);
        record.established = true;
        return { room, created, last: joined.last, online: joined.online, more: record.olderMore };
      } catch (error) {
        if (error instanceof DisconnectedError && this.stateValue !== 'closed') continue;
        if (error instanceof ClientError && error.code === 'bad_proof') throw new WrongPassphraseError(room);
        throw error;
      }
    }
  }

  private derive(passphrase: string, room: string, salt: Uint8Array, kdf: KdfParams): Promise<RoomKeys> {
    const floor = this.options.kdfFloor;
    checkKdf(kdf, floor ? { floor } : {}, room);
    return deriveRoomKeys(passphrase, room, salt, kdf, floor ? { floor } : {});
  }

  /** After `joined`: presence, pins, pending items, catch-up, then the outbox. */
  private async roomJoined(record: RoomRecord, joined: Reply<'joined'>): Promise<void> {
    const room = record.name;
    record.status = 'joined';
    record.online = joined.online;
    this.emit({ type: 'room', room, state: 'joined' });
    this.emit({ type: 'presence', room, online: joined.online });
    this.updateState();
    await this.pins.load(room);
    await this.options.replay?.load(room);
    this.announcePending(record);
    const epoch = this.epoch;
    record.catchingUp = true; // already set when `joined` arrived; `held` keeps what came since
    try {
      await this.catchUp(record, joined.last);
    } finally {
      if (this.epoch === epoch) record.catchingUp = false;
    }
    const held = record.held.splice(0).sort((a, b) => a.id - b.id);
    for (const m of held) this.deliver(record, m);
    this.flushOutbox(room);
  }

  private async catchUp(record: RoomRecord, last: number): Promise<void> {
    if (record.cursor === undefined) {
      const saved = await this.cursors.getCursor(record.name);
      // A cursor beyond the room's last id means the server lost its data: start over.
      if (saved !== undefined && saved <= last) record.cursor = saved;
    } else if (record.cursor > last) {
      record.cursor = undefined;
    }
    if (record.cursor === undefined) {
      const initial = this.options.initialHistory ?? PAGE_SIZE;
      if (last > 0 && initial > 0) {
        const page = await this.historyPage(record, { limit: initial });
        for (const m of page.msgs) this.deliver(record, m);
        record.olderMore = page.more;
      } else if (last === 0) {
        record.olderMore = false;
      }
      if (record.cursor === undefined) this.advanceCursor(record, last);
      return;
    }
    // Every id above `last` arrives as a live `msg` (held until this loop ends).
    while ((record.cursor ?? 0) < last) {
      const after = record.cursor ?? 0;
      const page = await this.historyPage(record, { after, limit: HISTORY_PAGE });
      for (const m of page.msgs) this.deliver(record, m);
      if (!page.more || page.msgs.length === 0) break;
    }
  }

  private rejoinAll(): void {
    for (const record of this.rooms.values()) {
      if (!record.established || !record.keys || record.status === 'failed') continue;
      void this.rejoin(record);
    }
  }

  private async rejoin(record: RoomRecord): Promise<void> {
    const keys = record.keys;
    if (!keys) return;
    record.status = 'joining';
    this.emit({ type: 'room', room: record.name, state: 'joining' });
    this.updateState();
    try {
      const joined = await this.request(record, { t: 'join', room: record.name, proof: joinProof(keys, this.challenge()) }, 'joined');
      await this.roomJoined(record, joined);
    } catch (error) {
      if (error instanceof DisconnectedError || error instanceof ClosedError) return; // the next `ready` retries
      if (this.rooms.get(record.name) !== record) return;
      const err = error instanceof ClientError && error.code === 'bad_proof' ? new WrongPassphraseError(record.name) : error;
      if (err instanceof ClientError && ['bad_proof', 'no_room'].includes(err.code)) {
        record.status = 'failed';
        this.emit({ type: 'room', room: record.name, state: 'failed' });
      } else {
        // Transient (rate_limited, busy, internal, a timeout): try again shortly on this connection.
        const epoch = this.epoch;
        const timer = setTimeout(() => {
          this.rejoinTimers.delete(timer);
          if (this.rooms.get(record.name) === record && this.epoch === epoch && record.status === 'joining') void this.rejoin(record);
        }, 2000);
        this.rejoinTimers.add(timer);
      }
      this.emitError(err, record.name);
      this.updateState();
    }
  }

  // ---- sending --------------------------------------------------------------

  private async sendBody(room: string, make: (base: { cid: string; ts: number; from: { name: string; key: Uint8Array } }) => Body | ModifierBody): Promise<string> {
    const record = this.rooms.get(room);
    if (!record?.keys) throw new ClientError('not_joined', `Join room "${room}" before sending to it.`, room);
    if (!this.name) throw new ClientError('no_name', 'Set a display name before sending messages.', room);
    const cid = newCid();
    const ts = Date.now();
    const body = make({ cid, ts, from: { name: this.name, key: this.identity.publicKey } });
    const env = sealEnvelope({ room, encKey: record.keys.encKey, identity: this.identity, body });
    const max = this.hello?.max ?? Infinity;
    // Frame overhead: the send map's keys, room, cid and bin header stay well under 256 bytes.
    if (env.length + 256 > max) {
      throw new ClientError('too_large', `The message is larger than this server accepts (${Math.floor(max / 1_000_000)} MB).`, room);
    }
    const entry: OutboxEntry = { room, cid, env, queuedAt: ts };
    // Persisted before it is written to the socket: a crash now still resends it.
    await this.outbox.add(entry);
    const item = isModifierBody(body) ? undefined : this.ownItem(body, 0, ts);
    this.pendingFor(room).set(cid, { entry, sentOn: 0, announced: true });
    this.dedupe.add(room, this.identity.publicKey, cid);
    // A modifier is not an item of its own: it shows once folded into its target (acked, or echoed in a page).
    if (item) this.emit({ type: 'pending', room, cid, item });
    this.flushOutbox(room);
    return cid;
  }

  private flushOutbox(room: string): void {
    const record = this.rooms.get(room);
    if (!record || record.status !== 'joined' || record.catchingUp || this.connection.state !== 'ready') return;
    const entries = [...(this.pending.get(room)?.values() ?? [])].sort((a, b) => a.entry.queuedAt - b.entry.queuedAt);
    for (const p of entries) {
      if (p.sentOn === this.epoch) continue;
      // `del` is derived again from (room, cid): the outbox keeps no token, and a resend carries the same hash.
      const del = deletionHash(deletionTokenFromKey(this.deleteKey(), room, p.entry.cid));
      if (this.connection.send({ t: 'send', room, cid: p.entry.cid, env: p.entry.env, del })) p.sentOn = this.epoch;
    }
  }

  /** One delayed flush per room, however many sends were rate limited. */
  private flushLater(room: string): void {
    if (this.flushTimers.has(room)) return;
    this.flushTimers.set(
      room,
      setTimeout(() => {
        this.flushTimers.delete(room);
        this.flushOutbox(room);
      }, 1000),
    );
  }

  private pendingFor(room: string): Map<string, PendingMessage> {
    let map = this.pending.get(room);
    if (!map) this.pending.set(room, (map = new Map()));
    return map;
  }

  private async loadOutbox(): Promise<void> {
    for (const entry of await this.outbox.list()) {
      this.pendingFor(entry.room).set(entry.cid, { entry, sentOn: 0, announced: false });
    }
  }

  /** Emits `pending` for outbox entries restored from storage, once the room's key can open them. */
  private announcePending(record: RoomRecord): void {
    const keys = record.keys;
    if (!keys) return;
    for (const p of this.pending.get(record.name)?.values() ?? []) {
      if (p.announced) continue;
      p.announced = true;
      const opened = openEnvelope({ room: record.name, encKey: keys.encKey, cid: p.entry.cid, env: p.entry.env });
      if (!opened.ok) continue;
      this.dedupe.add(record.name, opened.body.from.key, p.entry.cid);
      this.emit({ type: 'pending', room: record.name, cid: p.entry.cid, item: this.ownItem(opened.body, 0, p.entry.queuedAt) });
    }
  }

  private acked(room: string, cid: string, id: number, ts: number): void {
    const map = this.pending.get(room);
    if (!map?.has(cid)) return;
    map.delete(cid);
    this.outbox.remove(room, cid).catch((error: unknown) => this.log(`outbox remove failed: ${String(error)}`));
    this.emit({ type: 'acked', room, cid, id, ts });
  }

  // ---- receiving --------------------------------------------------------------

  private handleFrame(frame: ServerFrame): void {
    switch (frame.t) {
      case 'joined': {
        // `msg` frames can follow in the same chunk, before the join's continuation
        // runs: from here on they are held until catch-up has delivered the history.
        const record = this.rooms.get(frame.room);
        if (record && record.requests[0]?.expect === 'joined') {
          record.catchingUp = true;
          record.held = [];
        }
        this.answer(frame.room, frame);
        return;
      }
      case 'room':
      case 'page':
        this.answer(frame.room, frame);
        return;
      case 'ack': {
        const record = this.rooms.get(frame.room);
        this.acked(frame.room, frame.cid, frame.id, frame.ts);
        // While live, frames arrive in server order, so nothing below this id is still to come.
        if (record && record.status === 'joined' && !record.catchingUp) this.advanceCursor(record, frame.id);
        return;
      }
      case 'msg': {
        const record = this.rooms.get(frame.room);
        if (!record) return;
        const m: StoredMessage = { id: frame.id, ts: frame.ts, cid: frame.cid, env: frame.env };
        if (record.catchingUp) record.held.push(m);
        else if (record.status === 'joined') this.deliver(record, m);
        return;
      }
      case 'presence': {
        const record = this.rooms.get(frame.room);
        if (!record) return;
        record.online = frame.online;
        this.emit({ type: 'presence', room: frame.room, online: frame.online });
        return;
      }
      case 'error':
        this.serverError(frame);
        return;
      case 'hello':
      case 'pong':
        return; // handled by the connection
      case 'blob_state':
      case 'blob_ack':
      case 'blob_data':
        return; // file transfers (PROTOCOL.md section 9) run on their own connection, not through ChatClient
      case 'deleted': {
        const record = this.rooms.get(frame.room);
        // Our own delete's answer (matched by id), and also news for everyone.
        if (record && record.requests[0]?.expect === 'deleted' && record.requests[0].id === frame.id) this.answer(frame.room, frame);
        this.emit({ type: 'deleted', room: frame.room, id: frame.id });
        return;
      }
      case 'signal': {
        const keys = this.rooms.get(frame.room)?.keys;
        const from = keys ? openTyping(frame.room, keys.encKey, frame.env) : null;
        if (!from || sameBytes(from.key, this.identity.publicKey)) return;
        this.emit({ type: 'typing', room: frame.room, from: { name: from.name, fingerprint: fingerprint(from.key) } });
        return;
      }
      default: {
        const never: never = frame;
        this.log(`unhandled frame ${String((never as { t: unknown }).t)}`);
      }
    }
  }

  private serverError(frame: Extract<ServerFrame, { t: 'error' }>): void {
    const room = frame.room;
    this.log(`server error ${frame.code}${room ? ` in ${room}` : ''}: ${frame.msg.slice(0, 200)}`);
    if (frame.blob !== undefined) return; // about a file transfer, not about this client's requests
    if (room && frame.cid) {
      // About one of our sends (never a room request): it stays in the outbox and goes again.
      const p = this.pending.get(room)?.get(frame.cid);
      if (p) {
        p.sentOn = 0;
        const record = this.rooms.get(room);
        if (frame.code === 'rate_limited') this.flushLater(room);
        else if (frame.code === 'not_joined' && record?.established && record.status === 'joined') void this.rejoin(record);
        else this.emitError(new ServerError(frame.code, room), room);
      }
      return;
    }
    const record = room ? this.rooms.get(room) : undefined;
    const head = record?.requests.shift();
    if (head) {
      clearTimeout(head.timer);
      head.reject(new ServerError(frame.code, room));
      return;
    }
    this.emitError(new ServerError(frame.code, room), room);
  }

  /** Delivers one stored message in id order: opens it, drops repeats, emits it. */
  private deliver(record: RoomRecord, m: StoredMessage): void {
    if (record.cursor !== undefined && m.id <= record.cursor) return;
    const item = this.openStored(record, m, true);
    this.advanceCursor(record, m.id);
    if (record.oldestShown === undefined || m.id < record.oldestShown) record.oldestShown = m.id;
    if (item && isModifierItem(item)) this.emit({ type: 'modifier', room: record.name, modifier: item });
    else if (item) this.emit({ type: 'message', room: record.name, item });
  }

  /**
   * Opens a stored message into an item. With `live`, applies dedupe and turns our
   * own stored message into an ack (its ack was lost with a connection): returns
   * null when nothing should be shown.
   */
  private openStored(record: RoomRecord, m: StoredMessage, live = false): RoomItem | ModifierItem | null {
    const room = record.name;
    // A tombstone (section 11.4): the message was deleted for everyone.
    if (m.deleted) return placeholder.toItem({ id: m.id, ts: m.ts, cid: m.cid }, 'deleted');
    const keys = record.keys;
    const opened = keys
      ? openEnvelope({ room, encKey: keys.encKey, cid: m.cid, env: m.env })
      : ({ ok: false, reason: 'undecryptable' } as const);
    if (!opened.ok) {
      // A modifier of a kind this client does not know: ignored silently (PROTOCOL.md section 4).
      if (opened.reason === 'modifier') {
        if (!live) return opened.modifier ? this.modifierItem(opened.modifier, m) : null;
        // Our own modifier echoed back (its ack was lost): acked, like a message.
        if (sameBytes(opened.from.key, this.identity.publicKey) && this.pending.get(room)?.has(m.cid)) this.acked(room, m.cid, m.id, m.ts);
        if (!this.dedupe.add(room, opened.from.key, m.cid)) return null;
        return opened.modifier ? this.modifierItem(opened.modifier, m) : null;
      }
      return placeholder.toItem({ id: m.id, ts: m.ts, cid: m.cid }, opened.reason);
    }
    const body = opened.body;
    if (live) {
      const own = sameBytes(body.from.key, this.identity.publicKey);
      if (own && this.pending.get(room)?.has(m.cid)) {
        this.acked(room, m.cid, m.id, m.ts);
        return null;
      }
      if (!this.dedupe.add(room, body.from.key, body.cid)) return null;
    }
    // Outside `live` too: a page fetched later must not show a replay either.
    if (this.options.replay && !this.options.replay.accept(room, Buffer.from(body.from.key).toString('hex'), body.cid, m.id)) {
      this.log(`replay dropped in ${room}: cid ${body.cid} came again as id ${m.id}`);
      // A page shows the slot; 'cid_mismatch' is the nearest existing reason (this cid belongs to another id).
      return live ? null : { kind: 'placeholder', id: m.id, ts: m.ts, cid: m.cid, error: 'cid_mismatch' };
    }
    return this.shownItem(room, body, m.id, m.ts);
  }

  private deleteKey(): Uint8Array {
    this.deleteKeyValue ??= deletionKey(this.identity.exportSeed());
    return this.deleteKeyValue;
  }

  private modifierItem(body: ModifierBody, m: StoredMessage): ModifierItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: fingerprint(body.from.key) };
    return { id: m.id, ts: m.ts, cid: body.cid, from, body };
  }

  private shownItem(room: string, body: Body, id: number, ts: number): RoomItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: fingerprint(body.from.key) };
    // Pins are keyed by the TR39 skeleton, so "Аda" (Cyrillic) meets Ada's pin; invisible characters never verify.
    const verified = this.pins.check(room, pinKeyOf(body.from.name), body.from.key) && invisibleIn(body.from.name).length === 0;
    const own = sameBytes(body.from.key, this.identity.publicKey);
    const base = { id, ts, cid: body.cid, from, verified, own, sentAt: body.ts };
    const item = bodyToItem(body, base, { checkImage: this.options.checkImage ?? defaultCheckImage, received: true });
    if (typeof item !== 'string') return item;
    this.log(`${body.k} refused: ${item}`);
    return placeholder.toItem({ id, ts, cid: body.cid }, 'unsupported');
  }

  private ownItem(body: Body, id: number, ts: number): ShownItem {
    const from: Sender = { name: body.from.name, key: body.from.key, fingerprint: this.identity.fingerprint };
    const base = { id, ts, cid: body.cid, from, verified: true, own: true, sentAt: body.ts };
    const item = bodyToItem(body, base, { checkImage: this.options.checkImage ?? defaultCheckImage, received: false });
    // Our own bodies were checked when they were made; a kind refusing one is a bug in that kind.
    if (typeof item === 'string') throw new TypeError(`own ${body.k} message refused: ${item}`);
    return item;
  }

  private advanceCursor(record: RoomRecord, id: number): void {
    if (record.cursor !== undefined && id <= record.cursor) return;
    record.cursor = id;
    this.cursors.setCursor(record.name, id).catch((error: unknown) => this.log(`cursor save failed: ${String(error)}`));
  }

  // ---- requests -------------------------------------------------------------

  private historyPage(record: RoomRecord, query: { before?: number; after?: number; limit?: number }): Promise<Reply<'page'>> {
    const frame: { t: 'history'; room: string; before?: number; after?: number; limit?: number } = { t: 'history', room: record.name };
    if (query.before !== undefined) frame.before = query.before;
    if (query.after !== undefined) frame.after = query.after;
    if (query.limit !== undefined) frame.limit = Math.max(1, Math.min(HISTORY_PAGE, query.limit));
    return this.request(record, frame, 'page');
  }

  /**
   * Sends a frame and waits for its answer. The server handles frames in order,
   * so answers for one room come in the order asked: a FIFO per room matches them.
   */
  private request<E extends Expect>(record: RoomRecord, frame: Parameters<Connection['send']>[0], expect: E): Promise<Reply<E>> {
    return new Promise<Reply<E>>((resolve, reject) => {
      if (!this.connection.send(frame)) {
        reject(new DisconnectedError(record.name));
        return;
      }
      const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
      const request: PendingRequest = {
        expect,
        ...(frame.t === 'delete' ? { id: frame.id } : {}),
        resolve: resolve as (frame: ServerFrame) => void,
        reject,
        timer: setTimeout(() => {
          const index = record.requests.indexOf(request);
          if (index >= 0) record.requests.splice(index, 1);
          reject(new ClientError('timeout', 'The server did not answer in time.', record.name));
          // The answer may still come and would be matched to the wrong request: start clean.
          this.connection.reconnect(new DisconnectedError());
        }, timeoutMs),
      };
      record.requests.push(request);
    });
  }

  private answer(room: string, frame: ServerFrame): void {
    const record = this.rooms.get(room);
    const head = record?.requests[0];
    if (!record || !head || head.expect !== frame.t) return;
    record.requests.shift();
    clearTimeout(head.timer);
    head.resolve(frame);
  }

  private failRequests(record: RoomRecord, error: Error): void {
    for (const r of record.requests.splice(0)) {
      clearTimeout(r.timer);
      r.reject(error);
    }
  }

  private joinedRoom(room: string): RoomRecord {
    const record = this.rooms.get(room);
    if (!record || record.status !== 'joined') throw new ClientError('not_joined', `Join room "${room}" first.`, room);
    return record;
  }

  private assertCurrent(record: RoomRecord): void {
    if (this.rooms.get(record.name) !== record) throw new ClientError('closed', `Left room "${record.name}".`, record.name);
  }

  private challenge(): Uint8Array {
    const hello = this.connection.greeting;
    if (!hello) throw new DisconnectedError();
    return hello.challenge;
  }

  /** Resolves when the connection is ready (greeted); rejects once closed. */
  private ready(): Promise<void> {
    if (this.stateValue === 'closed') return Promise.reject(new ClosedError());
    if (this.connection.state === 'ready') return Promise.resolve();
    if (this.connection.state === 'idle') return Promise.reject(new ClientError('closed', 'Call connect() first.'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  // ---- connection events ------------------------------------------------------

  private connectionState(state: ConnectionState, detail?: string): void {
    this.updateState(detail);
    if (state === 'closed' && this.stateValue !== 'closed') this.close();
  }

  private connectionReady(hello: Hello, epoch: number): void {
    this.hello = hello;
    this.epoch = epoch;
    this.firstConnect?.resolve();
    this.firstConnect = undefined;
    for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    this.rejoinAll();
  }

  private connectionDown(error: ClientError, info: { wasReady: boolean; fatal: boolean }): void {
    this.log(`connection down: ${error.code}`);
    for (const record of this.rooms.values()) {
      this.failRequests(record, new DisconnectedError(record.name));
      record.catchingUp = false;
      record.held = [];
      if (record.status === 'joined') record.status = 'joining';
    }
    if (this.firstConnect) {
      // connect() reports the first failure; the connection keeps retrying unless closed.
      this.firstConnect.reject(error);
      this.firstConnect = undefined;
    } else if (info.fatal || (!info.wasReady && error.code !== 'unreachable')) {
      this.emitError(error);
    } else if (info.wasReady) {
      this.emit({ type: 'error', code: error.code, message: 'The connection to the server was lost; reconnecting.' });
    }
    if (info.fatal) {
      for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
    }
  }

  private updateState(detail?: string): void {
    let state: ClientState;
    const c = this.connection.state;
    if (this.stateValue === 'closed' || c === 'closed') state = 'closed';
    else if (c === 'ready') {
      const statuses = [...this.rooms.values()].map((r) => r.status);
      if (statuses.includes('joining')) state = 'joining';
      else if (statuses.includes('joined')) state = 'joined';
      else state = 'hello';
    } else if (c === 'hello') state = 'hello';
    else state = c;
    this.setState(state, detail);
  }

  private setState(state: ClientState, detail?: string): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.emit(detail === undefined ? { type: 'state', state } : { type: 'state', state, detail });
  }

  private emitError(error: unknown, room?: string): void {
    const err = error instanceof ClientError ? error : new ClientError('internal', 'Something went wrong in the chat client.');
    if (!(error instanceof ClientError)) this.log(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    const r = room ?? err.room;
    this.emit(r === undefined ? { type: 'error', code: err.code, message: err.message } : { type: 'error', code: err.code, message: err.message, room: r });
  }

  private emit(event: ChatEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A faulty listener must not break the client or the other listeners.
        this.log(`event listener threw: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function checkText(text: string, room: string): void {
  if (utf8(text).length > MAX_TEXT_BYTES) throw new ClientError('too_large', 'A text message can be at most 64 KiB.', room);
  if (text.length === 0) throw new ClientError('invalid_input', 'An empty message cannot be sent.', room);
}

function isModifierItem(item: RoomItem | ModifierItem): item is ModifierItem {
  return 'body' in item;
}

function defaultCheckImage(image: PreparedImage): PreparedImage | string {
  const checked = checkReceivedImage(image);
  return checked.ok ? checked.image : checked.reason;
}

/** 16 random bytes in base64url: 22 characters (PROTOCOL.md section 7). */
export function newCid(): string {
  return randomBytes(16).toString('base64url');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
