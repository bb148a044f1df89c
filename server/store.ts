// Durable history in bun:sqlite: rooms and opaque envelopes; the appends of one event-loop turn commit as one transaction, acked only after it.

import { Database, type Statement } from 'bun:sqlite';
import { Worker } from 'node:worker_threads';
import type { KdfParams, StoredMessage } from '../protocol/frames';
import type { CheckpointerReport, CheckpointerRequest, CheckpointerSetup } from './checkpointer';
import { EnvelopeLog, type LogPlace } from './envelope-log';
import { preparePrivateFolder } from './files';

export interface RoomRecord {
  id: number;
  name: string;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
  /** Envelope bytes stored in the room (the `--max-room-bytes` quota counts these). */
  bytes: number;
  /** The current key epoch (section 12.4); 0 for a room never rotated. */
  epoch: number;
}

/** A past epoch's join parameters and the id of its last message (section 12.7). */
export interface PastEpoch {
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
  lastId: number;
}

/** The new epoch's parameters as a `rotate` names them; `from` is the epoch the caller saw as current. */
export interface Rotation {
  from: number;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
  /** The owner key that signed it: must be registered (checked again inside the transaction). */
  owner: Uint8Array;
  cid: string;
  link: Uint8Array;
  ts: number;
}

export type RotationResult =
  | { ok: true; id: number; ts: number; lastId: number }
  | { ok: false; why: 'stale'; epoch: number }
  | { ok: false; why: 'not_owner' | 'cid_taken' };

export type OwnerAddResult = 'added' | 'already' | 'refused';

export interface AppendResult {
  id: number;
  ts: number;
  /** The (room, cid) pair was already stored: this is the first message's id and time. */
  duplicate: boolean;
}

export type AppendCallback = (result: AppendResult | Error) => void;

export interface Page {
  msgs: StoredMessage[];
  more: boolean;
}

export type PageQuery = { before: number } | { after: number } | { newest: true };

/** What section 11 adds to a stored message: the deletion token's hash and the blobs it names. */
export interface AppendExtras {
  del?: Uint8Array;
  blobs?: readonly string[];
}

/** A message as a `delete` needs to see it; null `del` means it can never be deleted. */
export interface DeletableMessage {
  del: Uint8Array | null;
  deleted: boolean;
}

/** What erasing a message did: the envelope bytes it freed and the blobs it owned (removed by then). */
export interface Erased {
  freed: number;
  blobs: string[];
  /** It was a tombstone already: nothing changed. */
  already: boolean;
}

export class StoreError extends Error {
  readonly code = 'internal';
}

/**
 * normal: a commit is in the WAL file before its ack; it survives a crash or kill of
 *         the server process, not a power cut or OS crash (the last moments may be lost).
 * full:   the WAL is fsynced before every ack; survives power cuts, at the disk's fsync latency.
 */
export type SyncMode = 'normal' | 'full';

export interface StoreOptions {
  sync?: SyncMode;
  /** Called after each committed batch with its size, e.g. for metrics; never with envelope bytes. */
  onBatch?: (size: number) => void;
  /** Where the store reports trouble that is not the error of one call (the checkpointer). */
  log?: (message: string) => void;
}

