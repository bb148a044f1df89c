// File transfers over the blob frames (PROTOCOL.md section 9.3): upload with a window of chunks in flight and resume, download into PATH.part, renamed only after the SHA-256 check.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { collectOnGrowth } from '../../protocol/collect-on-growth';
import type { ClientFrame, ServerFrame } from '../../protocol/frames';
import { TAG_BYTES, chunkCount, cipherSize, openChunk, sealChunkInto } from './stream-crypto';

/** Chunks of an upload in flight at once: enough to keep a loopback or LAN link busy, little memory (8 x 1 MiB). */
export const UPLOAD_WINDOW = 8;
/**
 * Largest single write into the .part file. Measured with bench:files on ext4
 * (Linux, Bun): whole 1 MiB chunk writes cost the client up to 2.5 times the
 * CPU (system time) of the same bytes in 64 KiB writes, and made download
 * speed swing with it; 16 KiB was no better, 256 KiB a little worse.
 */
export const WRITE_PIECE = 64 * 1024;
/** Largest single read of a file being hashed or uploaded, into a buffer reused for every read. */
export const READ_PIECE = 256 * 1024;
/**
 * Without collections the CLI peaked at 150-156 MB uploading a 1 GiB file and
 * 129-136 MB downloading it (bench:files). Each collection makes the next
 * buffers fault in fresh pages: at 32 MB of growth downloads peaked at 104-106
 * MB but ran 15-20% slower; at 48 MB they peak at 117-124 MB at the speed of no
 * collection at all. One counter for every transfer of this process.
 */
const garbageMoved = collectOnGrowth(48 * 1024 * 1024, process.memoryUsage.rss);

/** A transfer that hears nothing from the server this long fails (the caller resumes later). */
const SILENCE_MS = 30_000;

export type FileTransferErrorCode = 'server' | 'damaged' | 'disconnected' | 'timeout' | 'changed' | 'busy' | 'cancelled';

/** A transfer that failed; the message is a sentence for users, `code` says what to do next. */
export class FileTransferError extends Error {
  constructor(
    readonly code: FileTransferErrorCode,
    message: string,
    /** With code 'server': the server's error code (e.g. `no_blob`). */
    readonly serverCode?: string,
  ) {
    super(message);
    this.name = 'FileTransferError';
  }
}

/**
 * Where transfers send frames; false means not connected (the transfer fails
 * and can resume later). `send` encodes the frame before it returns (a `data`
 * buffer is reused for the next chunk).
 */
export interface BlobChannel {
  send(frame: ClientFrame): boolean;
}

type BlobReply = Extract<ServerFrame, { t: 'blob_state' | 'blob_ack' | 'blob_data' }> | Extract<ServerFrame, { t: 'error' }>;

export interface FileRef {
  room: string;
  blob: string;
  key: Uint8Array;
  /** Plaintext chunk size. */
  chunk: number;
  /** Plaintext size. */
  size: number;
}

export interface Progress {
  /** Plaintext bytes done (including what an earlier attempt did). */
  done: number;
  total: number;
}

/**
 * SHA-256 of a file, read piece by piece into one buffer: a read stream's new
 * buffer per piece left a 1 GiB file's hashing about 40 MB of garbage that the
 * process kept resident (bench:files).
 */
export async function fileSha256(path: string): Promise<Uint8Array> {
  const hash = createHash('sha256');
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(READ_PIECE);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  return new Uint8Array(hash.digest());
}

