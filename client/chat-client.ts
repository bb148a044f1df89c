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
//   await client.sendBody(room, fields: BodyFields) -> cid   any kind: { k: 'text', text } etc., checked by
//       the kind's own guard (client/kinds/), so a new kind needs no new method here. Sends go out in call order.
//       Modifiers (edit, reaction) go through it too; they get `acked` but no `pending`.
//   await client.sendReply(room, to: id, text) / sendEdit(room, target: {key, cid}, text, mentions?: [] = no one now) /
//       sendReaction(room, target, emoji, { remove? }) -> cid  (PROTOCOL.md section 13; thin, via sendBody;
//       modifiers arrive as `modifier` events and in pages' `modifiers`: fold them with ModifierFold)
//   await client.deleteMessage(room, { id, cid }) -> resolves at `deleted`; ServerError 'forbidden' when
//       the message is not ours (section 11.3). Every send carries `del`, so our messages can be deleted.
//   client.sendTyping(room) -> boolean: a typing signal, at most one per 3 s per room (false: skipped)
//   await client.loadOlder(room) -> { messages: RoomItem[] (oldest first), more }: the page before the
//       oldest message this client has shown (the client owns paging; joinRoom's result says `more`)
//   await client.fetchHistory(room, { before?, after?, limit? }) -> same shape (one raw page)
//   Section 12 (per-user keys; client/room/epochs.ts): await client.rotate(room, { remove?: names or fingerprints })
//       -> { epoch, passphrase, removed } (owner only: 'forbidden'; 'stale_epoch' when another owner won a race);
//       await client.addOwner(room, name) -> MemberInfo; await client.members(room) -> MemberInfo[];
//       client.epochOf(room); client.isOwner(room). Joins follow rotations by themselves (grants, catch-up),
//       event `epoch` { room, epoch, by, removed, own } says the room moved on; the room line itself (12.5) is a
//       RoomItem of kind 'line' at the grant's id, in `message` events and history pages. Option epochKeys keeps the keys.
//   client.setName(name); client.state; client.address; client.fingerprint
//   client.close()
// Options also take createKdf (rooms this client creates), kdfFloor (tests only), initialHistory
// (messages shown on a first join without a cursor, default 50), checkImage (default
// checkReceivedImage), requestTimeoutMs, connection { pingIntervalMs, pongTimeoutMs, backoff... }.
// Events: state (idle|connecting|hello|joining|joined|reconnecting|closed; 'hello' = connected, no
// room joined), room (joining|joined|failed|left), message (RoomItem: a kind's item | placeholder | line),
// pending / acked (own messages), presence, error (code + a sentence to show).
// The parts: room/sync.ts (a room's catch-up, cursor, paging via pager.ts), room/join.ts (join, create,
// rejoin), room/sealer.ts (sealing and opening under a room's epochs), room/items.ts (stored messages
// into shown items), room/hidden-sends.ts (our section 12 bodies in flight), outbox.ts (unacked
// messages in call order), requests.ts (replies matched to requests); this class wires them to the
// connection and turns their state into events.
// Every unacked message lives in the OutboxStore (ciphertext only) and is resent after a reconnect or
// a restart; the CursorStore keeps the last id seen per room for `history after`. Nothing is lost and
// nothing is shown twice: repeats are dropped by (sender key, cid) and by id.

import { randomBytes } from 'node:crypto';
import { MAX_TEXT_BYTES, PAGE_SIZE } from '../protocol/constants';
import type { ClientFrame, KdfParams, ServerFrame } from '../protocol/frames';
import { isRoomName, normalizeDisplayName } from '../protocol/names';
import type { PreparedImage } from './images/types';
import { Connection, parseAddress, type ConnectionState, type Hello, type TlsOptions } from './connection';
import { Dedupe, encodeEnvelopeBody, openEnvelope, Pins } from './envelope';
import type { EpochBody, GrantBody } from './epochs/bodies';
import { MemoryEpochKeyStore, type EpochKeyStore } from './epochs/store';
import { hex } from './epochs/state';
import { EpochFlow, RemovedError, type MemberInfo, type RotateResult } from './room/epochs';
import { envelopeEpoch } from '../protocol/epoch-header';
import { deletionHash, deletionKey, deletionTokenFromKey } from './deletion';
import { openTyping, sealTyping, TYPING_SEND_EVERY_MS } from './conversation/typing';
import { guardModifier, isEmoji, isModifierBody, isModifierKind, type ModifierBody, type ModifierItem, type Rel } from './kinds/modifiers';
import { bodyBlobs, guardBody, isKindName, type Body, type RoomItem, type ShownItem } from './kinds/index';
import type { BodyBase } from './kinds/types';
import type { CodeSnippet } from '../protocol/code';
import { ClientError, ClosedError, DisconnectedError, ServerError, type ClientErrorCode } from './errors';
import { fingerprint, utf8, type Identity } from './keys';
import { assertSendableName, pinKeyOf } from './names';
import { checkOutgoing, type Mention } from './mentions';
import type { FileInfo } from './kinds/file';
import { BlobTransfers } from './files/transfer';
import { Outbox } from './outbox';
import { JoinFlow, joinKeysOf, sameBytes, type JoinContext, type JoinResult } from './room/join';
import { RoomSync, HISTORY_PAGE, type HistoryQuery } from './room/sync';
import { decryptor, resealOutbox, scan, sealEpochBody, sealFor, sealPlain } from './room/sealer';
import { isModifierItem, lineItem, RoomItems, type RoomItemsContext } from './room/items';
import { HiddenSends } from './room/hidden-sends';
import { RequestChannel, type Reply } from './requests';
import type { RoomParamStore } from './room-params';
import type { ReplayMemory } from './replay';
import { MemoryCursorStore, MemoryPinStore, type CursorStore, type OutboxStore, type PinStore } from './storage';

