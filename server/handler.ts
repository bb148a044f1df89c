// The server side of the protocol (PROTOCOL.md sections 5-7, 11 and 12): what each client frame does.

import { createHash, timingSafeEqual } from 'node:crypto';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT } from '../protocol/constants';
import { decodeBody, encodeFrameBody, encodeFrameBodyInPlace } from '../protocol/codec';
import { envelopeEpoch } from '../protocol/epoch-header';
import { parseClientFrame, type ClientFrame } from '../protocol/frames';
import { ProtocolError, type Connection, type InboundHandler } from './connection';
import type { DiskSpace } from './disk';
import { kdfProblem, type HourlyLimit, type ProofThrottle } from './limits';
import { ed25519PublicKey, verifyJoinProof } from './proof';
import type { Room, Rooms } from './rooms';
import type { AppendResult, Store } from './store';
import type { BlobFrames } from './blobs/frames';
import { EpochFrames, StaleEpochError } from './epochs';

/**
 * Room for the fields around an envelope, so every frame we send stays under
 * `max`: a one-message `page` with a 64-character room and cid needs about 200
 * bytes besides the envelope (a `msg` less). Clients keep the same 256 bytes
 * free when they send, so what they send is never refused for this.
 */
export const FRAME_SLACK = 256;

export interface HandlerOptions {
  maxFrame: number;
  log: (message: string) => void;
  /** Rooms the server holds at most. */
  maxRooms: number;
  /** Rooms one address may create per hour. */
  newRooms: HourlyLimit;
  /** Envelope bytes one room may store. */
  maxRoomBytes: number;
  /** The reserve of free space on the data volume. */
  disk: DiskSpace;
  /** Smallest scrypt N a room may use (2^15 but in tests). */
  kdfFloorN: number;
  /** The blob frames of PROTOCOL.md section 9; without it they are refused as bad frames. */
  blobs?: BlobFrames;
}

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

/** Section 10.6: one signal per connection and room per second is relayed; more are dropped. */
const SIGNAL_INTERVAL_MS = 1000;
/** Section 10.6: a member with more unsent output than this gets no signals. */
const SIGNAL_DROP_BACKLOG_BYTES = 64 * 1024;

export class FrameHandler implements InboundHandler {
  /** When each connection last had a signal relayed, per room; gone with the connection. */
  private readonly lastSignal = new WeakMap<Connection, Map<string, number>>();
  private readonly epochs: EpochFrames;

  constructor(
    private readonly store: Store,
    private readonly rooms: Rooms,
    private readonly throttle: ProofThrottle,
    private readonly options: HandlerOptions,
  ) {
    this.epochs = new EpochFrames(store, options.kdfFloorN);
  }

  log(message: string): void {
    this.options.log(message);
  }

  onBody(conn: Connection, body: Uint8Array): void | Promise<void> {
    let value: unknown;
    try {
      value = decodeBody(body);
    } catch {
      conn.badFrame('the frame body is not valid MessagePack');
      return;
    }
    const parsed = parseClientFrame(value);
    if (!parsed.ok) {
      const { code, msg, room, cid } = parsed.rejection;
      conn.badFrame(msg, room, cid, code);
      return;
    }
    const frame = parsed.frame;
    // Answers go out in the order frames came in: commit this connection's
    // earlier sends (and so write their acks) before answering anything else.
    if (frame.t !== 'send' && conn.pendingAppends > 0) this.store.flush();
    return this.dispatch(conn, frame);
  }

  private dispatch(conn: Connection, frame: ClientFrame): void | Promise<void> {
    try {
      const outcome = this.handle(conn, frame);
      return outcome ? outcome.catch((error: unknown) => this.fail(conn, frame, error)) : undefined;
    } catch (error) {
      this.fail(conn, frame, error);
    }
  }

  onClosed(conn: Connection): void {
    for (const room of conn.rooms.values()) this.removeMember(conn, room);
    conn.rooms.clear();
  }

