// The whole-stream form of PROTOCOL.md section 9.2 (encrypt a plaintext stream, decrypt and check a
// ciphertext stream), built on the client's chunk primitives: the tests check it against the vectors
// and use it to make and read blobs. The client itself seals and opens chunk by chunk
// (client/files/transfer.ts), so this lives with the tests.

import { FILE_KEY_BYTES, TAG_BYTES, openChunk, sealChunkInto } from '../../client/files/stream-crypto';

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