/**
 * Schema migrations, applied in order; PRAGMA user_version counts those done.
 * Never edit a released step: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE rooms (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     salt BLOB NOT NULL,
     kdf_n INTEGER NOT NULL,
     kdf_r INTEGER NOT NULL,
     kdf_p INTEGER NOT NULL,
     auth BLOB NOT NULL,
     created INTEGER NOT NULL
   );
   -- AUTOINCREMENT: ids are never reused, so they increase strictly across the server for its whole life.
   -- room_id is not enforced as a foreign key (that costs a lookup per insert): rows
   -- are only written for a room just read, and rooms are never deleted.
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     room_id INTEGER NOT NULL REFERENCES rooms(id),
     cid TEXT NOT NULL,
     ts INTEGER NOT NULL,
     env BLOB NOT NULL,
     UNIQUE (room_id, cid)
   );
   CREATE INDEX messages_by_room ON messages (room_id, id);`,
  // Envelopes of LOG_ENVELOPE_BYTES or more live in the envelope log (chat.db.envelopes): their
  // row keeps env empty and records the place. The partial index finds the log's end at start.
  `ALTER TABLE messages ADD COLUMN log_at INTEGER;
   ALTER TABLE messages ADD COLUMN log_len INTEGER;
   ALTER TABLE messages ADD COLUMN log_crc INTEGER;
   CREATE INDEX messages_in_log ON messages (log_at) WHERE log_at IS NOT NULL;`,
  // Each room's envelope bytes, kept up to date by every commit, so the quota
  // needs no scan of a big room when it is first loaded.
  `ALTER TABLE rooms ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
   UPDATE rooms SET bytes = (SELECT coalesce(sum(coalesce(log_len, length(env))), 0) FROM messages WHERE room_id = rooms.id);`,
  // PROTOCOL.md section 11: the hash of a message's deletion token, tombstones, and the
  // blobs a message owns (the first message naming a blob owns it: the primary key).
  `ALTER TABLE messages ADD COLUMN del BLOB;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE message_blobs (
     room_id INTEGER NOT NULL,
     blob TEXT NOT NULL,
     message_id INTEGER NOT NULL,
     PRIMARY KEY (room_id, blob)
   ) WITHOUT ROWID;
   CREATE INDEX message_blobs_by_message ON message_blobs (message_id);`,
  // PROTOCOL.md section 12.10: the room's current key epoch, its owner keys, and
  // each past epoch's parameters with the id of its last message.
  `ALTER TABLE rooms ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE room_owners (
     room_id INTEGER NOT NULL,
     key BLOB NOT NULL,
     PRIMARY KEY (room_id, key)
   ) WITHOUT ROWID;
   CREATE TABLE room_epochs (
     room_id INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     salt BLOB NOT NULL,
     kdf_n INTEGER NOT NULL,
     kdf_r INTEGER NOT NULL,
     kdf_p INTEGER NOT NULL,
     auth BLOB NOT NULL,
     last_id INTEGER NOT NULL,
     PRIMARY KEY (room_id, epoch)
   ) WITHOUT ROWID;`,
];

/**
 * Envelopes this big or bigger go to the envelope log: SQLite would write their
 * bytes twice (WAL, then checkpoint) through 4 KiB pages, checksumming each WAL
 * frame, about 10x the cost of one append to a file. Small ones stay in the row,
 * where one commit covers them and their index entry.
 */
export const LOG_ENVELOPE_BYTES = 16 * 1024;

const EMPTY = new Uint8Array(0);

/** MessagePack overhead of one page entry besides cid and env: map header, keys, two integers. */
const PAGE_ENTRY_OVERHEAD = 48;

interface RoomRow {
  id: number;
  name: string;
  salt: Uint8Array;
  kdf_n: number;
  kdf_r: number;
  kdf_p: number;
  auth: Uint8Array;
  bytes: number;
  epoch: number;
}

interface MessageRow {
  id: number;
  ts: number;
  cid: string;
  env: Uint8Array;
  deleted: number;
  log_at: number | null;
  log_len: number | null;
  log_crc: number | null;
}

interface PendingAppend {
  roomId: number;
  cid: string;
  ts: number;
  env: Uint8Array;
  del: Uint8Array | null;
  blobs: readonly string[];
  done: AppendCallback;
}

/** Ask the checkpointer to run once this much envelope data has been committed since the last ask. */
const CHECKPOINT_EVERY_BYTES = 8 * 1024 * 1024;

