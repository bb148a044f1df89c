// Rooms in memory: each room's auth key and who is joined, backed by the store for the room records.

import type { KeyObject } from 'node:crypto';
import type { KdfParams } from '../protocol/frames';
import { ed25519PublicKey } from './proof';
import type { Store } from './store';

/** What a room needs from a joined connection: a way to hand it encoded frames. */
export interface Member {
  write(frame: Uint8Array): void;
  /** Output written but not yet taken by the socket; a `signal` skips a member this far behind. */
  readonly unsentBytes: number;
}

/** What a join is checked against and `room` answers: the room's current key epoch (PROTOCOL.md section 12.4). */
export interface EpochParams {
  readonly epoch: number;
  readonly salt: Uint8Array;
  readonly kdf: KdfParams;
  readonly auth: KeyObject;
}

export class Room {
  /** Connections fully joined at the current epoch: they get `msg`, `presence` and `signal`. */
  readonly members = new Set<Member>();
  private params: EpochParams;

  constructor(
    readonly id: number,
    readonly name: string,
    current: EpochParams,
    /**
     * Highest message id relayed to members so far. `joined.last` and history pages
     * stop here, so a message is never both in a page and announced after it.
     */
    public lastId: number,
    /** Envelope bytes stored, plus those of sends accepted and not yet committed (the quota counts both). */
    public bytes: number,
  ) {
    this.params = current;
  }

  get epoch(): number {
    return this.params.epoch;
  }

  get salt(): Uint8Array {
    return this.params.salt;
  }

  get kdf(): KdfParams {
    return this.params.kdf;
  }

  get auth(): KeyObject {
    return this.params.auth;
  }

  /** A rotation committed (section 12.4 step 3): joins are checked against the new auth key from now on. */
  switchEpoch(next: EpochParams): void {
    if (next.epoch !== this.params.epoch + 1) throw new RoomError('internal', `room ${this.name} cannot go from epoch ${this.params.epoch} to ${next.epoch}`);
    this.params = next;
  }

  /** A committed message has been relayed: later joins and pages include it. */
  published(id: number): void {
    if (id > this.lastId) this.lastId = id;
  }

  get online(): number {
    return this.members.size;
  }

  /** Writes the same encoded frame to every member but `except`. */
  broadcast(frame: Uint8Array, except?: Member): void {
    for (const member of this.members) {
      if (member !== except) member.write(frame);
    }
  }
}

export class RoomError extends Error {
  constructor(
    readonly code: 'internal',
    message: string,
  ) {
    super(message);
  }
}

export class Rooms {
  /** Rooms seen since start; a rotation changes a room's record and its Room together (switchEpoch), so the cache never goes stale. */
  private readonly cache = new Map<string, Room>();
  /** Rooms in the store; only this server creates rooms, so counting once at start is enough. */
  private countValue: number;

  constructor(private readonly store: Store) {
    this.countValue = store.roomCount();
  }

  get count(): number {
    return this.countValue;
  }

  /** The room, or null if it does not exist. Misses are not cached: a room may be created later. */
  get(name: string): Room | null {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const record = this.store.room(name);
    if (!record) return null;
    const auth = ed25519PublicKey(record.auth);
    if (!auth) throw new RoomError('internal', `room ${name} has an invalid stored auth key`);
    const current = { epoch: record.epoch, salt: record.salt, kdf: record.kdf, auth };
    const room = new Room(record.id, record.name, current, this.store.lastMessageId(record.id), record.bytes);
    this.cache.set(name, room);
    return room;
  }

  /** Creates and caches a room; null if the name is taken. `auth` must already be a valid key. */
  create(name: string, salt: Uint8Array, kdf: KdfParams, authRaw: Uint8Array, auth: KeyObject, owner: Uint8Array | null = null): Room | null {
    const record = this.store.createRoom(name, salt, kdf, authRaw, owner);
    if (!record) return null;
    this.countValue++;
    const room = new Room(record.id, name, { epoch: 0, salt: record.salt, kdf: record.kdf, auth }, 0, 0);
    this.cache.set(name, room);
    return room;
  }
}
