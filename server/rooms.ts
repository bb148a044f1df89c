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

export class Room {
  readonly members = new Set<Member>();

  constructor(
    readonly id: number,
    readonly name: string,
    readonly salt: Uint8Array,
    readonly kdf: KdfParams,
    readonly auth: KeyObject,
    /**
     * Highest message id relayed to members so far. `joined.last` and history pages
     * stop here, so a message is never both in a page and announced after it.
     */
    public lastId: number,
    /** Envelope bytes stored, plus those of sends accepted and not yet committed (the quota counts both). */
    public bytes: number,
  ) {}

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
  /** Rooms seen since start; a room record never changes, so the cache never goes stale. */
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
    const room = new Room(record.id, record.name, record.salt, record.kdf, auth, this.store.lastMessageId(record.id), record.bytes);
    this.cache.set(name, room);
    return room;
  }

  /** Creates and caches a room; null if the name is taken. `auth` must already be a valid key. */
  create(name: string, salt: Uint8Array, kdf: KdfParams, authRaw: Uint8Array, auth: KeyObject): Room | null {
    const record = this.store.createRoom(name, salt, kdf, authRaw);
    if (!record) return null;
    this.countValue++;
    const room = new Room(record.id, name, record.salt, record.kdf, auth, 0, 0);
    this.cache.set(name, room);
    return room;
  }
}
