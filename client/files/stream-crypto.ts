// Chunked file encryption (PROTOCOL.md section 9.2): age's STREAM payload construction with AES-256-GCM, one chunk at a time so no whole file is ever held
// (the whole-stream form the tests use against the vectors is test/support/file-stream.ts).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const FILE_KEY_BYTES = 32;
export const TAG_BYTES = 16;
/** Plaintext chunk sizes a `file` body may use; the construction itself works with any size >= 1. */
export const MIN_FILE_CHUNK = 64 * 1024;
export const MAX_FILE_CHUNK = 1024 * 1024;
export const DEFAULT_FILE_CHUNK = MAX_FILE_CHUNK;
/** age's counter is 11 bytes; a JavaScript integer reaches 2^53, far beyond any file we allow. */
const COUNTER_BYTES = 11;

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
