// Durable history in bun:sqlite: rooms and opaque envelopes; appends are group-committed on a writer thread and acknowledged only after commit.

import { Database, type Statement } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KdfParams, StoredMessage } from '../protocol/frames';
import type { BatchItem, BatchResult, WriterOptions, WriterReply, WriterRequest } from './writer';

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
 * normal: a commit is in the WAL file before its ack; it survives a crash or kill of
 *         the server process, not a power cut or OS crash (the last moments may be lost).
 * full:   the WAL is fsynced before every ack; survives power cuts, at the disk's fsync latency.
 */
export type SyncMode = 'normal' | 'full';

export interface StoreOptions {
  sync?: SyncMode;
  /** Called after each committed batch with its size, e.g. for metrics; never with envelope bytes. */
  onBatch?: (size: number) => void;
  /** Where the store reports trouble that is not the error of one call (a dead writer thread). */
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

/** MessagePack overhead of one page entry besides cid and env: map header, keys, two integers. */
const PAGE_ENTRY_OVERHEAD = 48;
/** Pages of 16 KiB hold a typical envelope in fewer overflow pages than the default 4 KiB, for less work per insert. */
const PAGE_SIZE = 16384;

interface RoomRow {
  id: number;
  name: string;
  salt: Uint8Array;
  kdf_n: number;
  kdf_r: number;
  kdf_p: number;
  auth: Uint8Array;
}

interface InFlight {
  seq: number;
  callbacks: AppendCallback[];
}

export class Store {
  private readonly db: Database;
  private readonly roomByName: Statement<RoomRow, [string]>;
  private readonly insertRoom: Statement<{ id: number }, [string, Uint8Array, number, number, number, Uint8Array, number]>;
  private readonly lastId: Statement<{ last: number | null }, [number]>;
  private readonly newest: Statement<StoredMessage, [number, number, number]>;
  private readonly before: Statement<StoredMessage, [number, number, number, number]>;
  private readonly after: Statement<StoredMessage, [number, number, number, number]>;
  private readonly writer: Worker;
  /** Appends waiting for the next batch. */
  private pendingItems: BatchItem[] = [];
  private pendingCallbacks: AppendCallback[] = [];
  /** The one batch the writer is committing; the next waits, growing, until it is done (group commit). */
  private inFlight: InFlight | undefined;
  private nextSeq = 1;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private broken: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly file: string,
    private readonly options: StoreOptions = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { create: true, strict: true });
    // Only takes effect on a new, empty file.
    this.db.run(`PRAGMA page_size = ${PAGE_SIZE}`);
    // WAL: readers never block the writer, and a commit is one append to the WAL file.
    this.db.run('PRAGMA journal_mode = WAL');
    this.db.run('PRAGMA foreign_keys = ON');
    // The writer thread may hold the write lock while this connection creates a room.
    this.db.run('PRAGMA busy_timeout = 5000');
    // This connection writes only rooms; checkpoints belong to the writer thread.
    this.db.run('PRAGMA wal_autocheckpoint = 0');
    // After a checkpoint the WAL restarts; keep its file from staying at its peak size.
    this.db.run('PRAGMA journal_size_limit = 67108864');
    this.db.run(`PRAGMA synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.migrate();

    this.roomByName = this.db.query('SELECT id, name, salt, kdf_n, kdf_r, kdf_p, auth FROM rooms WHERE name = ?');
    this.insertRoom = this.db.query(
      'INSERT INTO rooms (name, salt, kdf_n, kdf_r, kdf_p, auth, created) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id',
    );
    this.lastId = this.db.query('SELECT max(id) AS last FROM messages WHERE room_id = ?');
    // `id <= upTo` keeps pages to what has been announced; one row past the limit tells whether there are more.
    this.newest = this.db.query('SELECT id, ts, cid, env FROM messages WHERE room_id = ? AND id <= ? ORDER BY id DESC LIMIT ?');
    this.before = this.db.query(
      'SELECT id, ts, cid, env FROM messages WHERE room_id = ? AND id <= ? AND id < ? ORDER BY id DESC LIMIT ?',
    );
    this.after = this.db.query('SELECT id, ts, cid, env FROM messages WHERE room_id = ? AND id <= ? AND id > ? ORDER BY id ASC LIMIT ?');

    const writerOptions: WriterOptions = { file, sync: options.sync ?? 'normal' };
    this.writer = new Worker(new URL('./writer.ts', import.meta.url), { workerData: writerOptions });
    this.writer.on('message', (reply: WriterReply) => this.onReply(reply));
    this.writer.on('error', (error) => this.fail(new StoreError(`the writer thread failed: ${error.message}`)));
    this.writer.on('exit', () => {
      if (!this.closing) this.fail(new StoreError('the writer thread exited'));
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

  /** Highest committed message id in the room, 0 if none. */
  lastMessageId(roomId: number): number {
    return this.lastId.get(roomId)?.last ?? 0;
  }

  /**
   * Queues a message. Appends made in the same event-loop turn (and, under load,
   * all that arrive while the previous batch commits) go to the writer as one
   * transaction; `done` runs after the commit, in append order, or with the error.
   */
  append(roomId: number, cid: string, env: Uint8Array, ts: number, done: AppendCallback): void {
    if (this.broken || this.closing) {
      done(this.broken ?? new StoreError('the store is closing'));
      return;
    }
    this.pendingItems.push({ roomId, cid, ts, env });
    this.pendingCallbacks.push(done);
    this.schedule();
  }

  /** Resolves once every append made so far has committed and its callback has run. */
  idle(): Promise<void> {
    if (!this.inFlight && this.pendingItems.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: everything they appended goes together.
    setImmediate(() => {
      this.scheduled = false;
      this.submit();
    });
  }

  private submit(): void {
    if (this.inFlight || this.pendingItems.length === 0) return;
    const items = this.pendingItems;
    const batch: InFlight = { seq: this.nextSeq++, callbacks: this.pendingCallbacks };
    this.pendingItems = [];
    this.pendingCallbacks = [];
    this.inFlight = batch;
    this.writer.postMessage({ t: 'batch', seq: batch.seq, items } satisfies WriterRequest);
  }

  private onReply(reply: WriterReply): void {
    switch (reply.t) {
      case 'committed':
      case 'failed': {
        const batch = this.inFlight;
        if (!batch || batch.seq !== reply.seq) {
          this.fail(new StoreError(`the writer answered batch ${reply.seq} out of order`));
          return;
        }
        this.inFlight = undefined;
        if (reply.t === 'committed') {
          this.options.onBatch?.(batch.callbacks.length);
          batch.callbacks.forEach((done, i) => done(reply.results[i] ?? new StoreError('no result for a queued message')));
        } else {
          const error = new StoreError(`a batch could not be committed: ${reply.message}`);
          for (const done of batch.callbacks) done(error);
        }
        // Whatever arrived meanwhile goes next, as one batch.
        if (this.pendingItems.length > 0) this.submit();
        else this.wakeIdle();
        return;
      }
      case 'closed':
        return;
      default: {
        const unreachable: never = reply;
        throw new Error(`unknown writer reply ${JSON.stringify(unreachable)}`);
      }
    }
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** The writer is gone: every queued and later append fails; the server keeps relaying nothing new. */
  private fail(error: StoreError): void {
    if (this.broken) return;
    this.broken = error;
    this.options.log?.(error.message);
    const callbacks = [...(this.inFlight?.callbacks ?? []), ...this.pendingCallbacks];
    this.inFlight = undefined;
    this.pendingItems = [];
    this.pendingCallbacks = [];
    for (const done of callbacks) done(error);
    this.wakeIdle();
  }

  /**
   * A page of history in ascending id, among messages with id <= `upTo` (those
   * already announced). `maxBytes` bounds the envelopes' total so the page frame
   * stays under the frame limit; at least one message is always included, and
   * `more` is set when the page stopped early.
   */
  page(roomId: number, query: PageQuery, limit: number, maxBytes: number, upTo: number = Number.MAX_SAFE_INTEGER): Page {
    let rows: StoredMessage[];
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

  /** Commits what is queued, stops the writer and closes the database. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.idle();
      const closed = new Promise<void>((resolve) => this.writer.once('exit', () => resolve()));
      if (!this.broken) {
        this.writer.postMessage({ t: 'close' } satisfies WriterRequest);
        await closed;
      }
      this.db.close(false);
    })();
    return this.closing;
  }
}
