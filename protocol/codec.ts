// MessagePack bodies (PROTOCOL.md section 1): encoding frames and decoding untrusted bytes.

import { Decoder, Encoder } from '@msgpack/msgpack';
import { FRAME_HEADER_BYTES } from './constants';
import { encodeFrame } from './framing';
import type { ClientFrame, ServerFrame } from './frames';

// Absent optional fields are left out rather than sent as nil.
const encoder = new Encoder({ ignoreUndefined: true });
// Limits well above anything a valid frame or envelope body holds (a page has at
// most 200 messages, a map a dozen keys), so hostile counts fail fast.
const decoder = new Decoder({ maxArrayLength: 1024, maxMapLength: 64 });

/** Encodes any value as a MessagePack body (no length prefix). */
export function encodeBody(value: unknown): Uint8Array {
  // encode() already returns a copy of the shared encoder's buffer.
  return encoder.encode(value);
}

/** From this size on, an `env` (or a blob frame's `data`) is copied once, straight into the frame, rather than through the encoder's buffer. */
const DIRECT_ENV_BYTES = 4096;

/** Encodes a frame with its length prefix, ready to write to a socket. */
export function encodeFrameBody(frame: ClientFrame | ServerFrame): Uint8Array {
  if ('env' in frame && frame.env.length >= DIRECT_ENV_BYTES) {
    const { env, ...head } = frame;
    const framed = encodeWithBinLast(head, 'env', env);
    if (framed) return framed;
  }
  if ((frame.t === 'blob_chunk' || frame.t === 'blob_data') && frame.data.length >= DIRECT_ENV_BYTES) {
    // A file chunk (up to 1 MiB) likewise: one copy instead of two, `data` written last.
    const { data, ...head } = frame;
    const framed = encodeWithBinLast(head, 'data', data);
    if (framed) return framed;
  }
  // A view of the encoder's buffer is enough: encodeFrame copies it behind the prefix
  // before the next call can reuse the buffer.
  return encodeFrame(encoder.encodeSharedRef(frame));
}

/**
 * Like encodeFrameBody for a frame whose `env` is a view into memory the caller
 * owns with free bytes in front of it (a body from a FrameDecoder with headroom,
 * no longer needed once decoded): the frame's prefix is written over those bytes
 * and the frame is a view ending at `env`'s end, so the envelope is not copied at
 * all. Without room in front it encodes a copy, like encodeFrameBody.
 */
export function encodeFrameBodyInPlace(frame: (ClientFrame | ServerFrame) & { env: Uint8Array }): Uint8Array {
  // A small envelope costs less to copy than to split the frame around it.
  if (frame.env.length < DIRECT_ENV_BYTES) return encodeFrame(encoder.encodeSharedRef(frame));
  const { env, ...head } = frame;
  return encodeWithBinLast(head, 'env', env, true) ?? encodeFrame(encoder.encodeSharedRef(frame));
}

/**
 * The same bytes as encoding `{...head, [key]: bin}` with `bin` as the last entry,
 * with one copy of `bin` into a new frame, or none (`inPlace`, when there is room in
 * front of `bin` in its buffer); null when `head` is not a small map or there is no
 * room in place (then the caller encodes as usual).
 */
function encodeWithBinLast(head: Record<string, unknown>, key: string, bin: Uint8Array, inPlace = false): Uint8Array | null {
  const encodedHead = encoder.encodeSharedRef(head);
  const first = encodedHead[0] ?? 0;
  // A fixmap (0x80-0x8f) with room for one more entry, and a short ASCII key.
  if ((first & 0xf0) !== 0x80 || (first & 0x0f) === 0x0f || key.length > 31) return null;
  const n = bin.length;
  const binHeader = n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  const prefix = FRAME_HEADER_BYTES + encodedHead.length + 1 + key.length + binHeader;
  const bodyLength = prefix - FRAME_HEADER_BYTES + n;
  let frame: Uint8Array;
  if (inPlace) {
    if (bin.byteOffset < prefix) return null;
    frame = new Uint8Array(bin.buffer, bin.byteOffset - prefix, prefix + n);
  } else {
    frame = new Uint8Array(prefix + n);
    frame.set(bin, prefix);
  }
  let at = 0;
  frame[at++] = (bodyLength >>> 24) & 0xff;
  frame[at++] = (bodyLength >>> 16) & 0xff;
  frame[at++] = (bodyLength >>> 8) & 0xff;
  frame[at++] = bodyLength & 0xff;
  frame.set(encodedHead, at);
  frame[at] = first + 1;
  at += encodedHead.length;
  frame[at++] = 0xa0 | key.length; // fixstr
  for (let i = 0; i < key.length; i++) frame[at++] = key.charCodeAt(i);
  if (binHeader === 2) {
    frame[at++] = 0xc4;
  } else if (binHeader === 3) {
    frame[at++] = 0xc5;
    frame[at++] = n >>> 8;
  } else {
    frame[at++] = 0xc6;
    frame[at++] = (n >>> 24) & 0xff;
    frame[at++] = (n >>> 16) & 0xff;
    frame[at++] = (n >>> 8) & 0xff;
  }
  frame[at] = n & 0xff;
  return frame;
}

export class BodyDecodeError extends Error {
  readonly code = 'bad_frame';
}

/**
 * Decodes one untrusted MessagePack body into `unknown`. Throws BodyDecodeError
 * on bad bytes, trailing bytes, or counts over the limits above.
 */
export function decodeBody(body: Uint8Array): unknown {
  try {
    return decoder.decode(body);
  } catch (error) {
    throw new BodyDecodeError(error instanceof Error ? error.message : 'undecodable body');
  }
}
