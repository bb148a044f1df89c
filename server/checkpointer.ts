// Worker thread: runs SQLite WAL checkpoints on its own connection, so their copying and fsyncs never block the relay's event loop.

import { Database } from 'bun:sqlite';
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** The worker's data: the database file and the envelope log beside it. */
export interface CheckpointerSetup {
  file: string;
  log: string;
}

/** From the store: checkpoint now (the WAL grew), or close and exit. */
export type CheckpointerRequest = 'checkpoint' | 'close';
/** To the store: a checkpoint failed (it is retried on the next request or tick). */
export interface CheckpointerReport {
  error: string;
}

/** Also checkpoint on a timer, so a quiet server's WAL gets folded in too. */
const INTERVAL_MS = 2000;

function start({ file, log }: CheckpointerSetup): void {
  const port = parentPort;
  if (!port) return;
  const db = new Database(file, { strict: true });
  // The store created the log before starting this worker.
  const logFd = openSync(log, 'r');
  // Checkpoints fsync the WAL before copying and the database file after.
  db.run('PRAGMA synchronous = FULL');
  db.run('PRAGMA busy_timeout = 1000');
  const checkpoint = db.query('PRAGMA wal_checkpoint(PASSIVE)');
  const run = (): void => {
    try {
      // Rows that point into the envelope log must not become durable before the bytes
      // they point to: sync the log first (what a checkpoint copies was appended before
      // its commit, so before this sync, except commits landing while it runs).
      fdatasyncSync(logFd);
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
      closeSync(logFd);
      port.close();
    }
  });
}

const setup: unknown = workerData;
if (isSetup(setup)) start(setup);

function isSetup(value: unknown): value is CheckpointerSetup {
  return typeof value === 'object' && value !== null && 'file' in value && 'log' in value && typeof value.file === 'string' && typeof value.log === 'string';
}