export class Store {
  private readonly db: Database;
  private readonly roomByName: Statement<RoomRow, [string]>;
  private readonly insertRoom: Statement<{ id: number }, [string, Uint8Array, number, number, number, Uint8Array, number]>;
  private readonly findMessage: Statement<{ id: number; ts: number }, [number, string]>;
  private readonly insertMessage: Statement<never, [number, string, number, Uint8Array, number | null, number | null, number | null, Uint8Array | null]>;
  private readonly claimBlob: Statement<never, [number, string, number]>;
  private readonly deletable: Statement<{ del: Uint8Array | null; deleted: number }, [number, number]>;
  private readonly eraseTx: (roomId: number, id: number, removeBlobs: (blobs: string[]) => void) => Erased;
  private readonly createRoomTx: (name: string, salt: Uint8Array, kdf: KdfParams, auth: Uint8Array, owner: Uint8Array | null) => RoomRecord | null;
  private readonly ownerKeys: Statement<{ key: Uint8Array }, [number]>;
  private readonly addOwnerTx: (roomId: number, owner: Uint8Array, claim: boolean) => OwnerAddResult;
  private readonly pastEpoch: Statement<{ salt: Uint8Array; kdf_n: number; kdf_r: number; kdf_p: number; auth: Uint8Array; last_id: number }, [number, number]>;
  private readonly rotateTx: (roomId: number, rotation: Rotation) => RotationResult;
  private readonly truncateWal: Statement<{ busy: number; log: number; checkpointed: number }, []>;
  private readonly lastId: Statement<{ last: number | null }, [number]>;
  private readonly addRoomBytes: Statement<never, [number, number]>;
  private readonly countRooms: Statement<{ n: number }, []>;
  private readonly newest: Statement<MessageRow, [number, number, number]>;
  private readonly before: Statement<MessageRow, [number, number, number, number]>;
  private readonly after: Statement<MessageRow, [number, number, number, number]>;
  private readonly envelopes: EnvelopeLog;
  private readonly commitBatch: (batch: PendingAppend[]) => AppendResult[];
  private pending: PendingAppend[] = [];
  private scheduled = false;
  private closed = false;
  private checkpointer: Worker | undefined;
  private bytesSinceCheckpoint = 0;