/** Reads up to `length` bytes at `position` into the start of `into`; returns how many there were (fewer only at the end of the file). */
async function readAt(file: FileHandle, into: Uint8Array, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(into, got, Math.min(READ_PIECE, length - got), position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Runs blob transfers over one channel: the owner hands every server frame to
 * `receive`; frames about other blobs are ignored. One transfer per blob at a time.
 */
export class BlobTransfers {
  private readonly listeners = new Map<string, (frame: BlobReply | 'disconnected' | 'cancelled') => void>();

  constructor(private readonly channel: BlobChannel) {}

  /** Feeds a server frame in; returns whether a transfer took it. */
  receive(frame: ServerFrame): boolean {
    if (frame.t !== 'blob_state' && frame.t !== 'blob_ack' && frame.t !== 'blob_data' && frame.t !== 'error') return false;
    if (frame.room === undefined || frame.blob === undefined) return false;
    const listener = this.listeners.get(`${frame.room}/${frame.blob}`);
    if (!listener) return false;
    listener(frame);
    return true;
  }

  /** Fails every running transfer (the connection went down); they resume when called again. */
  disconnected(): void {
    for (const listener of [...this.listeners.values()]) listener('disconnected');
  }

  private send(frame: ClientFrame): void {
    if (!this.channel.send(frame)) throw new FileTransferError('disconnected', 'Not connected to the server; the transfer will resume.');
  }

  /**
   * Runs `body` with a queue of this blob's replies: `next()` waits for the next
   * one (with a timeout), and an `error` frame or a disconnect rejects it.
   */
  private async session<T>(ref: FileRef, signal: AbortSignal | undefined, body: (next: () => Promise<Exclude<BlobReply, { t: 'error' }>>) => Promise<T>): Promise<T> {
    const key = `${ref.room}/${ref.blob}`;
    if (this.listeners.has(key)) throw new FileTransferError('busy', 'This file is already being transferred.');
    if (signal?.aborted) throw new FileTransferError('cancelled', 'The file transfer was cancelled.');
    const queue: (BlobReply | 'disconnected' | 'cancelled')[] = [];
    let wake: (() => void) | undefined;
    const listener = (frame: BlobReply | 'disconnected' | 'cancelled'): void => {
      // A cancel goes first: frames still queued do not matter any more.
      if (frame === 'cancelled') queue.unshift(frame);
      else queue.push(frame);
      wake?.();
    };
    this.listeners.set(key, listener);
    const onAbort = (): void => listener('cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    const next = async (): Promise<Exclude<BlobReply, { t: 'error' }>> => {
      while (queue.length === 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timedOut = await new Promise<boolean>((resolve) => {
          wake = () => resolve(false);
          timer = setTimeout(() => resolve(true), SILENCE_MS);
        });
        clearTimeout(timer);
        wake = undefined;
        if (timedOut && queue.length === 0) throw new FileTransferError('timeout', 'The server stopped answering during the transfer; it will resume.');
      }
      const frame = queue.shift();
      if (frame === 'cancelled') throw new FileTransferError('cancelled', 'The file transfer was cancelled.');
      if (frame === undefined || frame === 'disconnected') {
        throw new FileTransferError('disconnected', 'The connection dropped during the transfer; it will resume.');
      }
      if (frame.t === 'error') {
        if (frame.code === 'no_blob') {
          throw new FileTransferError('server', 'The server does not hold this file (its message was deleted, its upload never finished, or it expired).', frame.code);
        }
        throw new FileTransferError('server', `The server refused the file transfer (${frame.code}): ${frame.msg}`, frame.code);
      }
      return frame;
    };
    try {
      return await body(next);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.listeners.delete(key);
    }
  }

  /**
   * Encrypts and uploads the file at `path`, resuming from what the server
   * holds; at most UPLOAD_WINDOW chunks are in flight. Resolves once the whole
   * blob is stored.
   */
  upload(ref: FileRef, path: string, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<void> {
    const C = ref.chunk + TAG_BYTES;
    const size = cipherSize(ref.size, ref.chunk);
    const total = chunkCount(ref.size, ref.chunk);
    return this.session(ref, signal, async (next) => {
      this.send({ t: 'blob_put', room: ref.room, blob: ref.blob, size, chunk: C });
      const state = await next();
      if (state.t !== 'blob_state') throw new FileTransferError('server', `The server answered ${state.t} to blob_put.`);
      if (state.done) return;
      const first = Math.floor(state.have / C);
      let acked = first;
      onProgress?.({ done: Math.min(first * ref.chunk, ref.size), total: ref.size });
      const waitAck = async (): Promise<void> => {
        const ack = await next();
        if (ack.t !== 'blob_ack') throw new FileTransferError('server', `The server answered ${ack.t} to a chunk.`);
        // Acks come in order; a repeated ack (of a resend) is harmless.
        if (ack.i >= acked) acked = ack.i + 1;
        onProgress?.({ done: Math.min(acked * ref.chunk, ref.size), total: ref.size });
      };
      const file = await open(path, 'r');
      try {
        // Every chunk is read into one buffer and sealed into another: send() encodes
        // (copies) the frame before it returns. New buffers per chunk (a read stream,
        // then rechunk, then the cipher's output) were 4 MiB of garbage per MiB sent,
        // and the process stayed about 40 MB larger for it (bench:files).
        const plain = new Uint8Array(ref.chunk);
        const sealed = new Uint8Array(C);
        for (let index = first; index < total; index++) {
          if (signal?.aborted) throw new FileTransferError('cancelled', 'The file transfer was cancelled.');
          const at = index * ref.chunk;
          const length = Math.min(ref.chunk, ref.size - at);
          if ((await readAt(file, plain, length, at)) < length) throw new FileTransferError('changed', 'The file shrank while it was being sent.');
          const last = index === total - 1;
          // The last chunk seals the blob: a file that grew meanwhile is not sent as complete.
          if (last && (await readAt(file, sealed, 1, ref.size)) > 0) throw new FileTransferError('changed', 'The file grew while it was being sent.');
          while (index - acked >= UPLOAD_WINDOW) await waitAck();
          const n = sealChunkInto(ref.key, index, last, plain.subarray(0, length), sealed);
          this.send({ t: 'blob_chunk', room: ref.room, blob: ref.blob, i: index, data: sealed.subarray(0, n) });
          garbageMoved(n);
        }
      } finally {
        await file.close();
      }
      while (acked < total) await waitAck();
    });
  }

  /**
   * Downloads, decrypts and checks the file into `out`: bytes go to
   * `out + ".part"` (an earlier partial download is continued from its last
   * whole chunk), which is renamed to `out` only once the length and SHA-256
   * match. A damaged, truncated or tampered blob removes the partial file, and
   * so does a cancel through `signal` (a user who cancels wants nothing left).
   */
  download(ref: FileRef & { sha256: Uint8Array }, out: string, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<void> {
    const C = ref.chunk + TAG_BYTES;
    const size = cipherSize(ref.size, ref.chunk);
    const total = chunkCount(ref.size, ref.chunk);
    const partPath = `${out}.part`;
    return this.session(ref, signal, async (next) => {
      closeSync(openSync(partPath, 'a', 0o600)); // create it if missing, keep it if resuming
      const fd = openSync(partPath, 'r+');
      let keepPart = true;
      try {
        // Resume from the last whole chunk already written, hashing what is kept.
        const kept = Math.min(Math.floor(fstatSync(fd).size / ref.chunk), total - 1);
        ftruncateSync(fd, kept * ref.chunk);
        const hash = createHash('sha256');
        const buffer = new Uint8Array(Math.min(ref.chunk, 1024 * 1024));
        for (let at = 0; at < kept * ref.chunk; ) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, kept * ref.chunk - at), at);
          if (n <= 0) break;
          hash.update(buffer.subarray(0, n));
          at += n;
        }
        let index = kept;
        let written = kept * ref.chunk;
        onProgress?.({ done: written, total: ref.size });
        this.send({ t: 'blob_get', room: ref.room, blob: ref.blob, offset: kept * C });
        // One ciphertext chunk is gathered at a time and decrypted synchronously, so memory stays flat.
        const pending = new Uint8Array(C);
        let filled = 0;
        /** Decrypts one whole ciphertext chunk and appends its plaintext to the .part file. */
        const take = (sealed: Uint8Array): void => {
          const plain = openChunk(ref.key, index, index === total - 1, sealed);
          if (!plain) {
            keepPart = false;
            throw new FileTransferError('damaged', `Part ${index + 1} of the file does not decrypt: it was changed or damaged.`);
          }
          for (let w = 0; w < plain.length; ) w += writeSync(fd, plain, w, Math.min(WRITE_PIECE, plain.length - w), written + w);
          hash.update(plain);
          written += plain.length;
          index++;
          garbageMoved(sealed.length);
          onProgress?.({ done: written, total: ref.size });
        };
        let expectAt = kept * C;
        for (;;) {
          const piece = await next();
          // Acks still in flight from an upload of this blob that failed on our side.
          if (piece.t === 'blob_ack') continue;
          if (piece.t !== 'blob_data') throw new FileTransferError('server', `The server answered ${piece.t} to a download.`);
          // A piece at another offset is left over from an earlier request for this blob
          // (one that failed on our side); blobs never change, so skipping it loses nothing.
          if (piece.offset !== expectAt) continue;
          expectAt += piece.data.length;
          let at = 0;
          while (at < piece.data.length) {
            const want = Math.min(C, size - index * C);
            if (filled === 0 && piece.data.length - at >= want) {
              // The usual case, a piece holding whole chunks: decrypt in place, no copy.
              take(piece.data.subarray(at, at + want));
              at += want;
              continue;
            }
            const n = Math.min(want - filled, piece.data.length - at);
            pending.set(piece.data.subarray(at, at + n), filled);
            filled += n;
            at += n;
            if (filled === want) {
              take(pending.subarray(0, want));
              filled = 0;
            }
          }
          if (piece.last) break;
        }
        if (index !== total || written !== ref.size) {
          keepPart = false;
          throw new FileTransferError('damaged', 'The file on the server is shorter than its message says: it is incomplete.');
        }
        const digest = new Uint8Array(hash.digest());
        if (Buffer.compare(digest, ref.sha256) !== 0) {
          keepPart = false;
          throw new FileTransferError('damaged', 'The downloaded file does not match its SHA-256: it was not saved.');
        }
        closeSync(fd);
        renameSync(partPath, out);
        return;
      } catch (error) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
        // A blob the server does not hold (deleted, expired) cannot be resumed: its partial file is removed too.
        const gone = error instanceof FileTransferError && (error.code === 'cancelled' || error.serverCode === 'no_blob');
        if (!keepPart || gone) rmSync(partPath, { force: true });
        throw error;
      }
    });
  }
}
