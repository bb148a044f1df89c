// The envelope log: an append-only file beside the database holding large envelopes, so SQLite stores a 100 KB envelope's place instead of writing its bytes twice (WAL, then checkpoint).

import { closeSync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where an envelope sits in the log; the CRC-32 tells a lost or torn write from the real bytes. */
export interface LogPlace {
  at: number;
  length: number;
  crc: number;
}

/**
 * Appends are plain writes at the end (the operating system's page cache holds
 * them, so they survive a crash or kill of the server like a WAL commit under
 * `synchronous = NORMAL`); sync() makes them survive a power cut. Bytes a
 * committed row points to are never rewritten; an append whose transaction
 * failed is wound back (rewind), and one cut off by a crash is unreferenced
 * bytes, which cost space and nothing else.
 */
export class EnvelopeLog {
  private readonly fd: number;
  private end: number;

  /** `referencedEnd`: the end of the last place the database points to; appends never start before it. */
  constructor(
    readonly file: string,
    referencedEnd: number,
  ) {
    let created = false;
    try {
      this.fd = openSync(file, 'r+');
    } catch (error) {
      // Only a missing log is created; any other failure must not truncate one that exists.
      if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
      // Private like every file in the data folder (files.ts).
      this.fd = openSync(file, 'wx+', 0o600);
      created = true;
    }
    // A file shorter than what rows point to (restored without it, or cut by a power cut in
    // `normal` mode) keeps its gap: those rows read as lost, and new bytes never pose as them.
    this.end = Math.max(fstatSync(this.fd).size, referencedEnd);
    if (created) syncDirectory(dirname(file));
  }

  /** Current end of the log: where the next append goes. */
  get size(): number {
    return this.end;
  }

  append(bytes: Uint8Array): LogPlace {
    const at = this.end;
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written, at + written);
    this.end = at + bytes.length;
    return { at, length: bytes.length, crc: Bun.hash.crc32(bytes) };
  }

  /** Forgets appends after `end` (their rows did not commit); the next append overwrites them. */
  rewind(end: number): void {
    this.end = Math.min(this.end, end);
  }

  /**
   * Overwrites an envelope's bytes with zeros and waits until that is on the disk
   * (PROTOCOL.md section 11.5): a deleted message leaves nothing to read back.
   */
  erase(place: LogPlace): void {
    const zeros = new Uint8Array(Math.min(place.length, 1024 * 1024));
    let done = 0;
    while (done < place.length) {
      const n = Math.min(zeros.length, place.length - done);
      done += writeSync(this.fd, zeros, 0, n, place.at + done);
    }
    fdatasyncSync(this.fd);
  }

  /** Waits until everything appended is on the disk. */
  sync(): void {
    fdatasyncSync(this.fd);
  }

  /** The envelope at `place`, or null if its bytes are missing or not the ones written. */
  read(place: LogPlace): Uint8Array | null {
    const bytes = new Uint8Array(place.length);
    let got = 0;
    while (got < place.length) {
      const n = readSync(this.fd, bytes, got, place.length - got, place.at + got);
      if (n === 0) return null;
      got += n;
    }
    return Bun.hash.crc32(bytes) === place.crc ? bytes : null;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Makes a new file's directory entry durable (Linux allows fsync on a directory opened read-only). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can sync a directory; the file's contents are still synced on their own.
  }
}