  constructor(
    readonly file: string,
    private readonly options: StoreOptions = {},
  ) {
    preparePrivateFolder(file, options.log);
    this.db = new Database(file, { create: true, strict: true });
    // WAL: readers never block the writer, and a commit is one append to the WAL file.
    this.db.run('PRAGMA journal_mode = WAL');
    this.db.run(`PRAGMA synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.run('PRAGMA busy_timeout = 5000');
    // After a checkpoint the WAL restarts; keep its file from staying at its peak size.
    this.db.run('PRAGMA journal_size_limit = 67108864');
    // PROTOCOL.md section 11.5: space a deleted envelope held (cells, overflow pages) is zeroed, not just freed.
    this.db.run('PRAGMA secure_delete = ON');
    this.migrate();
    const last = this.db
      .query<{ end: number }, []>('SELECT log_at + log_len AS end FROM messages WHERE log_at IS NOT NULL ORDER BY log_at DESC LIMIT 1')
      .get();
    this.envelopes = new EnvelopeLog(`${file}.envelopes`, last?.end ?? 0);

    this.roomByName = this.db.query('SELECT id, name, salt, kdf_n, kdf_r, kdf_p, auth, bytes, epoch FROM rooms WHERE name = ?');
    this.insertRoom = this.db.query(
      'INSERT INTO rooms (name, salt, kdf_n, kdf_r, kdf_p, auth, created) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
    );
    this.findMessage = this.db.query('SELECT id, ts FROM messages WHERE room_id = ? AND cid = ?');
    // One statement for the common case; a conflict (a resend) changes nothing and is then looked up.
    this.insertMessage = this.db.query(
      'INSERT INTO messages (room_id, cid, ts, env, log_at, log_len, log_crc, del) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, cid) DO NOTHING',
    );
    this.claimBlob = this.db.query('INSERT INTO message_blobs (room_id, blob, message_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.deletable = this.db.query('SELECT del, deleted FROM messages WHERE room_id = ? AND id = ?');
    this.lastId = this.db.query('SELECT max(id) AS last FROM messages WHERE room_id = ?');
    this.addRoomBytes = this.db.query('UPDATE rooms SET bytes = bytes + ? WHERE id = ?');
    this.countRooms = this.db.query('SELECT count(*) AS n FROM rooms');
    // `id <= upTo` keeps pages to what has been announced; one row past the limit tells whether there are more.
    const columns = 'id, ts, cid, env, deleted, log_at, log_len, log_crc';
    this.newest = this.db.query(`SELECT ${columns} FROM messages WHERE room_id = ? AND id <= ? ORDER BY id DESC LIMIT ?`);
    this.before = this.db.query(`SELECT ${columns} FROM messages WHERE room_id = ? AND id <= ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.after = this.db.query(`SELECT ${columns} FROM messages WHERE room_id = ? AND id <= ? AND id > ? ORDER BY id ASC LIMIT ?`);

    this.commitBatch = this.db.transaction((batch: PendingAppend[]) => {
      const results: AppendResult[] = [];
      let logged = false;
      // Bytes stored per room in this batch; one UPDATE per room, not per message.
      const added = new Map<number, number>();
      for (const item of batch) {
        let place: LogPlace | undefined;
        if (item.env.length >= LOG_ENVELOPE_BYTES) {
          // A resend is answered before its bytes are appended again.
          const existing = this.findMessage.get(item.roomId, item.cid);
          if (existing) {
            results.push({ id: existing.id, ts: existing.ts, duplicate: true });
            continue;
          }
          place = this.envelopes.append(item.env);
          logged = true;
        }
        const { changes, lastInsertRowid } = place
          ? this.insertMessage.run(item.roomId, item.cid, item.ts, EMPTY, place.at, place.length, place.crc, item.del)
          : this.insertMessage.run(item.roomId, item.cid, item.ts, item.env, null, null, null, item.del);
        if (changes === 1) {
          added.set(item.roomId, (added.get(item.roomId) ?? 0) + item.env.length);
          const id = Number(lastInsertRowid);
          for (const blob of item.blobs) this.claimBlob.run(item.roomId, blob, id);
          results.push({ id, ts: item.ts, duplicate: false });
          continue;
        }
        // Inside the transaction, so a repeat within the same batch finds the first.
        const existing = this.findMessage.get(item.roomId, item.cid);
        if (!existing) throw new StoreError('a message neither inserted nor found');
        results.push({ id: existing.id, ts: existing.ts, duplicate: true });
      }
      for (const [roomId, bytes] of added) this.addRoomBytes.run(bytes, roomId);
      // The envelopes reach the log before the rows that point to them commit (and
      // so before any ack): the order that makes a crash leave only unreferenced bytes.
      if (logged && this.options.sync === 'full') this.envelopes.sync();
      return results;
    });

    const row = this.db.query<{ deleted: number; size: number; log_at: number | null; log_len: number | null; log_crc: number | null }, [number, number]>(
      'SELECT deleted, coalesce(log_len, length(env)) AS size, log_at, log_len, log_crc FROM messages WHERE room_id = ? AND id = ?',
    );
    const tombstone = this.db.query<never, [number]>(
      "UPDATE messages SET env = x'', log_at = NULL, log_len = NULL, log_crc = NULL, deleted = 1 WHERE id = ?",
    );
    const ownedBlobs = this.db.query<{ blob: string }, [number]>('SELECT blob FROM message_blobs WHERE message_id = ?');
    const disown = this.db.query<never, [number]>('DELETE FROM message_blobs WHERE message_id = ?');
    this.truncateWal = this.db.query('PRAGMA wal_checkpoint(TRUNCATE)');
    const erase = this.db.transaction((roomId: number, id: number, removeBlobs: (blobs: string[]) => void): Erased => {
      const found = row.get(roomId, id);
      if (!found) throw new StoreError(`no message ${id} in room ${roomId}`);
      if (found.deleted) return { freed: 0, blobs: [], already: true };
      // Zeroed and on disk before the tombstone commits: if the commit fails, the row
      // points to zeros (read as a lost envelope) and a retried delete finishes the job.
      if (found.log_at !== null && found.log_len !== null && found.log_crc !== null) {
        this.envelopes.erase({ at: found.log_at, length: found.log_len, crc: found.log_crc });
      }
      // The blobs go before the commit too, for the same reason: a crash after the
      // commit must not leave files that no row names any more.
      const blobs = ownedBlobs.all(id).map((b) => b.blob);
      removeBlobs(blobs);
      tombstone.run(id);
      this.addRoomBytes.run(-found.size, roomId);
      disown.run(id);
      return { freed: found.size, blobs, already: false };
    });
    // IMMEDIATE: it reads before it writes, and a read upgraded to a write fails at once (no busy wait) if a checkpoint holds the lock.
    this.eraseTx = (roomId, id, removeBlobs) => erase.immediate(roomId, id, removeBlobs);

    // Section 12: owners registered at create, owner_add, and rotations, each one transaction.
    const insertOwner = this.db.query<never, [number, Uint8Array]>('INSERT INTO room_owners (room_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING');
    const isOwner = this.db.query<{ one: number }, [number, Uint8Array]>('SELECT 1 AS one FROM room_owners WHERE room_id = ? AND key = ?');
    const ownerCount = this.db.query<{ n: number }, [number]>('SELECT count(*) AS n FROM room_owners WHERE room_id = ?');
    this.ownerKeys = this.db.query('SELECT key FROM room_owners WHERE room_id = ?');
    this.createRoomTx = this.db.transaction((name: string, salt: Uint8Array, kdf: KdfParams, auth: Uint8Array, owner: Uint8Array | null) => {
      const row = this.insertRoom.get(name, salt, kdf.n, kdf.r, kdf.p, auth, Date.now());
      if (!row) return null;
      if (owner) insertOwner.run(row.id, owner);
      return { id: row.id, name, salt, kdf: { ...kdf }, auth, bytes: 0, epoch: 0 };
    });
    this.addOwnerTx = this.db.transaction((roomId: number, owner: Uint8Array, claim: boolean): OwnerAddResult => {
      // A claim (by = owner) is only for a room without owners; the first one wins.
      if (claim && (ownerCount.get(roomId)?.n ?? 0) > 0) return isOwner.get(roomId, owner) ? 'already' : 'refused';
      return insertOwner.run(roomId, owner).changes === 1 ? 'added' : 'already';
    });
    this.pastEpoch = this.db.query('SELECT salt, kdf_n, kdf_r, kdf_p, auth, last_id FROM room_epochs WHERE room_id = ? AND epoch = ?');
    const currentRoom = this.db.query<{ epoch: number; salt: Uint8Array; kdf_n: number; kdf_r: number; kdf_p: number; auth: Uint8Array }, [number]>(
      'SELECT epoch, salt, kdf_n, kdf_r, kdf_p, auth FROM rooms WHERE id = ?',
    );
    const keepEpoch = this.db.query<never, [number, number, Uint8Array, number, number, number, Uint8Array, number]>(
      'INSERT INTO room_epochs (room_id, epoch, salt, kdf_n, kdf_r, kdf_p, auth, last_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const switchEpoch = this.db.query<never, [number, Uint8Array, number, number, number, Uint8Array, number]>(
      'UPDATE rooms SET epoch = ?, salt = ?, kdf_n = ?, kdf_r = ?, kdf_p = ?, auth = ? WHERE id = ?',
    );
    const rotate = this.db.transaction((roomId: number, r: Rotation): RotationResult => {
      const room = currentRoom.get(roomId);
      if (!room) throw new StoreError(`no room ${roomId}`);
      // Checked again here, in 12.4's order, so the transaction alone decides (two racing rotations: one wins).
      if (!isOwner.get(roomId, r.owner)) return { ok: false, why: 'not_owner' };
      if (room.epoch !== r.from) return { ok: false, why: 'stale', epoch: room.epoch };
      if (this.findMessage.get(roomId, r.cid)) return { ok: false, why: 'cid_taken' };
      const lastId = this.lastId.get(roomId)?.last ?? 0;
      keepEpoch.run(roomId, room.epoch, room.salt, room.kdf_n, room.kdf_r, room.kdf_p, room.auth, lastId);
      switchEpoch.run(r.from + 1, r.salt, r.kdf.n, r.kdf.r, r.kdf.p, r.auth, roomId);
      // The link is small (one key and parameters): it stays in the row, never in the envelope log.
      const { lastInsertRowid } = this.insertMessage.run(roomId, r.cid, r.ts, r.link, null, null, null, null);
      this.addRoomBytes.run(r.link.length, roomId);
      return { ok: true, id: Number(lastInsertRowid), ts: r.ts, lastId };
    });
    this.rotateTx = (roomId, rotation) => rotate.immediate(roomId, rotation);
    this.startCheckpointer();
  }

  /**
   * Checkpoints copy the WAL into the database file and fsync both, which can take
   * tens of milliseconds; on a worker with its own connection they never stall the
   * relay. If the worker dies, SQLite's automatic checkpoints take over.
   */
  private startCheckpointer(): void {
    const setup: CheckpointerSetup = { file: this.file, log: this.envelopes.file };
    const worker = new Worker(new URL('./checkpointer.ts', import.meta.url), { workerData: setup });
    worker.unref();
    this.db.run('PRAGMA wal_autocheckpoint = 0');
    const fallBack = (why: string): void => {
      if (this.checkpointer !== worker) return;
      this.checkpointer = undefined;
      this.options.log?.(`checkpoints run inline from now on: ${why}`);
      if (!this.closed) this.db.run('PRAGMA wal_autocheckpoint = 1000');
    };
    worker.on('message', (report: CheckpointerReport) => this.options.log?.(`checkpoint failed: ${report.error}`));
    worker.on('error', (error) => fallBack(error.message));
    worker.on('exit', () => fallBack('the checkpoint worker exited'));
    this.checkpointer = worker;
  }

  private migrate(): void {
    const row = this.db.query<{ user_version: number }, []>('PRAGMA user_version').get();
    const version = row?.user_version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new StoreError(
        `The data file ${this.file} was written by a newer server (schema ${version}, this one knows ${MIGRATIONS.length}). Upgrade the server.`,
      );
    }
    for (let step = version; step < MIGRATIONS.length; step++) {
      const sql = MIGRATIONS[step];
      if (sql === undefined) break;
      this.db.transaction(() => {
        this.db.run(sql);
        this.db.run(`PRAGMA user_version = ${step + 1}`);
      })();
    }
  }

