// The blob store (PROTOCOL.md section 9.4): encrypted file blobs on disk beside the database, written chunk by chunk, checksummed, visible only when complete.

import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SyncMode } from '../store';

/** Each chunk's AES-GCM tag; the server uses it only to tell the plaintext size a blob implies. */
const TAG_BYTES = 16;
const CRC_BYTES = 4;
/** Unfinished uploads are deleted this long after their `blob_put` (section 9.3). */
export const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

export type BlobErrorCode = 'too_large' | 'bad_frame' | 'no_blob' | 'internal';

/** A refused blob operation; becomes an `error` frame carrying the room and blob. */
export class BlobError extends Error {
  constructor(
    readonly code: BlobErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BlobState {
  size: number;
  chunk: number;
  /** Bytes held: a whole number of chunks (or the whole blob). */
  have: number;
  done: boolean;
}

/** A complete blob open for reading; `read` returns null for a chunk whose bytes fail their CRC. */
export interface BlobReader {
  size: number;
  chunk: number;
  /**
   * Chunk `index`, read into `into` when given (at least `chunk` bytes; the
   * result is then a view of it, valid until the next read into it) or else
   * into a new array.
   */
  read(index: number, into?: Uint8Array): Uint8Array | null;
  close(): void;
}

interface Meta {
  size: number;
  chunk: number;
  created: number;
}

/** An upload in progress: its files stay open between chunks. */
interface Upload {
  meta: Meta;
  /** Chunks held. */
  chunks: number;
  data: number;
  sums: number;
}

export interface BlobStoreOptions {
  sync: SyncMode;
  /** Largest plaintext a blob may imply (`--max-file`). */
  maxFile: number;
  /** Largest ciphertext chunk: a chunk travels in one frame. */
  maxChunk: number;
  log: (message: string) => void;
  /** Clock, for the expiry of unfinished uploads. */
  now?: () => number;
}

function chunkCount(size: number, chunk: number): number {
  return Math.ceil(size / chunk);
}

/** The plaintext size a blob of `size` ciphertext bytes in chunks of `chunk` implies. */
export function impliedPlainSize(size: number, chunk: number): number {
  return size - TAG_BYTES * chunkCount(size, chunk);
}

/**
 * Layout: `<root>/<room id>/<blob>.meta` (JSON: size, chunk, created),
 * `<blob>.sums` (CRC-32 per chunk, 4 bytes big-endian), `<blob>.part` while
 * uploading and `<blob>` once complete. Files are 0600, folders 0700. Writes
 * are synchronous: a chunk's bytes and CRC are in the operating system's
 * cache (and under `full` on the disk) before the call returns and the ack goes
 * out, so an ack survives a kill -9 of the server.
 */
export class BlobStore {
  private readonly uploads = new Map<string, Upload>();
  /** Declared bytes of every blob (complete or not) per room id, filled on first ask. */
  private readonly bytesByRoom = new Map<number, number>();
  private readonly now: () => number;

  constructor(
    readonly root: string,
    private readonly options: BlobStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  private roomDir(roomId: number): string {
    return join(this.root, String(roomId));
  }

  private path(roomId: number, blob: string, suffix: '' | '.part' | '.sums' | '.meta'): string {
    return join(this.roomDir(roomId), blob + suffix);
  }

  private readMeta(roomId: number, blob: string): Meta | null {
    let text: string;
    try {
      text = readFileSync(this.path(roomId, blob, '.meta'), 'utf8');
    } catch {
      return null;
    }
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null) return null;
      const { size, chunk, created } = value as Record<string, unknown>;
      if (typeof size !== 'number' || typeof chunk !== 'number' || typeof created !== 'number') return null;
      return { size, chunk, created };
    } catch {
      return null; // a meta cut by a crash before its fsync: the upload starts over
    }
  }

  private isComplete(roomId: number, blob: string): boolean {
    return existsSync(this.path(roomId, blob, ''));
  }

  /** Opens an upload or reports how much of it is held (section 9.3 `blob_put`). */
  open(roomId: number, blob: string, size: number, chunk: number): BlobState {
    if (chunk <= TAG_BYTES || chunk > this.options.maxChunk) {
      throw new BlobError('too_large', `a blob chunk must be ${TAG_BYTES + 1} to ${this.options.maxChunk} bytes, not ${chunk}`);
    }
    if (impliedPlainSize(size, chunk) > this.options.maxFile) {
      throw new BlobError('too_large', `files may be at most ${this.options.maxFile} bytes`);
    }
    const meta = this.readMeta(roomId, blob);
    if (meta && (meta.size !== size || meta.chunk !== chunk)) {
      throw new BlobError('bad_frame', `blob ${blob} was opened with size ${meta.size} and chunk ${meta.chunk}`);
    }
    if (meta && this.isComplete(roomId, blob)) return { size, chunk, have: size, done: true };
    const upload = meta ? this.resume(roomId, blob, meta) : this.create(roomId, blob, size, chunk);
    return this.state(roomId, blob, upload);
  }

  private create(roomId: number, blob: string, size: number, chunk: number): Upload {
    const dir = this.roomDir(roomId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const meta: Meta = { size, chunk, created: this.now() };
    // The meta is written before any chunk (so a resume knows the shape) and fsynced: it is tiny.
    const metaPath = this.path(roomId, blob, '.meta');
    writeFileSync(metaPath + '.tmp', JSON.stringify(meta), { mode: 0o600 });
    const fd = openSync(metaPath + '.tmp', 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(metaPath + '.tmp', metaPath);
    this.countBytes(roomId, size);
    const upload: Upload = {
      meta,
      chunks: 0,
      data: openSync(this.path(roomId, blob, '.part'), 'w+', 0o600),
      sums: openSync(this.path(roomId, blob, '.sums'), 'w+', 0o600),
    };
    this.uploads.set(`${roomId}/${blob}`, upload);
    return upload;
  }

  /** Reopens an upload after a dropped connection or a restart, keeping only chunks whose bytes and CRC agree. */
  private resume(roomId: number, blob: string, meta: Meta): Upload {
    const key = `${roomId}/${blob}`;
    const open = this.uploads.get(key);
    if (open) return open;
    const data = openSync(this.path(roomId, blob, '.part'), existsSync(this.path(roomId, blob, '.part')) ? 'r+' : 'w+', 0o600);
    const sums = openSync(this.path(roomId, blob, '.sums'), existsSync(this.path(roomId, blob, '.sums')) ? 'r+' : 'w+', 0o600);
    const upload: Upload = { meta, chunks: 0, data, sums };
    const total = chunkCount(meta.size, meta.chunk);
    const dataBytes = fstatSync(data).size;
    const dataChunks = dataBytes >= meta.size ? total : Math.floor(dataBytes / meta.chunk);
    let held = Math.min(dataChunks, Math.floor(fstatSync(sums).size / CRC_BYTES));
    // A crash can tear only the tail: step back until the last chunk held checks out.
    while (held > 0 && this.readChunkFrom(upload, held - 1) === null) held--;
    upload.chunks = held;
    ftruncateSync(data, this.chunkStart(meta, held));
    ftruncateSync(sums, held * CRC_BYTES);
    this.uploads.set(key, upload);
    this.options.log(`resuming blob ${blob} of room ${roomId} at chunk ${held} of ${total}`);
    if (held === total) this.complete(roomId, blob, upload);
    return upload;
  }

  private chunkStart(meta: Meta, index: number): number {
    return Math.min(index * meta.chunk, meta.size);
  }

  private chunkLength(meta: Meta, index: number): number {
    return Math.min(meta.chunk, meta.size - index * meta.chunk);
  }

  private state(roomId: number, blob: string, upload: Upload): BlobState {
    const done = upload.chunks === chunkCount(upload.meta.size, upload.meta.chunk) && this.isComplete(roomId, blob);
    return { size: upload.meta.size, chunk: upload.meta.chunk, have: this.chunkStart(upload.meta, upload.chunks), done };
  }

  /**
   * Writes chunk `index` (section 9.3 `blob_chunk`). A chunk already held is
   * not written again; one past the next expected is a gap.
   */
  write(roomId: number, blob: string, index: number, bytes: Uint8Array): BlobState {
    const meta = this.readMetaCached(roomId, blob);
    if (!meta) throw new BlobError('no_blob', `blob ${blob} was not opened with blob_put`);
    if (this.isComplete(roomId, blob)) return { size: meta.size, chunk: meta.chunk, have: meta.size, done: true };
    const upload = this.resume(roomId, blob, meta);
    const total = chunkCount(meta.size, meta.chunk);
    if (index >= total) throw new BlobError('bad_frame', `blob ${blob} has ${total} chunks; there is no chunk ${index}`);
    if (index < upload.chunks) return this.state(roomId, blob, upload);
    if (index > upload.chunks) {
      throw new BlobError('bad_frame', `chunk ${index} leaves a gap: the server holds ${upload.chunks} chunks of blob ${blob}; ask blob_put`);
    }
    const length = this.chunkLength(meta, index);
    if (bytes.length !== length) throw new BlobError('bad_frame', `chunk ${index} of blob ${blob} must be ${length} bytes, not ${bytes.length}`);
    const crc = new Uint8Array(CRC_BYTES);
    new DataView(crc.buffer).setUint32(0, Bun.hash.crc32(bytes) >>> 0);
    writeAll(upload.data, bytes, this.chunkStart(meta, index));
    writeAll(upload.sums, crc, index * CRC_BYTES);
    if (this.options.sync === 'full') {
      fdatasyncSync(upload.data);
      fdatasyncSync(upload.sums);
    }
    upload.chunks++;
    if (upload.chunks === total) this.complete(roomId, blob, upload);
    return this.state(roomId, blob, upload);
  }

  private readMetaCached(roomId: number, blob: string): Meta | null {
    return this.uploads.get(`${roomId}/${blob}`)?.meta ?? this.readMeta(roomId, blob);
  }

  /** Makes a whole blob visible: its bytes reach the disk, then `.part` becomes its final name. */
  private complete(roomId: number, blob: string, upload: Upload): void {
    fsyncSync(upload.data);
    fsyncSync(upload.sums);
    closeSync(upload.data);
    closeSync(upload.sums);
    this.uploads.delete(`${roomId}/${blob}`);
    renameSync(this.path(roomId, blob, '.part'), this.path(roomId, blob, ''));
    const dir = openSync(this.roomDir(roomId), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /** Whether the room holds this blob at all, complete or still uploading. */
  known(roomId: number, blob: string): boolean {
    return this.readMetaCached(roomId, blob) !== null;
  }

  /** A complete blob's size and chunk size, or null if it is unknown or unfinished. */
  find(roomId: number, blob: string): { size: number; chunk: number } | null {
    if (!this.isComplete(roomId, blob)) return null;
    const meta = this.readMeta(roomId, blob);
    return meta ? { size: meta.size, chunk: meta.chunk } : null;
  }

  /** Reads chunk `index` of a complete blob, checked against its CRC; null if the bytes on disk are damaged. */
  readChunk(roomId: number, blob: string, index: number): Uint8Array | null {
    const reader = this.openReader(roomId, blob);
    try {
      return reader.read(index);
    } finally {
      reader.close();
    }
  }

  /** Opens a complete blob for reading chunk after chunk (a download), keeping its files open until close(). */
  openReader(roomId: number, blob: string): BlobReader {
    const meta = this.readMeta(roomId, blob);
    if (!meta || !this.isComplete(roomId, blob)) throw new BlobError('no_blob', `blob ${blob} does not exist or is not complete`);
    const data = openSync(this.path(roomId, blob, ''), 'r');
    const sums = openSync(this.path(roomId, blob, '.sums'), 'r');
    const open: Upload = { meta, chunks: 0, data, sums };
    let closed = false;
    return {
      size: meta.size,
      chunk: meta.chunk,
      read: (index, into) => this.readChunkFrom(open, index, into),
      close: () => {
        if (closed) return;
        closed = true;
        closeSync(data);
        closeSync(sums);
      },
    };
  }

  private readChunkFrom(upload: Upload, index: number, into?: Uint8Array): Uint8Array | null {
    const length = this.chunkLength(upload.meta, index);
    const bytes = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
    if (readSync(upload.data, bytes, 0, length, this.chunkStart(upload.meta, index)) !== length) return null;
    const crc = new Uint8Array(CRC_BYTES);
    if (readSync(upload.sums, crc, 0, CRC_BYTES, index * CRC_BYTES) !== CRC_BYTES) return null;
    return new DataView(crc.buffer).getUint32(0) === Bun.hash.crc32(bytes) >>> 0 ? bytes : null;
  }

  /**
   * Declared bytes of every blob of a room, complete or still uploading (an
   * upload counts in full from its `blob_put`, so a quota can refuse it before
   * any bytes). For the room quota of the server.
   */
  roomBytes(roomId: number): number {
    const known = this.bytesByRoom.get(roomId);
    if (known !== undefined) return known;
    let total = 0;
    for (const name of this.metaNames(roomId)) total += this.readMeta(roomId, name)?.size ?? 0;
    this.bytesByRoom.set(roomId, total);
    return total;
  }

  private countBytes(roomId: number, delta: number): void {
    const known = this.bytesByRoom.get(roomId);
    if (known === undefined) this.roomBytes(roomId); // reads the new meta too
    else this.bytesByRoom.set(roomId, known + delta);
  }

  private metaNames(roomId: number): string[] {
    let names: string[];
    try {
      names = readdirSync(this.roomDir(roomId));
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith('.meta')).map((n) => n.slice(0, -'.meta'.length));
  }

  /** Deletes a blob, complete or not (e.g. with its deleted message). Returns whether it existed. */
  remove(roomId: number, blob: string): boolean {
    const meta = this.readMeta(roomId, blob);
    const key = `${roomId}/${blob}`;
    const upload = this.uploads.get(key);
    if (upload) {
      closeSync(upload.data);
      closeSync(upload.sums);
      this.uploads.delete(key);
    }
    for (const suffix of ['', '.part', '.sums', '.meta'] as const) rmSync(this.path(roomId, blob, suffix), { force: true });
    if (meta) this.countBytes(roomId, -meta.size);
    return meta !== null;
  }

  /** Deletes unfinished uploads created more than 24 hours ago; returns how many. */
  expire(): number {
    const cutoff = this.now() - UPLOAD_TTL_MS;
    let removed = 0;
    let rooms: string[];
    try {
      rooms = readdirSync(this.root);
    } catch {
      return 0;
    }
    for (const room of rooms) {
      const roomId = Number(room);
      if (!Number.isSafeInteger(roomId)) continue;
      for (const blob of this.metaNames(roomId)) {
        if (this.isComplete(roomId, blob)) continue;
        const meta = this.readMeta(roomId, blob);
        if (meta && meta.created > cutoff) continue;
        this.remove(roomId, blob);
        removed++;
      }
    }
    if (removed > 0) this.options.log(`deleted ${removed} unfinished upload(s) older than 24 hours`);
    return removed;
  }

  /** Closes the files of uploads in progress (they resume from disk later). */
  close(): void {
    for (const upload of this.uploads.values()) {
      closeSync(upload.data);
      closeSync(upload.sums);
    }
    this.uploads.clear();
  }
}

/**
 * Largest single write (as the client's WRITE_PIECE): on ext4 whole 1 MiB
 * chunk writes cost far more system time than the same bytes in 64 KiB writes.
 */
const WRITE_PIECE = 64 * 1024;

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(WRITE_PIECE, bytes.length - done), position + done);
}