export type ClientState = 'idle' | 'connecting' | 'hello' | 'joining' | 'joined' | 'reconnecting' | 'closed';

// The item types live with their kinds (client/kinds/); re-exported here for the API's users.
export type { Sender } from './kinds/types';
export type { ImageItem, LineItem, PlaceholderItem, RoomItem, ShownItem, TextItem } from './kinds/index';

export type ChatEvent =
  | { type: 'state'; state: ClientState; detail?: string }
  | { type: 'room'; room: string; state: 'joining' | 'joined' | 'failed' | 'left' }
  | { type: 'message'; room: string; item: RoomItem }
  /** An edit or reaction (PROTOCOL.md section 13), verified; fold it into its target with ModifierFold. */
  | { type: 'modifier'; room: string; modifier: ModifierItem }
  | { type: 'pending'; room: string; cid: string; item: ShownItem }
  | { type: 'acked'; room: string; cid: string; id: number; ts: number }
  | { type: 'presence'; room: string; online: number }
  /** Message `id` was deleted for everyone (section 11.3): drop what is held of it. */
  | { type: 'deleted'; room: string; id: number }
  /** A member is typing (section 13); forget it TYPING_EXPIRES_MS after the last one. */
  | { type: 'typing'; room: string; from: { name: string; fingerprint: string } }
  | { type: 'error'; code: ClientErrorCode; message: string; room?: string }
  /**
   * Section 12: the room moved to a new epoch (this client follows it without a new passphrase).
   * `by` is the owner who did it, `removed` the names it removed (empty: the passphrase was changed).
   */
  | { type: 'epoch'; room: string; epoch: number; by: string; removed: string[]; own: boolean };

/** A kind's own fields (`k` and the rest; not cid, ts or from): what `sendBody` takes. */
export type BodyFields = Body | ModifierBody extends infer B ? (B extends Body | ModifierBody ? Omit<B, keyof BodyBase> : never) : never;

export type ChatEventListener = (event: ChatEvent) => void;

export type { JoinResult } from './room/join';

export interface HistoryPage {
  /** Oldest first. */
  messages: RoomItem[];
  /** The known modifiers of the page (section 13), oldest first; fold them into their targets. */
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
   * More missed messages than this after the saved cursor: the join shows the
   * newest page as on a first join (the rest stays reachable with loadOlder)
   * instead of fetching and opening every one. Default: no limit (the CLI reads all).
   */
  catchUpLimit?: number;
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
  /** Section 12: each room's epoch keys between runs (CLI: a 0600 file; the extension: secret storage). Default: in memory. */
  epochKeys?: EpochKeyStore;
  /** Diagnostics (never secrets or envelope bytes). */
  log?: (line: string) => void;
}

export class ChatClient {
  private readonly connection: Connection;
  private readonly listeners = new Set<ChatEventListener>();
  private readonly rooms = new Map<string, RoomSync>();
  private readonly dedupe = new Dedupe();
  private readonly requests: RequestChannel;
  private readonly outbox: Outbox;
  private readonly joins: JoinFlow;
  private readonly epochFlow: EpochFlow;
  private readonly items: RoomItems;
  /** Our own epoch bodies in flight (not shown, no `pending`/`acked` events). */
  private readonly hiddenSends: HiddenSends;
  private readonly pins: Pins;
  private readonly cursors: CursorStore;
  private readonly identity: Identity;
  private name: string | undefined;
  private hello: Hello | undefined;
  private epoch = 0;
  private stateValue: ClientState = 'idle';
  private readyWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private firstConnect: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /**
   * File transfers (PROTOCOL.md section 9.3) over this client's own connection: it has
   * joined the room already (blob frames need that), so no second join or KDF is needed.
   * A transfer fails with 'disconnected' when the connection drops; calling it again
   * after the rejoin resumes it (client/files/send-file.ts does).
   */
  /** Derived once from the identity seed: proves our deletes (section 11.1). */
  private deleteKeyValue: Uint8Array | undefined;
  /** Our own modifiers not yet acked (`room\ncid`): at the ack they are emitted as `modifier` events, to fold. */
  private readonly ownModifiers = new Map<string, ModifierBody>();
  /** Room -> when we last sent a typing signal. */
  private readonly typingSentAt = new Map<string, number>();
  readonly files = new BlobTransfers({ send: (frame) => this.connection.state === 'ready' && this.connection.send(frame) });

