// Worker thread: runs SQLite WAL checkpoints on its own connection, so their copying and fsyncs never block the relay's event loop.

import { Database } from 'bun:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

/** From the store: checkpoint now (the WAL grew), or close and exit. */
export type CheckpointerRequest = 'checkpoint' | 'close';
/** To the store: a checkpoint failed (it is retried on the next request or tick). */
export interface CheckpointerReport {
  error: string;
}

/** Also checkpoint on a timer, so a quiet server's WAL gets folded in too. */
const INTERVAL_MS = 2000;

function start(file: string): void {
  const port = parentPort;
  if (!port) return;
  const db = new Database(file, { strict: true });
  // Checkpoints fsync the WAL before copying and the database file after.
  db.run('PRAGMA synchronous = FULL');
  db.run('PRAGMA busy_timeout = 1000');
  const checkpoint = db.query('PRAGMA wal_checkpoint(PASSIVE)');
  const run = (): void => {
    try {
      // PASSIVE copies what it can without waiting for (or blocking) the writer.
      checkpoint.get();
    } catch (error) {
      port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies CheckpointerReport);
    }
  };
  const timer = setInterval(run, INTERVAL_MS);
  port.on('message', (request: CheckpointerRequest) => {
    if (request === 'checkpoint') {
      run();
    } else {
      clearInterval(timer);
      db.close(false);
      port.close();
    }
  });
}

const file: unknown = workerData;
if (typeof file === 'string') start(file);
