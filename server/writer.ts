// Worker thread that commits message batches to SQLite, so inserts, fsyncs and WAL checkpoints never block the relay's event loop.

import { Database } from 'bun:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

export interface BatchItem {
  roomId: number;
  cid: string;
  ts: number;
  env: Uint8Array;
}

export interface BatchResult {
  id: number;
  ts: number;
  duplicate: boolean;
}

export interface WriterOptions {
  file: string;
  sync: 'normal' | 'full';
}

/** Main thread to writer. */
export type WriterRequest = { t: 'batch'; seq: number; items: BatchItem[] } | { t: 'close' };

/** Writer to main thread; replies to batches come in the order the batches were sent. */
export type WriterReply =
  | { t: 'committed'; seq: number; results: BatchResult[] }
  | { t: 'failed'; seq: number; message: string }
  | { t: 'closed' };

function isWriterOptions(value: unknown): value is WriterOptions {
  return (
    typeof value === 'object' &&
    value !== null &&
    'file' in value &&
    typeof value.file === 'string' &&
    'sync' in value &&
    (value.sync === 'normal' || value.sync === 'full')
  );
}

function start(options: WriterOptions): void {
  const port = parentPort;
  if (!port) return;
  const db = new Database(options.file, { strict: true });
  db.run(`PRAGMA synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
  // The main thread's connection may hold the write lock briefly (creating a room).
  db.run('PRAGMA busy_timeout = 5000');
  // Checkpoints run here, after commits, off the event loop (the default threshold of 1000 pages).
  db.run('PRAGMA wal_autocheckpoint = 1000');
  const find = db.query<{ id: number; ts: number }, [number, string]>('SELECT id, ts FROM messages WHERE room_id = ? AND cid = ?');
  const insert = db.query<{ id: number }, [number, string, number, Uint8Array]>(
    'INSERT INTO messages (room_id, cid, ts, env) VALUES (?, ?, ?, ?) RETURNING id',
  );
  const commit = db.transaction((items: BatchItem[]): BatchResult[] => {
    const results: BatchResult[] = [];
    for (const item of items) {
      // Inside the transaction, so a repeat within the same batch finds the first.
      const existing = find.get(item.roomId, item.cid);
      if (existing) {
        results.push({ id: existing.id, ts: existing.ts, duplicate: true });
        continue;
      }
      const row = insert.get(item.roomId, item.cid, item.ts, item.env);
      if (!row) throw new Error('insert returned no id');
      results.push({ id: row.id, ts: item.ts, duplicate: false });
    }
    return results;
  });

  port.on('message', (request: WriterRequest) => {
    switch (request.t) {
      case 'batch': {
        let reply: WriterReply;
        try {
          reply = { t: 'committed', seq: request.seq, results: commit(request.items) };
        } catch (error) {
          reply = { t: 'failed', seq: request.seq, message: error instanceof Error ? error.message : String(error) };
        }
        port.postMessage(reply);
        return;
      }
      case 'close':
        db.close(false);
        port.postMessage({ t: 'closed' } satisfies WriterReply);
        port.close();
        return;
      default: {
        const unreachable: never = request;
        throw new Error(`unknown request ${JSON.stringify(unreachable)}`);
      }
    }
  });
}

const options: unknown = workerData;
if (isWriterOptions(options)) start(options);
