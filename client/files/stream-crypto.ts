// Chunked file encryption (PROTOCOL.md section 9.2): age's STREAM payload construction with AES-256-GCM, streaming so no whole file is ever held.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const FILE_KEY_BYTES = 32;
export const TAG_BYTES = 16;
/** Plaintext chunk sizes a `file` body may use; the construction itself works with any size >= 1. */
export const MIN_FILE_CHUNK = 64 * 1024;
export const MAX_FILE_CHUNK = 1024 * 1024;
export const DEFAULT_FILE_CHUNK = MAX_FILE_CHUNK;
/** age's counter is 11 bytes; a JavaScript integer reaches 2^53, far beyond any file we allow. */
const COUNTER_BYTES = 11;

export type StreamCryptoErrorCode = 'tampered' | 'truncated' | 'trailing' | 'bad_key' | 'bad_chunk_size' | 'bad_size';

/** A stream that did not decrypt; `code` says how, the message is a sentence. */
export class StreamCryptoError extends Error {
  constructor(
    readonly code: StreamCryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StreamCryptoError';
  }
}

export function newFileKey(): Uint8Array {
  return new Uint8Array(randomBytes(FILE_KEY_BYTES));
}

/** nonce_i = uint88_be(i) || last flag (age-encryption.org/v1, "Payload"). */
export function chunkNonce(index: number, last: boolean): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`chunk index ${index} is not a non-negative integer`);
  const nonce = new Uint8Array(COUNTER_BYTES + 1);
  let rest = index;
  for (let at = COUNTER_BYTES - 1; at >= 0 && rest > 0; at--) {
    nonce[at] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  nonce[COUNTER_BYTES] = last ? 1 : 0;
  return nonce;
}

/** Number of chunks of a plaintext: at least one (an empty file is one empty last chunk). */
export function chunkCount(plainSize: number, chunk: number): number {
  return Math.max(1, Math.ceil(plainSize / chunk));
}

/** Ciphertext (blob) size of a plaintext: one tag per chunk. */
export function cipherSize(plainSize: number, chunk: number): number {
  return plainSize + TAG_BYTES * chunkCount(plainSize, chunk);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== FILE_KEY_BYTES) throw new StreamCryptoError('bad_key', `a file key is ${FILE_KEY_BYTES} bytes, not ${key.length}`);
}

function checkChunk(chunk: number): void {
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new StreamCryptoError('bad_chunk_size', `chunk size ${chunk} is not a positive integer`);
}

/** Seals one chunk. */
export function sealChunk(key: Uint8Array, index: number, last: boolean, plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + TAG_BYTES);
  sealChunkInto(key, index, last, plain, out);
  return out;
}

/**
 * Seals one chunk into `out` (at least `plain.length + 16` bytes) and returns
 * the sealed length: an upload seals every chunk into one buffer instead of a
 * new one each, which keeps its memory flat (see transfer.ts).
 */
export function sealChunkInto(key: Uint8Array, index: number, last: boolean, plain: Uint8Array, out: Uint8Array): number {
  if (out.length < plain.length + TAG_BYTES) throw new RangeError(`a sealed chunk of ${plain.length} bytes needs ${plain.length + TAG_BYTES} bytes, not ${out.length}`);
  const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(index, last));
  const head = cipher.update(plain);
  out.set(head, 0);
  const tail = cipher.final();
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return head.length + tail.length + TAG_BYTES;
}

/** Opens one chunk, or returns null if its tag fails under this index and flag. */
export function openChunk(key: Uint8Array, index: number, last: boolean, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    const tail = decipher.final();
    if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.length);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  } catch {
    return null;
  }
}

/**
 * Cuts a stream of byte slices of any length into pieces of exactly `size`
 * bytes (the last may be shorter, and is empty only if the stream was empty).
 * Holds at most one piece.
 */