  constructor(private readonly options: ChatClientOptions) {
    const { host, port } = parseAddress(options.address);
    this.identity = options.identity;
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
    const send = (frame: ClientFrame): boolean => this.connection.send(frame);
    const log = (line: string): void => this.log(line);
    this.requests = new RequestChannel({
      send,
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      // The answer may still come and would be matched to the wrong request: start clean.
      timedOut: () => this.connection.reconnect(new DisconnectedError()),
    });
    this.hiddenSends = new HiddenSends({ send, timeoutMs: options.requestTimeoutMs ?? 30_000 });
    this.outbox = new Outbox({ store: options.outbox, send, log, del: (room, cid) => deletionHash(deletionTokenFromKey(this.deleteKey(), room, cid)) });
    this.epochFlow = new EpochFlow({
      address: this.connection.address,
      identity: this.identity,
      // In memory by default: a room joined again in this process keeps the epochs it followed.
      store: options.epochKeys ?? new MemoryEpochKeyStore(),
      kdfFloor: options.kdfFloor,
      request: (room, frame, expect) => this.requests.request(room, frame, expect),
      challenge: () => this.challenge(),
      history: (room, query) => this.history(room, query),
      scan: (sync, msgs) => scan(sync, msgs),
      post: (sync, make) => this.postEpochBody(sync, make),
      name: () => this.name,
      log,
    });
    this.items = new RoomItems(this.itemsContext());
    this.joins = new JoinFlow(this.joinContext());
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
    await this.outbox.load();
    if (this.connection.state !== 'idle') return this.ready();
    const first = new Promise<void>((resolve, reject) => (this.firstConnect = { resolve, reject }));
    this.connection.start();
    return first;
  }

  close(): void {
    if (this.stateValue === 'closed') return;
    this.hiddenSends.failAll(() => new ClosedError());
    this.connection.close();
    this.outbox.close();
    this.joins.close();
    this.requests.failAll(() => new ClosedError());
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
    if (existing) this.requests.failRoom(room, new ClientError('closed', `Rejoining room "${room}".`, room));
    const sync = new RoomSync(room, this.syncContext());
    this.rooms.set(room, sync);
    this.emit({ type: 'room', room, state: 'joining' });
    this.updateState();
    const promise = this.joins.join(sync, passphrase, opts.create === true).catch((error: unknown) => {
      if (this.rooms.get(room) === sync) {
        this.rooms.delete(room);
        // The server may have joined us before a later step failed; a stray leave is ignored.
        this.connection.send({ t: 'leave', room });
      }
      this.emit({ type: 'room', room, state: 'failed' });
      this.updateState();
      throw error;
    });
    sync.joinPromise = promise;
    return promise;
  }

  leaveRoom(room: string): void {
    const sync = this.rooms.get(room);
    if (!sync) return;
    this.rooms.delete(room);
    this.requests.failRoom(room, new ClientError('closed', `Left room "${room}".`, room));
    this.connection.send({ t: 'leave', room });
    this.dedupe.forget(room);
    this.typingSentAt.delete(room);
    this.emit({ type: 'room', room, state: 'left' });
    this.updateState();
  }

  /** `mentions`: whom the text mentions (PROTOCOL.md section 10), keys from members() or pinnedKeyOf(). */
  async sendText(room: string, text: string, mentions?: readonly Mention[]): Promise<string> {
    if (utf8(text).length > MAX_TEXT_BYTES) {
      throw new ClientError('too_large', 'A text message can be at most 64 KiB.', room);
    }
    if (text.length === 0) throw new ClientError('invalid_input', 'An empty message cannot be sent.', room);
    return this.sendBody(room, { k: 'text', text }, mentions);
  }

  async sendImage(room: string, image: PreparedImage, mentions?: readonly Mention[]): Promise<string> {
    const wrong = mentions && mentions.length > 0 ? checkOutgoing(mentions) : null;
    if (wrong) throw new ClientError('invalid_input', wrong, room);
    // Typed, not guarded: a PreparedImage was checked when it was made (and tests send lying images
    // through here to check the receiving side).
    return this.seal(room, (base) => {
      const body: Body = { ...base, k: 'image', mime: image.mime, w: image.w, h: image.h, data: image.data };
      if (mentions && mentions.length > 0) body.mentions = mentions.map((m) => ({ key: m.key, name: m.name }));
      if (image.name !== undefined) body.name = image.name;
      return body;
    });
  }

  /** A shared snippet (PROTOCOL.md section 10); the caller made `path` relative (client/snippet.ts). */
  async sendCode(room: string, snippet: CodeSnippet, mentions?: readonly Mention[]): Promise<string> {
    const { lang, path, start, end, text } = snippet;
    return this.sendBody(room, path === undefined ? { k: 'code', lang, start, end, text } : { k: 'code', lang, path, start, end, text }, mentions);
  }

  /** Sends a `file` message for a blob that is already uploaded (files.upload resolved). */
  async sendFile(room: string, file: FileInfo): Promise<string> {
    return this.sendBody(room, { k: 'file', ...file });
  }