  private handle(conn: Connection, frame: ClientFrame): void | Promise<void> {
    switch (frame.t) {
      case 'room':
        return this.room(conn, frame);
      case 'create':
        return this.throttled(conn, frame.room, undefined, () => this.create(conn, frame));
      case 'join':
        return this.throttled(conn, frame.room, frame.epoch, () => this.join(conn, frame));
      case 'leave':
        return this.leave(conn, frame);
      case 'send':
        return this.send(conn, frame);
      case 'history':
        return this.history(conn, frame);
      case 'ping':
        conn.send({ t: 'pong', n: frame.n });
        return;
      case 'blob_put':
      case 'blob_chunk':
      case 'blob_get':
        if (!this.options.blobs) throw new ProtocolError('bad_frame', 'this server does not store files', frame.room);
        // Section 12.9a: a connection joined at an older epoch may download, not upload.
        if (frame.t !== 'blob_get') this.requireCurrent(conn, frame.room);
        this.options.blobs.handle(conn, frame);
        return;
      case 'delete':
        return this.delete(conn, frame);
      case 'signal':
        return this.signal(conn, frame);
      case 'owner_add':
        return this.epochs.ownerAdd(conn, this.joinedRoom(conn, frame.room), frame);
      case 'rotate':
        return this.epochs.rotate(conn, this.joinedRoom(conn, frame.room, frame.cid), frame);
      default: {
        const unreachable: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** One place where failures become `error` frames; unexpected ones are logged (never with envelope bytes). */
  private fail(conn: Connection, frame: ClientFrame, error: unknown): void {
    const room = 'room' in frame ? frame.room : undefined;
    const cid = frame.t === 'send' ? frame.cid : undefined;
    if (error instanceof ProtocolError) {
      conn.sendError(error.code, error.message, error.room ?? room, error.cid ?? cid);
      return;
    }
    if (error instanceof StaleEpochError) {
      const staleCid = error.cid ?? cid;
      conn.send({ t: 'error', code: 'stale_epoch', msg: error.message, room: error.room, ...(staleCid ? { cid: staleCid } : {}), epoch: error.epoch });
      return;
    }
    this.log(`internal error on ${frame.t} from ${conn.address}: ${error instanceof Error ? error.message : String(error)}`);
    conn.sendError('internal', 'the server failed to handle this frame', room, cid);
  }

  private room(conn: Connection, frame: Frame<'room'>): void {
    const room = this.rooms.get(frame.room);
    conn.send(
      room
        ? { t: 'room', room: room.name, exists: true, salt: room.salt, kdf: room.kdf, ...(room.epoch > 0 ? { epoch: room.epoch } : {}) }
        : { t: 'room', room: frame.room, exists: false },
    );
  }

  /** Delays joins and creates from an address that keeps failing proofs (PROTOCOL.md section 7). */
  private throttled(conn: Connection, roomName: string, epoch: number | undefined, answer: () => void): void | Promise<void> {
    // Already fully joined and asking for the current epoch: answer at once, no proof needed.
    const joined = conn.rooms.get(roomName);
    if (joined && !this.epochs.staleJoin(conn, roomName) && (epoch === undefined || epoch === joined.epoch)) {
      this.sendJoined(conn, joined);
      return;
    }
    const delay = this.throttle.delayFor(conn.address);
    if (delay === 0) return answer();
    return new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => {
      if (conn.isOpen) answer();
    });
  }

  private create(conn: Connection, frame: Frame<'create'>): void {
    const auth = ed25519PublicKey(frame.auth);
    if (!auth) throw new ProtocolError('bad_frame', 'auth is not an Ed25519 public key', frame.room);
    // A room no client would join (PROTOCOL.md section 3) is refused before it takes a name.
    const weak = kdfProblem(frame.kdf, this.options.kdfFloorN);
    if (weak) throw new ProtocolError('bad_frame', weak, frame.room);
    if (!verifyJoinProof(auth, frame.room, conn.challenge, frame.proof)) {
      this.throttle.failed(conn.address);
      throw new ProtocolError('bad_proof', 'the proof does not match the auth key and this connection’s challenge', frame.room);
    }
    if (this.rooms.get(frame.room)) throw new ProtocolError('room_exists', `room ${frame.room} already exists; join it instead`, frame.room);
    if (this.rooms.count >= this.options.maxRooms) {
      this.log(`refused a new room from ${conn.address}: the server holds its limit of ${this.options.maxRooms} rooms`);
      throw new ProtocolError('full', 'the server holds as many rooms as it may; join an existing room', frame.room);
    }
    if (!this.options.newRooms.take(conn.address)) {
      this.log(`refused a new room from ${conn.address}: it created its limit of rooms this hour`);
      throw new ProtocolError('full', 'this address has created as many rooms as it may this hour; try again later', frame.room);
    }
    // Copies: the decoded fields are views into the frame body.
    // Section 12.3: the creator's owner key, if it sent one, is the room's first owner.
    if (frame.owner && !ed25519PublicKey(frame.owner)) throw new ProtocolError('bad_frame', 'owner is not an Ed25519 public key', frame.room);
    const room = this.rooms.create(frame.room, frame.salt.slice(), frame.kdf, frame.auth.slice(), auth, frame.owner?.slice() ?? null);
    if (!room) throw new ProtocolError('room_exists', `room ${frame.room} already exists; join it instead`, frame.room);
    this.throttle.succeeded(conn.address);
    this.addMember(conn, room);
  }

  private join(conn: Connection, frame: Frame<'join'>): void {
    const room = this.rooms.get(frame.room);
    if (!room) throw new ProtocolError('no_room', `room ${frame.room} does not exist`, frame.room);
    if (frame.epoch !== undefined && frame.epoch !== room.epoch) return this.joinPast(conn, room, frame.epoch, frame.proof);
    if (!verifyJoinProof(room.auth, room.name, conn.challenge, frame.proof)) {
      this.throttle.failed(conn.address);
      throw new ProtocolError('bad_proof', 'the proof does not match this room (wrong passphrase?)', frame.room);
    }
    this.throttle.succeeded(conn.address);
    this.addMember(conn, room);
  }

  /** Section 12.7: a proof of a past epoch's key joins at that epoch, to catch up on history up to its last message. */
  private joinPast(conn: Connection, room: Room, epoch: number, proof: Uint8Array): void {
    const past = epoch < room.epoch ? this.store.pastEpochOf(room.id, epoch) : null;
    if (!past) throw new StaleEpochError(`room ${room.name} has no key epoch ${epoch}; it is at epoch ${room.epoch}`, room.name, room.epoch);
    const auth = ed25519PublicKey(past.auth);
    if (!auth || !verifyJoinProof(auth, room.name, conn.challenge, proof)) {
      this.throttle.failed(conn.address);
      throw new ProtocolError('bad_proof', `the proof does not match key epoch ${epoch} of this room`, room.name);
    }
    this.throttle.succeeded(conn.address);
    // A full member asking for a past epoch steps down to it: no live frames from now on.
    this.removeMember(conn, room);
    conn.joinedRoom(room);
    this.epochs.markStale(conn, room.name, { epoch, upto: past.lastId });
    this.sendJoined(conn, room);
  }

  private leave(conn: Connection, frame: Frame<'leave'>): void {
    const room = conn.rooms.get(frame.room);
    if (!room) return; // leaving a room not joined is ignored
    conn.leftRoom(room.name);
    this.epochs.clear(conn, room.name);
    this.removeMember(conn, room);
  }

  private send(conn: Connection, frame: Frame<'send'>): void {
    const room = this.joinedRoom(conn, frame.room, frame.cid);
    if (frame.env.length > this.options.maxFrame - FRAME_SLACK) {
      // Within the frame limit (the stream is fine, so the connection stays) but too
      // big to relay under it once id and ts are added.
      throw new ProtocolError(
        'too_large',
        `an envelope may be at most ${this.options.maxFrame - FRAME_SLACK} bytes`,
        frame.room,
        frame.cid,
      );
    }
    // Section 12.4: in a rotated room only envelopes of the current epoch are stored.
    if (room.epoch > 0 && envelopeEpoch(frame.env) !== room.epoch) {
      const stored = this.store.stored(room.id, frame.cid);
      if (stored) {
        // A resend of a message stored before the rotation: acked as usual.
        conn.send({ t: 'ack', room: room.name, cid: frame.cid, id: stored.id, ts: stored.ts });
        return;
      }
      throw new StaleEpochError(`room ${room.name} is at key epoch ${room.epoch}; seal the message again with its key`, room.name, room.epoch, frame.cid);
    }
    const size = frame.env.length;
    // Blobs count towards the quota too (section 11.7).
    const overQuota = room.bytes + this.blobBytes(room) + size > this.options.maxRoomBytes;
    if (overQuota || !this.options.disk.take(size)) {
      // A resend of a message stored before is acked as usual: it needs no space.
      const stored = this.store.stored(room.id, frame.cid);
      if (stored) {
        conn.send({ t: 'ack', room: room.name, cid: frame.cid, id: stored.id, ts: stored.ts });
        return;
      }
      this.log(`refused a message for room ${room.name}: ${overQuota ? 'its storage quota is used up' : 'the data volume is at its free-space reserve'}`);
      throw new ProtocolError(
        'full',
        overQuota
          ? `room ${room.name} has used its storage quota of ${this.options.maxRoomBytes} bytes`
          : 'the server is out of disk space for new messages',
        room.name,
        frame.cid,
      );
    }
    room.bytes += size;
    conn.pendingAppends++;
    // Copies: `del` is a view into the send's body, whose front the relayed `msg` is written over.
    const extras = { ...(frame.del ? { del: frame.del.slice() } : {}), ...(frame.blobs ? { blobs: frame.blobs } : {}) };
    this.store.append(
      room.id,
      frame.cid,
      frame.env,
      Date.now(),
      (result) => {
        conn.pendingAppends--;
        // A failed or repeated send stored nothing: give its bytes back to the quota.
        if (result instanceof Error || result.duplicate) room.bytes -= size;
        this.committed(conn, room, frame, result);
      },
      extras,
    );
  }

  private blobBytes(room: Room): number {
    return this.options.blobs?.store.roomBytes(room.id) ?? 0;
  }

  /**
   * Section 10.3: only a token whose SHA-256 is the stored `del` turns the message
   * into a tombstone; the envelope and the blobs it owns are erased before `deleted`
   * goes to the deleter and the other members.
   */
  private delete(conn: Connection, frame: Frame<'delete'>): void {
    const refuse = (code: 'not_joined' | 'forbidden', msg: string): void => {
      conn.send({ t: 'error', code, msg, room: frame.room, id: frame.id });
    };
    const room = conn.rooms.get(frame.room);
    if (!room) return refuse('not_joined', `join room ${frame.room} first`);
    if (this.epochs.staleJoin(conn, room.name)) {
      conn.send({ t: 'error', code: 'stale_epoch', msg: `room ${room.name} moved to key epoch ${room.epoch}`, room: room.name, id: frame.id, epoch: room.epoch });
      return;
    }
    // Ids above lastId are not announced yet (a send of another connection mid-commit).
    const message = frame.id <= room.lastId ? this.store.deletableMessage(room.id, frame.id) : null;
    if (!message) return refuse('forbidden', `room ${room.name} has no message ${frame.id}`);
    if (!message.del) return refuse('forbidden', `message ${frame.id} was sent without a deletion token and cannot be deleted`);
    const hash = createHash('sha256').update(frame.token).digest();
    if (!timingSafeEqual(hash, message.del)) return refuse('forbidden', `that token does not delete message ${frame.id}; only its writer can`);
    const blobs = this.options.blobs?.store;
    // A blob that fails to go throws, and the delete fails as a whole (`internal`): a retry finishes it.
    const erased = this.store.erase(room.id, frame.id, (owned) => {
      for (const blob of owned) blobs?.remove(room.id, blob);
    });
    const deleted = encodeFrameBody({ t: 'deleted', room: room.name, id: frame.id });
    conn.write(deleted);
    if (erased.already) return; // the members heard of it the first time
    room.bytes -= erased.freed;
    room.broadcast(deleted, conn);
  }

  /**
   * Section 10.6: relayed to the members joined right now, never stored. Signals,
   * and only they, are dropped: past one per second per connection and room, and
   * for a member whose output is backed up.
   */
  private signal(conn: Connection, frame: Frame<'signal'>): void {
    const room = this.joinedRoom(conn, frame.room);
    // Section 12.4: a signal of another epoch is dropped like an over-rate one.
    if (room.epoch > 0 && envelopeEpoch(frame.env) !== room.epoch) return;
    const now = performance.now();
    let last = this.lastSignal.get(conn);
    if (!last) {
      last = new Map();
      this.lastSignal.set(conn, last);
    }
    const previous = last.get(room.name);
    if (previous !== undefined && now - previous < SIGNAL_INTERVAL_MS) return;
    last.set(room.name, now);
    const body = encodeFrameBody({ t: 'signal', room: room.name, env: frame.env });
    for (const member of room.members) {
      if (member !== conn && member.unsentBytes <= SIGNAL_DROP_BACKLOG_BYTES) member.write(body);
    }
  }

  private committed(conn: Connection, room: Room, frame: Frame<'send'>, result: AppendResult | Error): void {
    if (result instanceof Error) {
      if (isDiskFull(result)) {
        this.log(`could not store a message for room ${room.name}: the disk is full`);
        conn.sendError('full', 'the server is out of disk space for new messages', room.name, frame.cid);
        return;
      }
      this.log(`could not store a message for room ${room.name}: ${result.message}`);
      conn.sendError('internal', 'the message could not be stored; send it again', room.name, frame.cid);
      return;
    }
    conn.send({ t: 'ack', room: room.name, cid: frame.cid, id: result.id, ts: result.ts });
    if (result.duplicate) return; // stored and relayed the first time
    room.published(result.id);
    // Encoded once, written to every other member. The envelope is a view into the
    // send's body, which nothing reads any more (the store has committed it): the
    // msg prefix goes in front of it there, so 100 KB envelopes are never copied.
    room.broadcast(
      encodeFrameBodyInPlace({ t: 'msg', room: room.name, id: result.id, ts: result.ts, cid: frame.cid, env: frame.env }),
      conn,
    );
  }

  private history(conn: Connection, frame: Frame<'history'>): void {
    const room = conn.rooms.get(frame.room);
    if (!room) throw new ProtocolError('not_joined', `join room ${frame.room} first`, frame.room);
    // Section 12.7: joined at an older epoch, history ends at that epoch's last message.
    const stale = this.epochs.staleJoin(conn, room.name);
    const upTo = stale ? Math.min(stale.upto, room.lastId) : room.lastId;
    const limit = Math.min(frame.limit ?? HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT);
    const query =
      frame.before !== undefined ? { before: frame.before } : frame.after !== undefined ? { after: frame.after } : { newest: true as const };
    const page = this.store.page(room.id, query, limit, this.options.maxFrame - FRAME_SLACK, upTo);
    conn.send({ t: 'page', room: room.name, msgs: page.msgs, more: page.more });
  }

  /** The room this connection is fully joined to (at the current epoch); throws not_joined or stale_epoch. */
  private joinedRoom(conn: Connection, name: string, cid?: string): Room {
    const room = conn.rooms.get(name);
    if (!room) throw new ProtocolError('not_joined', `join room ${name} first`, name, cid);
    this.epochs.requireCurrent(conn, room, cid);
    return room;
  }

  /** Stale joins may not write (section 12.9a); a room not joined is left to the blob frames' own not_joined. */
  private requireCurrent(conn: Connection, name: string): void {
    const room = conn.rooms.get(name);
    if (room) this.epochs.requireCurrent(conn, room);
  }

  private addMember(conn: Connection, room: Room): void {
    this.epochs.clear(conn, room.name);
    conn.joinedRoom(room);
    room.members.add(conn);
    this.sendJoined(conn, room);
    room.broadcast(encodeFrameBody({ t: 'presence', room: room.name, online: room.online }), conn);
  }

  private sendJoined(conn: Connection, room: Room): void {
    const stale = this.epochs.staleJoin(conn, room.name);
    if (stale) {
      const upto = Math.min(stale.upto, room.lastId);
      conn.send({ t: 'joined', room: room.name, last: upto, online: room.online, epoch: stale.epoch, upto });
      return;
    }
    conn.send({ t: 'joined', room: room.name, last: room.lastId, online: room.online, ...(room.epoch > 0 ? { epoch: room.epoch } : {}) });
  }

  private removeMember(conn: Connection, room: Room): void {
    if (!room.members.delete(conn)) return;
    room.broadcast(encodeFrameBody({ t: 'presence', room: room.name, online: room.online }));
  }
}

/** SQLite's "database or disk is full", or ENOSPC from the envelope log. */
function isDiskFull(error: Error): boolean {
  const code = 'code' in error ? error.code : undefined;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || /disk is full|ENOSPC/i.test(error.message);
}