export async function* rechunk(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let piece = new Uint8Array(size);
  let filled = 0;
  let any = false;
  for await (const slice of source) {
    let at = 0;
    while (at < slice.length) {
      const take = Math.min(size - filled, slice.length - at);
      piece.set(slice.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === size) {
        any = true;
        yield piece;
        piece = new Uint8Array(size);
        filled = 0;
      }
    }
  }
  if (filled > 0 || !any) yield piece.subarray(0, filled);
}

/** Yields each item with whether it is the last one, looking one item ahead. */
async function* withLast<T>(source: AsyncIterable<T>): AsyncGenerator<[T, boolean]> {
  const it = source[Symbol.asyncIterator]();
  let current = await it.next();
  while (!current.done) {
    const next = await it.next();
    yield [current.value, next.done === true];
    current = next;
  }
}

/**
 * Encrypts a plaintext stream (slices of any length) into ciphertext chunks of
 * `chunk + 16` bytes (the last shorter), one at a time.
 */
export async function* encryptStream(
  key: Uint8Array,
  chunk: number,
  plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  /** Counter of the first chunk, when resuming from chunk `firstIndex` of the file (default 0). */
  firstIndex = 0,
): AsyncGenerator<Uint8Array> {
  checkKey(key);
  checkChunk(chunk);
  let index = firstIndex;
  for await (const [piece, last] of withLast(rechunk(plaintext, chunk))) {
    yield sealChunk(key, index, last, piece);
    index++;
  }
}

export interface DecryptOptions {
  /** Counter of the first chunk when decrypting a range that starts at chunk `firstIndex` (default 0). */
  firstIndex?: number;
  /**
   * Whether the stream runs to the end of the blob (default true): then its
   * final chunk must carry the last flag. False for a range in the middle.
   */
  toEnd?: boolean;
}

/**
 * Decrypts ciphertext (slices of any length) chunk by chunk and yields the
 * plaintext of each chunk once its tag checked. Throws StreamCryptoError on a
 * changed, reordered, repeated or missing chunk, a truncated stream, or bytes
 * after the last chunk; whatever was yielded before stays authentic.
 */
export async function* decryptStream(
  key: Uint8Array,
  chunk: number,
  ciphertext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecryptOptions = {},
): AsyncGenerator<Uint8Array> {
  checkKey(key);
  checkChunk(chunk);
  const toEnd = options.toEnd ?? true;
  let index = options.firstIndex ?? 0;
  let sawLast = false;
  for await (const [sealed, endOfInput] of withLast(rechunk(ciphertext, chunk + TAG_BYTES))) {
    if (sawLast) throw new StreamCryptoError('trailing', `there are bytes after the last chunk (at chunk ${index})`);
    if (sealed.length < TAG_BYTES) {
      throw new StreamCryptoError('truncated', `the file ends inside chunk ${index}: it is incomplete`);
    }
    const full = sealed.length === chunk + TAG_BYTES;
    // A short chunk can only be the last; a full one is the last only where the stream ends.
    const mayBeLast = toEnd ? endOfInput : !full;
    let plain = openChunk(key, index, mayBeLast, sealed);
    if (plain === null && full && !endOfInput) {
      // A full chunk sealed as last in the middle of the stream: more follows it, so it is trailing data.
      if (openChunk(key, index, true, sealed)) {
        throw new StreamCryptoError('trailing', `chunk ${index} is the last of the file, but more bytes follow it`);
      }
    }
    if (plain === null) {
      if (toEnd && endOfInput && openChunk(key, index, false, sealed)) {
        throw new StreamCryptoError('truncated', `the file stops after chunk ${index}, which is not its last: it is incomplete`);
      }
      throw new StreamCryptoError(
        'tampered',
        `chunk ${index} does not decrypt: it was changed, reordered or repeated, or the key is wrong`,
      );
    }
    if (mayBeLast) sawLast = true;
    yield plain;
    index++;
  }
}