  /** A reply to message `to` (its server id) in this room (PROTOCOL.md section 13). */
  async sendReply(room: string, to: number, text: string, mentions?: readonly Mention[]): Promise<string> {
    checkText(text, room);
    if (!Number.isSafeInteger(to) || to <= 0) throw new ClientError('invalid_input', 'A reply names the id of the message it answers.', room);
    return this.sendBody(room, { k: 'reply', to, text }, mentions);
  }

  /**
   * Replaces the text of our own message `target` (its sender key is ours; others ignore anything else).
   * `mentions` (PROTOCOL.md section 13): whom the new text mentions, [] for no one now; left out, the
   * edit carries no field and the message keeps the mentions it shows (what an older client sends).
   */
  async sendEdit(room: string, target: Rel, text: string, mentions?: readonly Mention[]): Promise<string> {
    checkText(text, room);
    if (!sameBytes(target.key, this.identity.publicKey)) throw new ClientError('invalid_input', 'Only your own messages can be edited.', room);
    return this.sendBody(room, { k: 'edit', rel: { key: target.key, cid: target.cid }, text }, mentions);
  }

  /** Adds (or with `remove`, takes back) this identity's `emoji` on message `target`. */
  async sendReaction(room: string, target: Rel, emoji: string, opts: { remove?: boolean } = {}): Promise<string> {
    if (!isEmoji(emoji)) throw new ClientError('invalid_input', 'A reaction is one emoji (1-64 bytes, no control characters).', room);
    const rel = { key: target.key, cid: target.cid };
    return this.sendBody(room, opts.remove ? { k: 'reaction', rel, emoji, remove: true } : { k: 'reaction', rel, emoji });
  }

  /**
   * Deletes our own message for everyone; resolves once the server answered `deleted`. Rejects with
   * ServerError 'forbidden' when the message is not ours (the token does not match its `del`).
   */
  async deleteMessage(room: string, target: { id: number; cid: string }): Promise<void> {
    this.joinedRoom(room);
    const token = deletionTokenFromKey(this.deleteKey(), room, target.cid);
    await this.requests.request(room, { t: 'delete', room, id: target.id, token }, 'deleted');
    // Still queued (its ack was lost)? Then its ciphertext must not go out again.
    this.outbox.drop(room, target.cid);
  }

  /** Sends "typing" to the members joined now, at most every 3 s per room; false when skipped. */
  sendTyping(room: string, now = Date.now()): boolean {
    const sync = this.rooms.get(room);
    if (!sync?.keys || sync.status !== 'joined' || !this.name || this.connection.state !== 'ready') return false;
    const last = this.typingSentAt.get(room);
    if (last !== undefined && now - last < TYPING_SEND_EVERY_MS) return false;
    this.typingSentAt.set(room, now);
    return this.connection.send({ t: 'signal', room, env: sealTyping(room, sync.keys.encKey, this.identity, this.name, now, (p) => sealPlain(sync, p)) });
  }

  /**
   * Sends a message of any kind from its own fields; the kind's guard checks them (invalid_input
   * when it refuses). Emits `pending` once the outbox holds it (not for a modifier, which shows only
   * folded into its target); sends leave in call order.
   */
  async sendBody(room: string, fields: BodyFields, mentions?: readonly Mention[]): Promise<string> {
    const k: unknown = (fields as { k?: unknown }).k;
    const raw = fields as unknown as Record<string, unknown>;
    const wrong = mentions && mentions.length > 0 ? checkOutgoing(mentions) : null;
    if (wrong) throw new ClientError('invalid_input', wrong, room);
    const mentionFields = mentions?.map((m) => ({ key: m.key, name: m.name }));
    if (typeof k === 'string' && isModifierKind(k)) {
      // Section 13: of the modifiers only an edit carries mentions, and for it [] is "no one now".
      if (mentionFields !== undefined && k !== 'edit') throw new ClientError('invalid_input', `A ${k} cannot mention anyone.`, room);
      const withMentions = mentionFields === undefined ? raw : { ...raw, mentions: mentionFields };
      return this.seal(room, (base) => {
        const body = guardModifier(k, withMentions, base);
        if (!body) throw new ClientError('invalid_input', `The ${k} is not valid.`, room);
        return body;
      });
    }
    if (typeof k !== 'string' || !isKindName(k)) throw new ClientError('invalid_input', 'This client cannot send that kind of message.', room);
    // Receivers clear our "is typing" when this message arrives: the next keystroke may signal again at once.
    this.typingSentAt.delete(room);
    return this.seal(room, (base) => {
      const body = guardBody(k, raw, mentionFields && mentionFields.length > 0 ? { ...base, mentions: mentionFields } : base);
      if (!body) throw new ClientError('invalid_input', `The ${k} message is not valid.`, room);
      return body;
    });
  }

