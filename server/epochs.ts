// Per-user keys on the server (PROTOCOL.md section 12): owner registration, `rotate`, and connections joined at an older epoch.

import { encodeFrameBody } from '../protocol/codec';
import { ownerAddSignedBytes, rotateSignedBytes } from '../protocol/epoch-signing';
import type { ClientFrame } from '../protocol/frames';
import { ProtocolError, type Connection } from './connection';
import { kdfProblem } from './limits';
import { ed25519PublicKey, verifyEd25519 } from './proof';
import type { Member, Room } from './rooms';
import type { Store } from './store';

type Frame<T extends ClientFrame['t']> = Extract<ClientFrame, { t: T }>;

/** A connection that proved an older epoch's key (12.7): it reads history up to `upto` and nothing live. */
export interface StaleJoin {
  epoch: number;
  upto: number;
}

/** A frame refused because the connection, or its envelope, is of an older epoch than the room's `epoch`. */
export class StaleEpochError extends Error {
  constructor(
    message: string,
    readonly room: string,
    readonly epoch: number,
    readonly cid?: string,
  ) {
    super(message);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class EpochFrames {
  /** Per connection, the rooms it is joined to at an older epoch; gone with the connection. */
  private readonly stale = new WeakMap<Member, Map<string, StaleJoin>>();

  constructor(
    private readonly store: Store,
    private readonly kdfFloorN: number,
  ) {}

  staleJoin(conn: Member, room: string): StaleJoin | undefined {
    return this.stale.get(conn)?.get(room);
  }

  markStale(conn: Member, room: string, join: StaleJoin): void {
    let rooms = this.stale.get(conn);
    if (!rooms) {
      rooms = new Map();
      this.stale.set(conn, rooms);
    }
    rooms.set(room, join);
  }

  /** A full join or a leave ends a stale join. */
  clear(conn: Member, room: string): void {
    this.stale.get(conn)?.delete(room);
  }

  /** Throws for a connection joined at an older epoch: it may only read (12.7). */
  requireCurrent(conn: Member, room: Room, cid?: string): void {
    if (this.staleJoin(conn, room.name)) {
      throw new StaleEpochError(`room ${room.name} moved to key epoch ${room.epoch}; join again with its passphrase`, room.name, room.epoch, cid);
    }
  }

  /**
   * Section 12.3: `by` must be a registered owner that signed `owner`, or, in a
   * room without owners, `owner` itself (a one-time claim).
   */
  ownerAdd(conn: Connection, room: Room, frame: Frame<'owner_add'>): void {
    this.requireCurrent(conn, room);
    if (!ed25519PublicKey(frame.owner)) throw new ProtocolError('bad_frame', 'owner is not an Ed25519 public key', room.name);
    const claim = sameBytes(frame.by, frame.owner);
    const signed = verifyEd25519(frame.by, ownerAddSignedBytes(room.name, frame.owner), frame.sig);
    const byIsOwner = this.store.owners(room.id).some((key) => sameBytes(key, frame.by));
    if (!signed || (!claim && !byIsOwner)) {
      throw new ProtocolError('forbidden', 'only an owner of this room can add an owner', room.name);
    }
    // A claim by a key that is already an owner is simply a repeat.
    const result = this.store.addOwner(room.id, frame.owner.slice(), claim && !byIsOwner);
    if (result === 'refused') throw new ProtocolError('forbidden', `room ${room.name} already has an owner`, room.name);
    conn.send({ t: 'owner_added', room: room.name, owner: frame.owner });
  }

  /**
   * Section 12.4: checks, then one transaction in the store; then `rotated` to
   * every full member, the link as `msg` to the others, and every other
   * connection drops to a stale join at the old epoch.
   */
  rotate(conn: Connection, room: Room, frame: Frame<'rotate'>): void {
    this.requireCurrent(conn, room, frame.cid);
    const auth = ed25519PublicKey(frame.auth);
    if (!auth) throw new ProtocolError('bad_frame', 'auth is not an Ed25519 public key', room.name);
    const weak = kdfProblem(frame.kdf, this.kdfFloorN);
    if (weak) throw new ProtocolError('bad_frame', weak, room.name);
    const forbidden = (): ProtocolError => new ProtocolError('forbidden', 'only an owner of this room can change its keys', room.name);
    if (!this.store.owners(room.id).some((key) => sameBytes(key, frame.owner))) throw forbidden();
    if (!verifyEd25519(frame.owner, rotateSignedBytes({ ...frame, room: room.name }), frame.sig)) throw forbidden();
    const from = room.epoch;
    const staleFrame = (epoch: number): StaleEpochError =>
      new StaleEpochError(`room ${room.name} is at key epoch ${epoch}; a rotation must name epoch ${epoch + 1}`, room.name, epoch);
    if (frame.epoch !== from + 1) throw staleFrame(from);
    // Copies: the decoded fields are views into the frame body.
    const salt = frame.salt.slice();
    const authRaw = frame.auth.slice();
    const result = this.store.rotate(room.id, {
      from,
      salt,
      kdf: frame.kdf,
      auth: authRaw,
      owner: frame.owner.slice(),
      cid: frame.cid,
      link: frame.link.slice(),
      ts: Date.now(),
    });
    if (!result.ok) {
      switch (result.why) {
        case 'not_owner':
          throw forbidden();
        case 'stale':
          throw staleFrame(result.epoch);
        case 'cid_taken':
          throw new ProtocolError('bad_frame', `cid ${frame.cid} is already used in room ${room.name}`, room.name, frame.cid);
      }
    }
    room.switchEpoch({ epoch: frame.epoch, salt, kdf: frame.kdf, auth });
    room.bytes += frame.link.length;
    room.published(result.id);
    const rotated = encodeFrameBody({
      t: 'rotated',
      room: room.name,
      epoch: frame.epoch,
      salt,
      kdf: frame.kdf,
      auth: authRaw,
      owner: frame.owner,
      sig: frame.sig,
      id: result.id,
    });
    const link = encodeFrameBody({ t: 'msg', room: room.name, id: result.id, ts: result.ts, cid: frame.cid, env: frame.link });
    const others = [...room.members].filter((member) => member !== conn);
    conn.write(rotated);
    for (const member of others) {
      member.write(rotated);
      member.write(link);
      // Joined at the old epoch from now on: no live frames until it proves the new key.
      room.members.delete(member);
      this.markStale(member, room.name, { epoch: from, upto: result.lastId });
    }
    if (others.length > 0 && room.members.has(conn)) {
      conn.send({ t: 'presence', room: room.name, online: room.online });
    }
  }
}