  room(name: string): RoomRecord | null {
    const row = this.roomByName.get(name);
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      salt: row.salt,
      kdf: { n: row.kdf_n, r: row.kdf_r, p: row.kdf_p },
      auth: row.auth,
      bytes: row.bytes,
      epoch: row.epoch,
    };
  }

  /** The room's registered owner keys (section 12.3). */
  owners(roomId: number): Uint8Array[] {
    return this.ownerKeys.all(roomId).map((row) => row.key);
  }

  /**
   * Registers an owner key. With `claim` (a self-signed `owner_add`) only while the
   * room has no owner: 'refused' once it has one. The caller checked the signature.
   */
  addOwner(roomId: number, owner: Uint8Array, claim: boolean): OwnerAddResult {
    if (this.closed) throw new StoreError('the store is closed');
    return this.addOwnerTx(roomId, owner, claim);
  }

  /** Epoch `epoch`'s parameters if it is a past epoch of the room, else null. */
  pastEpochOf(roomId: number, epoch: number): PastEpoch | null {
    const row = this.pastEpoch.get(roomId, epoch);
    return row ? { salt: row.salt, kdf: { n: row.kdf_n, r: row.kdf_r, p: row.kdf_p }, auth: row.auth, lastId: row.last_id } : null;
  }

  /**
   * Section 12.4 steps 1-4 in one transaction: the owner is registered, the room is
   * still at `from`, epoch `from`'s parameters and last id are kept, the new ones
   * become current, and the link is stored as the first message of the new epoch.
   * Queued appends are committed first, so they belong to epoch `from`.
   */
  rotate(roomId: number, rotation: Rotation): RotationResult {
    if (this.closed) throw new StoreError('the store is closed');
    this.flush();
    return this.rotateTx(roomId, rotation);
  }

  /** How many rooms exist. */
  roomCount(): number {
    return this.countRooms.get()?.n ?? 0;
  }

  /** The id and time of a stored message, or null: lets a resend be acked even when new ones are refused. */
  stored(roomId: number, cid: string): { id: number; ts: number } | null {
    return this.findMessage.get(roomId, cid);
  }

  /** Creates a room (with its first owner, section 12.3); null if one with that name exists. Committed before it returns. */
  createRoom(name: string, salt: Uint8Array, kdf: KdfParams, auth: Uint8Array, owner: Uint8Array | null = null): RoomRecord | null {
    return this.createRoomTx(name, salt, kdf, auth, owner);
  }

  /** Highest committed message id in the room, 0 if none. */
  lastMessageId(roomId: number): number {
    return this.lastId.get(roomId)?.last ?? 0;
  }

  /**
   * Queues a message. Every append made in the same event-loop turn is committed
   * in one transaction; `done` runs after the commit (or with the error if it failed).
   */
  append(roomId: number, cid: string, env: Uint8Array, ts: number, done: AppendCallback, extras: AppendExtras = {}): void {
    if (this.closed) {
      done(new StoreError('the store is closed'));
      return;
    }
    this.pending.push({ roomId, cid, ts, env, del: extras.del ?? null, blobs: extras.blobs ?? [], done });
    if (!this.scheduled) {
      this.scheduled = true;
      // setImmediate runs after the I/O callbacks of this turn: everything they appended goes together.
      setImmediate(() => this.flush());
    }
  }

  /** Commits every queued append now and runs their callbacks, in append order. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let results: AppendResult[] | undefined;
    let failure: Error | undefined;
    const logEnd = this.envelopes.size;
    try {
      results = this.commitBatch(batch);
    } catch (error) {
      failure = error instanceof Error ? error : new StoreError(String(error));
      this.envelopes.rewind(logEnd);
    }
    if (results) {
      this.options.onBatch?.(batch.length);
      // What grew the WAL: envelopes in the log add only their row. The checkpointer's
      // timer syncs the log and folds in the rest every 2 s.
      for (const item of batch) this.bytesSinceCheckpoint += item.env.length < LOG_ENVELOPE_BYTES ? item.env.length : 64;
      if (this.checkpointer && this.bytesSinceCheckpoint > CHECKPOINT_EVERY_BYTES) {
        this.bytesSinceCheckpoint = 0;
        this.checkpointer.postMessage('checkpoint' satisfies CheckpointerRequest);
      }
    }
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      if (!item) continue;
      item.done(results?.[i] ?? failure ?? new StoreError('no result for a queued message'));
    }
  }

  /**
   * A page of history in ascending id, among messages with id <= `upTo` (those
   * already announced). `maxBytes` bounds the envelopes' total so the page frame
   * stays under the frame limit; at least one message is always included, and
   * `more` is set when the page stopped early.
   */
  page(roomId: number, query: PageQuery, limit: number, maxBytes: number, upTo: number = Number.MAX_SAFE_INTEGER): Page {
    let rows: MessageRow[];
    let ascending: boolean;
    if ('after' in query) {
      rows = this.after.all(roomId, upTo, query.after, limit + 1);
      ascending = true;
    } else if ('before' in query) {
      rows = this.before.all(roomId, upTo, query.before, limit + 1);
      ascending = false;
    } else {
      rows = this.newest.all(roomId, upTo, limit + 1);
      ascending = false;
    }
    let more = rows.length > limit;
    if (more) rows.length = limit;
    // Rows run away from the anchor (ascending for `after`, descending otherwise),
    // so cutting by size keeps the messages nearest to it.
    let bytes = 0;
    let keep = 0;
    for (const row of rows) {
      bytes += (row.log_len ?? row.env.length) + PAGE_ENTRY_OVERHEAD + row.cid.length;
      if (keep > 0 && bytes > maxBytes) break;
      keep++;
    }
    if (keep < rows.length) {
      rows.length = keep;
      more = true;
    }
    if (!ascending) rows.reverse();
    return { msgs: rows.map((row) => this.message(row)), more };
  }

  /** Message `id` of the room as a `delete` sees it, or null if there is none. */
  deletableMessage(roomId: number, id: number): DeletableMessage | null {
    const row = this.deletable.get(roomId, id);
    return row ? { del: row.del, deleted: row.deleted !== 0 } : null;
  }

  /**
   * Turns message `id` into a tombstone (PROTOCOL.md section 11.3) in one
   * transaction: its envelope's bytes are overwritten (zeros in the envelope
   * log, secure_delete in SQLite), its bytes leave the room's count, and
   * `removeBlobs` deletes the blobs it owned (before the commit). Then the WAL is
   * folded in and truncated here, before the caller answers, so the old page
   * leaves the WAL too. That checkpoint runs on the event loop (tens of ms at
   * worst): deletes are rare, and only the writer can truncate without racing
   * its own commits.
   */
  erase(roomId: number, id: number, removeBlobs: (blobs: string[]) => void = () => {}): Erased {
    if (this.closed) throw new StoreError('the store is closed');
    const erased = this.eraseTx(roomId, id, removeBlobs);
    if (!erased.already) {
      this.envelopes.sync(); // the log's other writes before the rows reaching the main file (as the worker does)
      const result = this.truncateWal.get();
      // Busy: the worker was mid-checkpoint; the next delete or the closing checkpoint truncates.
      if (result?.busy) this.options.log?.('the WAL could not be truncated after a delete; it will be at the next one or at stop');
    }
    return erased;
  }

  /** A page entry with only the protocol's fields, its envelope read from the log if it lives there. */
  private message(row: MessageRow): StoredMessage {
    if (row.deleted) return { id: row.id, ts: row.ts, cid: row.cid, env: EMPTY, deleted: true };
    if (row.log_at === null || row.log_len === null || row.log_crc === null) return { id: row.id, ts: row.ts, cid: row.cid, env: row.env };
    const env = this.envelopes.read({ at: row.log_at, length: row.log_len, crc: row.log_crc });
    if (env) return { id: row.id, ts: row.ts, cid: row.cid, env };
    // Lost in a power cut under `--sync normal`, or the log was not restored with the
    // database: the message keeps its place, and clients show it as undecryptable.
    this.options.log?.(`the envelope of message ${row.id} is missing from ${this.envelopes.file}`);
    return { id: row.id, ts: row.ts, cid: row.cid, env: EMPTY };
  }

  /** Commits what is queued, stops the checkpointer and closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const worker = this.checkpointer;
    this.checkpointer = undefined;
    if (worker) {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close' satisfies CheckpointerRequest);
      // Its connection closes first, so ours is the last one and SQLite folds the WAL in on close.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    try {
      // Ours is the last connection: fold everything in and leave an empty WAL, so no
      // old page (say, of a deleted envelope) stays in chat.db-wal (section 11.5).
      this.db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.options.log?.(`the closing checkpoint failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.db.close(false);
    this.envelopes.close();
  }
}