  /** Seals the body `make` builds, queues it in the outbox (call order) and flushes. */
  private async seal(room: string, make: (base: BodyBase) => Body | ModifierBody): Promise<string> {
    const sync = this.rooms.get(room);
    if (!sync?.keys) throw new ClientError('not_joined', `Join room "${room}" before sending to it.`, room);
    if (!this.name) throw new ClientError('no_name', 'Set a display name before sending messages.', room);
    const cid = newCid();
    const ts = Date.now();
    const body = make({ cid, ts, from: { name: this.name, key: this.identity.publicKey } });
    const env = sealFor(this.identity, sync, encodeEnvelopeBody(body));
    const max = this.hello?.max ?? Infinity;
    // Frame overhead: the send map's keys, room, cid and bin header stay well under 256 bytes.
    if (env.length + 256 > max) {
      throw new ClientError('too_large', `The message is larger than this server accepts (${Math.floor(max / 1_000_000)} MB).`, room);
    }
    const item = isModifierBody(body) ? undefined : this.items.ownItem(body, 0, ts, room);
    if (isModifierBody(body)) this.ownModifiers.set(`${room}\n${cid}`, body);
    this.dedupe.add(room, this.identity.publicKey, cid);
    // Takes its place in the send order now; persisted before it is written (a crash still resends it).
    try {
      // A modifier (edit, reaction) names no blob; a file message names its own, so deleting it erases the file (PROTOCOL 11.2).
      const blobs = isModifierBody(body) ? [] : bodyBlobs(body);
      await this.outbox.add({ room, cid, env, queuedAt: ts, ...(blobs.length > 0 ? { blobs } : {}) });
    } catch (error) {
      // Sends queued after this one waited for it; they go now.
      this.flushOutbox(room);
      throw error;
    }
    // A modifier is not an item of its own: it shows once folded into its target (acked, or echoed in a page).
    if (item) this.emit({ type: 'pending', room, cid, item });
    this.flushOutbox(room);
    return cid;
  }

  /**
   * Sends one of our section 12 bodies (keys, grant, owner) under the pinned epoch and resolves at its
   * ack. Not kept in the outbox: each is made again when needed (the next join announces again, a
   * rotation that failed is run again), and the outbox stays the user's messages only.
   */
  private postEpochBody(sync: RoomSync, make: (base: BodyBase) => EpochBody): Promise<{ id: number; ts: number }> {
    const room = sync.name;
    if (!this.name) return Promise.reject(new ClientError('no_name', 'Set a display name before sending messages.', room));
    const cid = newCid();
    const body = make({ cid, ts: Date.now(), from: { name: this.name, key: this.identity.publicKey } });
    const env = sealEpochBody(this.identity, sync, body);
    this.dedupe.add(room, this.identity.publicKey, cid);
    return this.hiddenSends.send(room, cid, env);
  }

  // ---- section 12: owners, epochs ------------------------------------------------

  /**
   * Owner only: moves the room to a new epoch with a new generated passphrase, leaving out the
   * members named in `remove` (display names or fingerprints). Rejects with 'forbidden' for a
   * non-owner, 'stale_epoch' when another owner rotated at the same moment.
   */
  async rotate(room: string, opts: { remove?: readonly string[] } = {}): Promise<RotateResult> {
    const sync = this.joinedRoom(room);
    await this.nameFromRoom(sync);
    if (!this.name) throw new ClientError('no_name', 'Set a display name before changing the keys of a room.', room);
    const result = await this.epochFlow.rotate(sync, opts.remove ?? [], async () => (await import('./passphrase')).generatePassphrase());
    sync.keys = joinKeysOf(room, sync.epochs.get(result.epoch) ?? (() => { throw new ClientError('internal', 'Lost the new keys.', room); })());
    if (this.options.roomParams) {
      const keys = sync.epochs.get(result.epoch);
      if (keys) await this.options.roomParams.set(this.connection.address, room, { salt: keys.salt, kdf: keys.kdf });
    }
    this.emit({ type: 'epoch', room, epoch: result.epoch, by: this.name, removed: result.removed.map((r) => r.name), own: true });
    const line = lineItem(sync, result.grant);
    if (line) this.emit({ type: 'message', room, item: line });
    void this.epochFlow.announce(sync);
    await resealOutbox(sync, this.outbox, (line) => this.log(line));
    this.flushOutbox(room);
    return result;
  }

  /** Owner only: makes the member named `name` (display name or fingerprint) an owner too. */
  async addOwner(room: string, name: string): Promise<MemberInfo> {
    const sync = this.joinedRoom(room);
    await this.nameFromRoom(sync);
    if (!this.name) throw new ClientError('no_name', 'Set a display name before adding an owner.', room);
    return this.epochFlow.addOwner(sync, name);
  }

  /** The CLI's `rotate` and `owners` take no --name: sign under the name this identity announced in the room. */
  private async nameFromRoom(sync: RoomSync): Promise<void> {
    if (this.name) return;
    const me = (await this.epochFlow.members(sync)).find((m) => m.self);
    if (me) this.setName(me.name);
  }

  /** Every identity that announced keys in the room (reads its history once), owners marked. */
  async members(room: string): Promise<MemberInfo[]> {
    return this.epochFlow.members(this.joinedRoom(room));
  }

  /** The epoch this client seals under in a room (0 for a room never rotated). */
  epochOf(room: string): number {
    return this.rooms.get(room)?.epochs.pinned ?? 0;
  }

  /** This identity is an owner of the room as far as this client has seen (the server has the last word). */
  isOwner(room: string): boolean {
    return this.rooms.get(room)?.epochs.isOwner(hex(this.identity.publicKey)) ?? false;
  }

