// MessagePack bodies (PROTOCOL.md section 1): encoding frames and decoding untrusted bytes.

import { Decoder, Encoder } from '@msgpack/msgpack';
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

/** Encodes a frame with its length prefix, ready to write to a socket. */
export function encodeFrameBody(frame: ClientFrame | ServerFrame): Uint8Array {
  // A view of the encoder's buffer is enough: encodeFrame copies it behind the prefix
  // before the next call can reuse the buffer (one copy of the envelope, not two).
  return encodeFrame(encoder.encodeSharedRef(frame));
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
