// Length-prefixed framing (PROTOCOL.md section 1): a resumable decoder that takes
// chunks as they arrive and checks each declared length before buffering a byte of it.

import { concat } from './bytes';
import { FRAME_HEADER_BYTES } from './constants';

/** Prefixes a body with its 4-byte big-endian length. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + body.length);
  // Byte by byte rather than through a DataView: reading `.buffer` makes the
  // engine materialise an ArrayBuffer per frame, a measurable cost per message.
  const n = body.length;
  frame[0] = (n >>> 24) & 0xff;
  frame[1] = (n >>> 16) & 0xff;
  frame[2] = (n >>> 8) & 0xff;
  frame[3] = n & 0xff;
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

export type FramingError =
  | { kind: 'too_large'; length: number }
  | { kind: 'empty' };

export interface PushResult {
  /** Complete bodies, in order. */
  frames: Uint8Array[];
  /** Set once the stream is unusable; every later push returns it again and no frames. */
  error?: FramingError;
}

/**
 * Largest body gathered into one buffer of its declared length from its first
 * bytes on (each piece copied once) instead of piece by piece and joined at
 * the end (each piece copied twice). A 1 MiB file chunk arrives in several
 * socket reads, and the second copy was a quarter of a file download's
 * garbage (bench:files: with it gone, the CLI's peak fell by about 8 MB and
 * uploads got faster). The cost: a peer that declares such a body and stops
 * sending pins up to this much per connection, instead of what it sent.
 */
export const GATHER_WHOLE_BYTES = 2 * 1024 * 1024;

/**
 * Splits a byte stream into frame bodies. "Need more bytes" is not an error: a
 * partial header or body is kept until the next chunk. A declared length over
 * `maxBody` (or zero) fails the stream at once, so an attacker can never make
 * the decoder buffer more than one maximal frame.
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** Declared length of the frame being read, or 0 while reading a header. */
  private bodyLength = 0;
  /** Received parts of a body over GATHER_WHOLE_BYTES; memory follows what arrived, not what was declared. */
  private parts: Uint8Array[] = [];
  /** A body of at most GATHER_WHOLE_BYTES that spans chunks, with its headroom, filled as it arrives. */
  private whole: Uint8Array | undefined;
  private bodyFilled = 0;
  private failure: FramingError | undefined;

  /**
   * `headroom`: each body is handed over as a view at offset `headroom` of an
   * ArrayBuffer of its own, whose first `headroom` bytes are free: a relay can
   * write a new frame header in front of bytes at the body's end (a forwarded
   * envelope) instead of copying them into a new frame.
   */
  constructor(
    private maxBody: number,
    private readonly headroom = 0,
  ) {}

  /** The largest body accepted from the next frame header on (a frame already being read keeps its limit). */
  get limit(): number {
    return this.maxBody;
  }

  set limit(maxBody: number) {
    this.maxBody = maxBody;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.headerFilled + this.bodyFilled;
  }

  /**
   * Splits what arrived into frame bodies. With `onFrame`, each body is handed
   * over as soon as it is complete, before the next header is read (so handling
   * a frame can change `limit` for the next one) and the result lists none.
   */
  push(chunk: Uint8Array, onFrame?: (body: Uint8Array) => void): PushResult {
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (!this.failure && offset < chunk.length) {
      if (this.bodyLength === 0) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < FRAME_HEADER_BYTES) break;
        const h = this.header;
        // Unsigned big-endian; `* 2 ** 24` instead of `<< 24` keeps values above 2^31 positive.
        const length = (h[0] ?? 0) * 2 ** 24 + (((h[1] ?? 0) << 16) | ((h[2] ?? 0) << 8) | (h[3] ?? 0));
        this.headerFilled = 0;
        if (length === 0) this.failure = { kind: 'empty' };
        else if (length > this.maxBody) this.failure = { kind: 'too_large', length };
        else this.bodyLength = length;
      } else {
        const take = Math.min(this.bodyLength - this.bodyFilled, chunk.length - offset);
        if (this.whole === undefined && this.bodyFilled === 0 && take < this.bodyLength && this.bodyLength <= GATHER_WHOLE_BYTES) {
          this.whole = new Uint8Array(this.headroom + this.bodyLength);
        }
        if (this.whole !== undefined) {
          this.whole.set(chunk.subarray(offset, offset + take), this.headroom + this.bodyFilled);
        } else if (this.headroom > 0 && take === this.bodyLength) {
          // The whole body is in this chunk: one copy, straight behind the headroom.
          const own = new Uint8Array(this.headroom + take);
          own.set(chunk.subarray(offset, offset + take), this.headroom);
          this.parts.push(own.subarray(this.headroom));
        } else {
          // Copy: the caller may reuse its chunk buffer after push returns. Called
          // through the prototype because Node's Buffer#slice returns a view, not a copy.
          this.parts.push(Uint8Array.prototype.slice.call(chunk, offset, offset + take));
        }
        this.bodyFilled += take;
        offset += take;
        if (this.bodyFilled === this.bodyLength) {
          // A single part already has its headroom (or none is wanted).
          const [only] = this.parts;
          const body = this.whole
            ? this.whole.subarray(this.headroom)
            : only && this.parts.length === 1
              ? only
              : concat(this.parts, this.bodyLength, this.headroom);
          this.whole = undefined;
          this.parts = [];
          this.bodyLength = 0;
          this.bodyFilled = 0;
          if (onFrame) onFrame(body);
          else frames.push(body);
        }
      }
    }
    return this.failure ? { frames, error: this.failure } : { frames };
  }
}