  /** A `rotated` for a room we follow: believe it (12.8), then join again with the new proof. */
  private async followRotation(frame: Extract<ServerFrame, { t: 'rotated' }>): Promise<void> {
    const sync = this.rooms.get(frame.room);
    if (!sync || sync.status === 'failed') return;
    const held = sync.epochs.get(frame.epoch)?.auth;
    // Our own rotation (rotate() finishes it), not a losing one of ours whose keys are still held.
    const own = held !== undefined && sameBytes(held.publicKey, frame.auth);
    try {
      const keys = await this.epochFlow.rotated(sync, frame);
      if (own) return; // rotate() finishes our own
      sync.epochs.add(keys);
      sync.epochs.pin(keys.epoch);
      await this.epochFlow.save(sync);
      sync.keys = joinKeysOf(sync.name, keys);
      if (this.options.roomParams) await this.options.roomParams.set(this.connection.address, sync.name, { salt: keys.salt, kdf: keys.kdf });
      const grant = sync.epochs.grantsFor(frame.epoch, frame.auth).find((g) => sync.epochs.believes(g.body));
      this.emitEpoch(sync.name, frame.epoch, grant?.body);
      const line = grant ? lineItem(sync, grant) : null;
      if (line) this.emit({ type: 'message', room: sync.name, item: line });
      await this.joins.rejoin(sync);
    } catch (error) {
      if (error instanceof RemovedError) {
        sync.status = 'failed';
        this.emit({ type: 'room', room: sync.name, state: 'failed' });
        this.updateState();
      }
      this.emitError(error, sync.name);
    }
  }

  private emitEpoch(room: string, epoch: number, grant: GrantBody | undefined): void {
    this.emit({ type: 'epoch', room, epoch, by: grant?.from.name ?? 'An owner', removed: (grant?.removed ?? []).map((r) => r.name), own: false });
  }

  /** Older messages than `beforeId` (default: the oldest shown this session), oldest first. */
  async loadOlder(room: string, beforeId?: number, limit = PAGE_SIZE): Promise<HistoryPage> {
    const sync = this.joinedRoom(room);
    const before = beforeId ?? sync.pager.nextBefore();
    const raw = await this.history(room, before === undefined ? { limit } : { before, limit });
    sync.pager.page(raw.msgs, raw.more, beforeId === undefined);
    scan(sync, raw.msgs, true);
    return { ...this.items.openPage(sync, raw.msgs), more: raw.more };
  }

  /** One page of history, opened (not emitted as events); modifiers this client does not know are left out. */
  async fetchHistory(room: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const sync = this.joinedRoom(room);
    const page = await this.history(room, query);
    scan(sync, page.msgs, true);
    return { ...this.items.openPage(sync, page.msgs), more: page.more };
  }

  // ---- wiring of the parts --------------------------------------------------------

  private joinContext(): JoinContext {
    return {
      options: this.options,
      address: this.connection.address,
      ready: () => this.ready(),
      request: (room, frame, expect) => this.requests.request(room, frame, expect),
      challenge: () => this.challenge(),
      closed: () => this.stateValue === 'closed',
      isCurrent: (sync) => this.rooms.get(sync.name) === sync,
      epochs: this.epochFlow,
      epoch: () => this.epoch,
      joined: (sync, frame) => this.roomJoined(sync, frame),
      roomState: (sync, state) => {
        this.emit({ type: 'room', room: sync.name, state });
        this.updateState();
      },
      error: (error, room) => {
        this.emitError(error, room);
        this.updateState();
      },
    };
  }

  private itemsContext(): RoomItemsContext {
    return {
      identity: this.identity,
      name: () => this.name,
      pins: this.pins,
      dedupe: this.dedupe,
      outbox: this.outbox,
      options: this.options,
      acked: (room, cid, id, ts) => this.acked(room, cid, id, ts),
      log: (line) => this.log(line),
    };
  }

  private syncContext(): ConstructorParameters<typeof RoomSync>[1] {
    const context: ConstructorParameters<typeof RoomSync>[1] = {
      history: (room, query) => this.history(room, query),
      open: (sync, m, live) => this.items.openStored(sync, m, live),
      prepare: (sync, msgs) => scan(sync, msgs, true),
      // A newer epoch's message (its back-link first) that came before this client followed the rotation:
      // not an "undecryptable" placeholder; the catch-up after the rejoin delivers it with the new key.
      defer: (sync, m) => {
        const epoch = m.deleted ? null : envelopeEpoch(m.env);
        return epoch !== null && epoch > sync.epochs.pinned && sync.epochs.keyOf(epoch) === undefined;
      },
      show: (room, item) => this.emit(isModifierItem(item) ? { type: 'modifier', room, modifier: item } : { type: 'message', room, item }),
      cursors: this.cursors,
      log: (line) => this.log(line),
    };
    if (this.options.initialHistory !== undefined) context.initialHistory = this.options.initialHistory;
    if (this.options.catchUpLimit !== undefined) context.catchUpLimit = this.options.catchUpLimit;
    return context;
  }

