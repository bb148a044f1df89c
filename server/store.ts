// Durable history in bun:sqlite: rooms and opaque envelopes, appends batched per event-loop turn and acknowledged only after commit.

import { Database, type Statement } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KdfParams, StoredMessage } from '../protocol/frames';

export interface RoomRecord {
  id: number;
  name: string;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
}

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

export class StoreError extends Error {
  readonly code = 'internal';
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
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     room_id INTEGER NOT NULL REFERENCES rooms(id),
     cid TEXT NOT NULL,
     ts INTEGER NOT NULL,
     env BLOB NOT NULL,
     UNIQUE (room_id, cid)
   );
   CREATE INDEX messages_by_room ON messages (room_id, id);`,
];

interface RoomRow {
  id: number;
  name: string;
  salt: Uint8Array;
  kdf_n: number;
  kdf_r: number;
  kdf_p: number;
  auth: Uint8Array;
}

interface PendingAppend {
  roomId: number;
  cid: string;
  ts: number;
  env: Uint8Array;
  done: AppendCallback;
}

export interface StoreOptions {
  /** Called after each committed batch, e.g. for metrics; never with envelope bytes. */
  onBatch?: (size: number) => void;
}

export class Store {
  private readonly db: Database;
  private readonly roomByName: Statement<RoomRow, [string]>;
  private readonly insertRoom: Statement<{ id: number }, [string, Uint8Array, number, number, number, Uint8Array, number]>;
  private readonly findMessage: Statement<{ id: number; ts: number }, [number, string]>;
  private readonly insertMessage: Statement<{ id: number }, [number, string, number, Uint8Array]>;
  private readonly lastId: Statement<{ last: number | null }, [number]>;
  private readonly newest: Statement<StoredMessage, [number, number]>;
  private readonly before: Statement<StoredMessage, [number, number, number]>;
  private readonly after: Statement<StoredMessage, [number, number, number]>;
  private readonly commitBatch: (batch: PendingAppend[]) => AppendResult[];
  private pending: PendingAppend[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly options: StoreOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { create: true, strict: true });
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk
    // before we ack it, even across a power cut (NORMAL would only survive a crash).
    this.db.run('PRAGMA journal_mode = WAL');
    this.db.run('PRAGMA synchronous = FULL');
    this.db.run('PRAGMA foreign_keys = ON');
    this.migrate();

    this.roomByName = this.db.query('SELECT id, name, salt, kdf_n, kdf_r, kdf_p, auth FROM rooms WHERE name = ?');
    this.insertRoom = this.db.query(
      'INSERT INTO rooms (name, salt, kdf_n, kdf_r, kdf_p, auth, created) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
    );
    this.findMessage = this.db.query('SELECT id, ts FROM messages WHERE room_id = ? AND cid = ?');
    this.insertMessage = this.db.query('INSERT INTO messages (room_id, cid, ts, env) VALUES (?, ?, ?, ?) RETURNING id');
    this.lastId = this.db.query('SELECT max(id) AS last FROM messages WHERE room_id = ?');
    // One row past the limit tells whether there are more.
    this.newest = this.db.query('SELECT id, ts, cid, env FROM messages WHERE room_id = ? ORDER BY id DESC LIMIT ?');
    this.before = this.db.query('SELECT id, ts, cid, env FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.after = this.db.query('SELECT id, ts, cid, env FROM messages WHERE room_id = ? AND id > ? ORDER BY id ASC LIMIT ?');

    this.commitBatch = this.db.transaction((batch: PendingAppend[]) => {
      const results: AppendResult[] = [];
      for (const item of batch) {
        // Looked up inside the transaction, so a repeat within the same batch finds the first.
        const existing = this.findMessage.get(item.roomId, item.cid);
        if (existing) {
          results.push({ id: existing.id, ts: existing.ts, duplicate: true });
          continue;
        }
        const row = this.insertMessage.get(item.roomId, item.cid, item.ts, item.env);
        if (!row) throw new StoreError('insert returned no id');
        results.push({ id: row.id, ts: item.ts, duplicate: false });
      }
      return results;
    });
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
    return { id: row.id, name: row.name, salt: row.salt, kdf: { n: row.kdf_n, r: row.kdf_r, p: row.kdf_p }, auth: row.auth };
  }

  /** Creates a room; null if one with that name exists. Committed before it returns. */
  createRoom(name: string, salt: Uint8Array, kdf: KdfParams, auth: Uint8Array): RoomRecord | null {
    const row = this.insertRoom.get(name, salt, kdf.n, kdf.r, kdf.p, auth, Date.now());
    if (!row) return null;
    return { id: row.id, name, salt, kdf: { ...kdf }, auth };
  }

  /** Highest message id in the room, 0 if none (committed messages only). */
  lastMessageId(roomId: number): number {
    return this.lastId.get(roomId)?.last ?? 0;
  }

  /**
   * Queues a message. Every append made in the same event-loop turn is committed
   * in one transaction; `done` runs after the commit (or with the error if it failed).
   */
  append(roomId: number, cid: string, env: Uint8Array, ts: number, done: AppendCallback): void {
    if (this.closed) {
      done(new StoreError('the store is closed'));
      return;
    }
    this.pending.push({ roomId, cid, ts, env, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Commits every queued append now and runs their callbacks. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let results: AppendResult[] | undefined;
    let failure: Error | undefined;
    try {
      results = this.commitBatch(batch);
    } catch (error) {
      failure = error instanceof Error ? error : new StoreError(String(error));
    }
    this.options.onBatch?.(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      const result = results?.[i];
      if (!item) continue;
      item.done(result ?? failure ?? new StoreError('no result for a queued message'));
    }
  }

  /**
   * A page of history in ascending id. `maxBytes` bounds the envelopes' total so
   * the page frame stays under the frame limit; at least one message is always
   * included, and `more` is set when the page stopped early.
   */
  page(roomId: number, query: PageQuery, limit: number, maxBytes: number): Page {
    let rows: StoredMessage[];
    let ascending: boolean;
    if ('after' in query) {
      rows = this.after.all(roomId, query.after, limit + 1);
      ascending = true;
    } else if ('before' in query) {
      rows = this.before.all(roomId, query.before, limit + 1);
      ascending = false;
    } else {
      rows = this.newest.all(roomId, limit + 1);
      ascending = false;
    }
    let more = rows.length > limit;
    if (more) rows.length = limit;
    // Rows run away from the anchor (ascending for `after`, descending otherwise),
    // so cutting by size keeps the messages nearest to it.
    let bytes = 0;
    let keep = 0;
    for (const row of rows) {
      bytes += row.env.length + PAGE_ENTRY_OVERHEAD + row.cid.length;
      if (keep > 0 && bytes > maxBytes) break;
      keep++;
    }
    if (keep < rows.length) {
      rows.length = keep;
      more = true;
    }
    if (!ascending) rows.reverse();
    return { msgs: rows, more };
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close(false);
  }
}

/** MessagePack overhead of one page entry besides cid and env: map header, keys, two integers. */
const PAGE_ENTRY_OVERHEAD = 48;