  /** After `joined`: presence, pins, pending items, catch-up, then the outbox. */
  private async roomJoined(sync: RoomSync, joined: Reply<'joined'>): Promise<void> {
    const room = sync.name;
    sync.status = 'joined';
    sync.online = joined.online;
    this.emit({ type: 'room', room, state: 'joined' });
    this.emit({ type: 'presence', room, online: joined.online });
    this.updateState();
    await this.pins.load(room);
    await this.options.replay?.load(room);
    this.announcePending(sync);
    const epoch = this.epoch;
    await sync.catchUp(joined.last, () => this.epoch === epoch);
    // Section 12: our keys once per epoch, and messages queued under an older epoch sealed again.
    void this.epochFlow.announce(sync);
    await resealOutbox(sync, this.outbox, (line) => this.log(line));
    this.flushOutbox(room);
  }

  // ---- sending --------------------------------------------------------------

  private flushOutbox(room: string): void {
    const sync = this.rooms.get(room);
    if (!sync?.live || this.connection.state !== 'ready') return;
    this.outbox.flush(room, this.epoch);
  }

  /** Emits `pending` for outbox entries restored from storage, once the room's key can open them. */
  private announcePending(sync: RoomSync): void {
    const keys = sync.keys;
    if (!keys) return;
    for (const entry of this.outbox.takeUnannounced(sync.name)) {
      const opened = openEnvelope({ room: sync.name, encKey: keys.encKey, decrypt: decryptor(sync), cid: entry.cid, env: entry.env });
      // A queued modifier has no item of its own to show; it is folded in once acked.
      if (!opened.ok && opened.reason === 'modifier' && opened.modifier) this.ownModifiers.set(`${sync.name}\n${entry.cid}`, opened.modifier);
      if (!opened.ok) continue;
      this.dedupe.add(sync.name, opened.body.from.key, entry.cid);
      this.emit({ type: 'pending', room: sync.name, cid: entry.cid, item: this.items.ownItem(opened.body, 0, entry.queuedAt, sync.name) });
    }
  }

  private acked(room: string, cid: string, id: number, ts: number): void {
    // One of our section 12 bodies: no outbox entry, no event.
    if (this.hiddenSends.acked(cid, { id, ts })) return;
    if (!this.outbox.ack(room, cid)) return;
    this.emit({ type: 'acked', room, cid, id, ts });
    const modifier = this.ownModifiers.get(`${room}\n${cid}`);
    if (modifier) {
      this.ownModifiers.delete(`${room}\n${cid}`);
      this.emit({ type: 'modifier', room, modifier: this.items.modifierItem(room, modifier, { id, ts }) });
    }
  }

  // ---- receiving --------------------------------------------------------------

  private handleFrame(frame: ServerFrame): void {
    switch (frame.t) {
      case 'joined': {
        // `msg` frames can follow in the same chunk, before the join's continuation
        // runs: from here on they are held until catch-up has delivered the history.
        const sync = this.rooms.get(frame.room);
        if (sync && this.requests.headExpects(frame.room) === 'joined') sync.startCatchUp();
        this.requests.answer(frame.room, frame);
        return;
      }
      case 'room':
      case 'page':
        this.requests.answer(frame.room, frame);
        return;
      case 'ack':
        this.acked(frame.room, frame.cid, frame.id, frame.ts);
        this.rooms.get(frame.room)?.acked(frame.id);
        return;
      case 'msg':
        this.rooms.get(frame.room)?.receive({ id: frame.id, ts: frame.ts, cid: frame.cid, env: frame.env });
        return;
      case 'presence': {
        const sync = this.rooms.get(frame.room);
        if (!sync) return;
        sync.online = frame.online;
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
        this.files.receive(frame);
        return;
      case 'deleted':
        // Our own delete's answer (matched by id), and news for everyone.
        this.requests.answer(frame.room, frame);
        if (this.rooms.has(frame.room)) this.emit({ type: 'deleted', room: frame.room, id: frame.id });
        return;
      case 'signal': {
        const sync = this.rooms.get(frame.room);
        const keys = sync?.keys;
        const from = sync && keys ? openTyping(frame.room, keys.encKey, frame.env, decryptor(sync)) : null;
        if (!from || sameBytes(from.key, this.identity.publicKey)) return;
        this.emit({ type: 'typing', room: frame.room, from: { name: from.name, fingerprint: fingerprint(from.key) } });
        return;
      }
      case 'owner_added':
        this.requests.answer(frame.room, frame);
        return;
      case 'rotated':
      {
        // Our own rotate waits for its `rotated` (the one naming our new auth key, not another owner's that won a race);
        // every follower believes it and joins again.
        const held = this.rooms.get(frame.room)?.epochs.get(frame.epoch)?.auth;
        if (held && sameBytes(held.publicKey, frame.auth)) this.requests.answer(frame.room, frame);
      }
        void this.followRotation(frame);
        return;
      default: {
        const never: never = frame;
        this.log(`unhandled frame ${String((never as { t: unknown }).t)}`);
      }
    }
  }

  private serverError(frame: Extract<ServerFrame, { t: 'error' }>): void {
    const room = frame.room;
    this.log(`server error ${frame.code}${room ? ` in ${room}` : ''}: ${frame.msg.slice(0, 200)}`);
    if (frame.blob !== undefined) {
      this.files.receive(frame); // about a file transfer, not about this client's requests
      return;
    }
    if (room && frame.cid && this.hiddenSends.refused(frame.cid, new ServerError(frame.code, room))) return;
    // A refused `rotate` carries its link's cid: it answers the rotate request, not a send.
    if (room && frame.cid && !this.outbox.has(room, frame.cid) && this.requests.headExpects(room) === 'rotated') {
      this.requests.rejectHead(room, new ServerError(frame.code, room));
      return;
    }
    if (room && frame.cid) {
      // About one of our sends (never a room request): it stays in the outbox and goes again.
      if (this.outbox.unsent(room, frame.cid)) {
        const sync = this.rooms.get(room);
        if (frame.code === 'rate_limited') this.outbox.retryLater(room, () => this.flushOutbox(room));
        else if (frame.code === 'stale_epoch' && sync) {
          // Section 12.4: sealed for an older epoch. It stays queued; sealed again once this client holds the current one.
          if ((frame.epoch ?? 0) > sync.epochs.pinned) {
            if (sync.status === 'joined') void this.joins.rejoin(sync);
          } else {
            void resealOutbox(sync, this.outbox, (line) => this.log(line)).then(() => this.flushOutbox(room));
          }
        }
        else if (frame.code === 'not_joined' && sync?.established && sync.status === 'joined') void this.joins.rejoin(sync);
        else this.emitError(new ServerError(frame.code, room), room);
      }
      return;
    }
    if (room && this.rooms.has(room) && this.requests.rejectHead(room, new ServerError(frame.code, room))) return;
    this.emitError(new ServerError(frame.code, room), room);
  }

  private deleteKey(): Uint8Array {
    this.deleteKeyValue ??= deletionKey(this.identity.exportSeed());
    return this.deleteKeyValue;
  }

  /**
   * Who `@` can complete in a room: each name seen verified this session with its key and
   * fingerprint (PROTOCOL.md section 10 sends keys, so completion needs them), us left out.
   */
  mentionable(room: string): { name: string; key: Uint8Array; fingerprint: string }[] {
    const myHex = Buffer.from(this.identity.publicKey).toString('hex');
    return this.pins
      .members(room)
      .filter((m) => m.keyHex !== myHex)
      .map((m) => {
        const key = new Uint8Array(Buffer.from(m.keyHex, 'hex'));
        return { name: m.name, key, fingerprint: fingerprint(key) };
      });
  }

  /** The key (hex) a name is pinned to in a room, looked up by its skeleton: "Trust New Key..." shows it beside the new one. */
  pinnedKeyOf(room: string, name: string): string | undefined {
    return this.pins.pinned(room, pinKeyOf(name));
  }

  /** Re-pins a name (by its skeleton) to a new identity key after the user compared both fingerprints. */
  async trustNewKey(room: string, name: string, key: Uint8Array): Promise<void> {
    await this.pins.repin(room, pinKeyOf(name), Buffer.from(key).toString('hex'));
  }

  /**
   * "They match": records that the user compared this name's pinned key by fingerprint (kept in
   * the pin store). false when `key` is not the pinned key (a changed key needs Trust New Key first).
   */
  compareKey(room: string, name: string, key: Uint8Array): Promise<boolean> {
    return this.pins.markCompared(room, pinKeyOf(name), Buffer.from(key).toString('hex'));
  }

  /** Whether the user compared this name's key and it is still the pinned one. */
  isCompared(room: string, name: string, key: Uint8Array): boolean {
    return this.pins.isCompared(room, pinKeyOf(name), key);
  }

  // ---- requests -------------------------------------------------------------

  private history(room: string, query: HistoryQuery): Promise<Reply<'page'>> {
    const frame: { t: 'history'; room: string; before?: number; after?: number; limit?: number } = { t: 'history', room };
    if (query.before !== undefined) frame.before = query.before;
    if (query.after !== undefined) frame.after = query.after;
    if (query.limit !== undefined) frame.limit = Math.max(1, Math.min(HISTORY_PAGE, query.limit));
    return this.requests.request(room, frame, 'page');
  }

  private joinedRoom(room: string): RoomSync {
    const sync = this.rooms.get(room);
    if (!sync || sync.status !== 'joined') throw new ClientError('not_joined', `Join room "${room}" first.`, room);
    return sync;
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
    for (const sync of this.rooms.values()) {
      if (sync.established && sync.keys && sync.status !== 'failed') void this.joins.rejoin(sync);
    }
  }

  private connectionDown(error: ClientError, info: { wasReady: boolean; fatal: boolean }): void {
    this.log(`connection down: ${error.code}`);
    this.files.disconnected();
    this.requests.failAll((room) => new DisconnectedError(room));
    this.hiddenSends.failAll(() => new DisconnectedError());
    for (const sync of this.rooms.values()) sync.connectionLost();
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

/** 16 random bytes in base64url: 22 characters (PROTOCOL.md section 7). */
export function newCid(): string {
  return randomBytes(16).toString('base64url');
}
