// The length-prefixed framing of PROTOCOL.md section 1: parse, generate, round trip, a split at every byte, limits, fuzz.

import { describe, expect, test } from 'bun:test';
import { decodeBody, encodeBody, encodeFrameBody, encodeFrameBodyInPlace } from '../../protocol/codec';
import { concat } from '../../protocol/bytes';
import { FrameDecoder, GATHER_WHOLE_BYTES, encodeFrame } from '../../protocol/framing';
import { prng } from '../support/prng';

/** Fixtures: a body and its exact bytes on the wire. */
const FIXTURES: { name: string; body: number[]; wire: number[] }[] = [
  { name: 'one byte', body: [0xc0], wire: [0, 0, 0, 1, 0xc0] },
  { name: 'ping n=7 as MessagePack', body: [0x82, 0xa1, 0x74, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xa1, 0x6e, 0x07], wire: [0, 0, 0, 11, 0x82, 0xa1, 0x74, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xa1, 0x6e, 0x07] },
];

describe('encodeFrame (generate)', () => {
  for (const f of FIXTURES) {
    test(`${f.name}: a 4-byte big-endian length, then the body`, () => {
      expect([...encodeFrame(new Uint8Array(f.body))]).toEqual(f.wire);
    });
  }

  test('a length above 2^24 uses all four prefix bytes', () => {
    const frame = encodeFrame(new Uint8Array(0x01020304));
    expect([...frame.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
  });

  test('encodeFrameBody equals encodeFrame(encodeBody(...)) and leaves absent fields out', () => {
    const frame = { t: 'history', room: 'general', before: undefined, limit: 5 } as const;
    const bytes = encodeFrameBody(frame);
    expect(bytes).toEqual(encodeFrame(encodeBody({ t: 'history', room: 'general', limit: 5 })));
    expect(decodeBody(bytes.subarray(4))).toEqual({ t: 'history', room: 'general', limit: 5 });
  });

  test('frames with a large env (copied once, straight into the frame) are byte for byte what the encoder writes', () => {
    // Around each bin header size change (bin 8/16/32) and the 4096-byte switch to the direct path.
    for (const size of [4095, 4096, 4097, 65535, 65536, 65537, 1_000_000]) {
      const env = new Uint8Array(size);
      for (let i = 0; i < size; i += 97) env[i] = i & 0xff;
      const msg = { t: 'msg', room: 'general', id: 2 ** 40 + 3, ts: 1_700_000_000_000, cid: 'AAAAAAAAAAAAAAAAAAAAAA', env } as const;
      expect(encodeFrameBody(msg)).toEqual(encodeFrame(encodeBody(msg)));
      const send = { t: 'send', room: 'r', cid: 'c'.repeat(22), env } as const;
      expect(encodeFrameBody(send)).toEqual(encodeFrame(encodeBody(send)));
      expect(decodeBody(encodeFrameBody(send).subarray(4))).toEqual(send);
    }
  });

  test('blob frames with large data (copied once, straight into the frame) are byte for byte what the encoder writes with data last', () => {
    for (const size of [4095, 4096, 65536, 1024 * 1024 + 16]) {
      const data = Uint8Array.from({ length: size }, (_, i) => (i * 13) & 0xff);
      const chunk = { t: 'blob_chunk', room: 'general', blob: 'AAECAwQFBgcICQoLDA0ODw', i: 7, data } as const;
      expect(encodeFrameBody(chunk)).toEqual(encodeFrame(encodeBody(chunk)));
      const piece = { t: 'blob_data', room: 'general', blob: 'AAECAwQFBgcICQoLDA0ODw', offset: 2 ** 33, last: true, data } as const;
      expect(encodeFrameBody(piece)).toEqual(encodeFrame(encodeBody(piece)));
      // Written in another key order, the frame decodes to the same fields (a map's order carries no meaning).
      const reordered = { t: 'blob_data', room: 'general', blob: 'AAECAwQFBgcICQoLDA0ODw', offset: 5, data, last: false } as const;
      expect(decodeBody(encodeFrameBody(reordered).subarray(4))).toEqual(reordered);
    }
  });

  test('a relayed msg is written in front of the envelope inside the received send (decoder headroom), byte for byte as encoded', () => {
    for (const size of [4096, 65535, 100_000]) {
      const env = Uint8Array.from({ length: size }, (_, i) => (i * 7) & 0xff);
      const cid = 'B'.repeat(22);
      const room = 'r'.repeat(64);
      const wire = encodeFrameBody({ t: 'send', room, cid, env });
      // Whole frame in one chunk, and split in two chunks (the body is then assembled from parts).
      for (const chunks of [[wire], [wire.subarray(0, 40), wire.subarray(40)]]) {
        const decoder = new FrameDecoder(1 << 20, 128);
        const bodies = chunks.flatMap((c) => decoder.push(c).frames);
        const body = bodies[0];
        if (!body) throw new Error('no body');
        expect(body.byteOffset).toBe(128);
        expect(body.buffer.byteLength).toBe(128 + body.length);
        const send = decodeBody(body) as { env: Uint8Array };
        const msg = { t: 'msg', room, id: 2 ** 40, ts: 1_700_000_000_000, cid, env: send.env } as const;
        const expected = encodeFrame(encodeBody({ ...msg, env }));
        const inPlace = encodeFrameBodyInPlace(msg);
        expect(inPlace).toEqual(expected);
        // No copy: the frame shares the received body's memory, ending where the envelope ends.
        expect(inPlace.buffer).toBe(body.buffer);
        expect(inPlace.byteOffset + inPlace.length).toBe(send.env.byteOffset + send.env.length);
      }
    }
    // Without room in front (no headroom), it falls back to a copy with the same bytes.
    const env = new Uint8Array(5000).fill(3);
    const plain = { t: 'msg', room: 'x', id: 1, ts: 2, cid: 'C'.repeat(22), env } as const;
    const copied = encodeFrameBodyInPlace(plain);
    expect(copied).toEqual(encodeFrame(encodeBody(plain)));
    expect(copied.buffer).not.toBe(env.buffer);
  });
});

describe('FrameDecoder (parse)', () => {
  for (const f of FIXTURES) {
    test(`${f.name}: parses in one chunk`, () => {
      const { frames, error } = new FrameDecoder(1024).push(new Uint8Array(f.wire));
      expect(error).toBeUndefined();
      expect(frames.map((b) => [...b])).toEqual([f.body]);
    });

    test(`${f.name}: a split at every byte gives the same frame`, () => {
      const wire = new Uint8Array(f.wire);
      for (let cut = 0; cut <= wire.length; cut++) {
        const decoder = new FrameDecoder(1024);
        const first = decoder.push(wire.subarray(0, cut)).frames;
        const second = decoder.push(wire.subarray(cut)).frames;
        expect([...first, ...second].map((b) => [...b])).toEqual([f.body]);
      }
    });
  }

  test('one byte at a time through many frames, then the same stream in one chunk', () => {
    const bodies = Array.from({ length: 20 }, (_, i) => encodeBody({ t: 'ping', n: i, pad: 'x'.repeat(i * 13) }));
    const wire = concat(bodies.map(encodeFrame));
    const decoder = new FrameDecoder(1 << 20);
    const got: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...decoder.push(wire.subarray(i, i + 1)).frames);
    expect(got).toEqual(bodies);
    expect(decoder.buffered).toBe(0);
    expect(new FrameDecoder(1 << 20).push(wire).frames).toEqual(bodies);
  });

  test('need-more-bytes is not an error: a partial header or body is kept', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(new Uint8Array([0, 0]))).toEqual({ frames: [] });
    expect(decoder.buffered).toBe(2);
    expect(decoder.push(new Uint8Array([0, 3, 1]))).toEqual({ frames: [] });
    expect(decoder.push(new Uint8Array([2, 3]))).toEqual({ frames: [new Uint8Array([1, 2, 3])] });
  });

  test('round trip: random bodies in random chunks come out whole and in order', () => {
    const rand = prng(42);
    for (let round = 0; round < 50; round++) {
      const bodies = Array.from({ length: 1 + Math.floor(rand() * 10) }, () =>
        Uint8Array.from({ length: 1 + Math.floor(rand() * 3000) }, () => Math.floor(rand() * 256)),
      );
      const wire = concat(bodies.map(encodeFrame));
      const decoder = new FrameDecoder(4096);
      const got: Uint8Array[] = [];
      for (let at = 0; at < wire.length; ) {
        const size = 1 + Math.floor(rand() * 700);
        got.push(...decoder.push(wire.subarray(at, at + size)).frames);
        at += size;
      }
      expect(got).toEqual(bodies);
    }
  });

  test('copies its input: a chunk buffer (even a Node Buffer) reused by the caller does not change a frame', () => {
    const decoder = new FrameDecoder(100);
    const chunk = Buffer.from([0, 0, 0, 4, 1, 2]);
    expect(decoder.push(chunk).frames).toEqual([]);
    chunk.fill(0xee);
    const rest = Buffer.from([3, 4]);
    const [frame] = decoder.push(rest).frames;
    rest.fill(0xee);
    expect([...(frame ?? [])]).toEqual([1, 2, 3, 4]);
  });
});

describe('FrameDecoder bodies that span chunks', () => {
  // Up to GATHER_WHOLE_BYTES a body goes into one buffer of its declared length as it arrives; above, piece by piece.
  for (const size of [GATHER_WHOLE_BYTES - 1, GATHER_WHOLE_BYTES, GATHER_WHOLE_BYTES + 1]) {
    test(`a body of ${size} bytes in 64 KiB chunks that are reused after each push arrives whole, behind its headroom`, () => {
      const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff);
      const wire = encodeFrame(body);
      const decoder = new FrameDecoder(4 * 1024 * 1024, 16);
      const chunk = new Uint8Array(64 * 1024);
      const bodies: Uint8Array[] = [];
      for (let at = 0; at < wire.length; at += chunk.length) {
        const n = Math.min(chunk.length, wire.length - at);
        chunk.set(wire.subarray(at, at + n));
        bodies.push(...decoder.push(chunk.subarray(0, n)).frames);
        chunk.fill(0xee); // the caller's buffer is reused: the decoder must have copied
        if (at + n < wire.length) expect(decoder.buffered).toBe(at + n - 4);
      }
      expect(bodies).toHaveLength(1);
      const [got] = bodies;
      expect(got?.length).toBe(size);
      expect(Buffer.from(got ?? []).equals(Buffer.from(body))).toBe(true);
      expect(got?.byteOffset).toBe(16);
      expect(got?.buffer.byteLength).toBe(16 + size);
      expect(decoder.buffered).toBe(0);
    });
  }
});

describe('FrameDecoder limits', () => {
  test('a declared length over max fails at the header, before buffering any of the body', () => {
    const decoder = new FrameDecoder(1000);
    const result = decoder.push(new Uint8Array([0, 0, 0x03, 0xe9, 1, 2, 3]));
    expect(result).toEqual({ frames: [], error: { kind: 'too_large', length: 1001 } });
    expect(decoder.buffered).toBe(0);
  });

  test('the limit can change between frames: it applies from the next header on', () => {
    const decoder = new FrameDecoder(4);
    expect(decoder.push(encodeFrame(new Uint8Array(4))).frames).toHaveLength(1);
    decoder.limit = 8;
    expect(decoder.push(encodeFrame(new Uint8Array(8))).frames).toHaveLength(1);
    decoder.limit = 2;
    expect(decoder.push(encodeFrame(new Uint8Array(3))).error).toEqual({ kind: 'too_large', length: 3 });
  });

  test('with onFrame, each frame is handed over before the next header is checked', () => {
    const decoder = new FrameDecoder(4);
    const seen: number[] = [];
    const wire = concat([encodeFrame(new Uint8Array(2)), encodeFrame(new Uint8Array(8))]);
    const result = decoder.push(wire, (body) => {
      seen.push(body.length);
      decoder.limit = 8; // as a join does
    });
    expect(result).toEqual({ frames: [] });
    expect(seen).toEqual([2, 8]);
  });

  test('exactly max is accepted', () => {
    const body = new Uint8Array(1000).fill(5);
    expect(new FrameDecoder(1000).push(encodeFrame(body)).frames).toEqual([body]);
  });

  test('frames before a bad header are still returned; the stream then stays failed', () => {
    const ok = encodeFrame(new Uint8Array([9]));
    const decoder = new FrameDecoder(10);
    const result = decoder.push(concat([ok, new Uint8Array([0xff, 0xff, 0xff, 0xff])]));
    expect(result.frames).toEqual([new Uint8Array([9])]);
    expect(result.error).toEqual({ kind: 'too_large', length: 0xffffffff });
    expect(decoder.push(ok)).toEqual({ frames: [], error: { kind: 'too_large', length: 0xffffffff } });
  });

  test('a zero length is an error (empty), not an empty frame', () => {
    expect(new FrameDecoder(10).push(new Uint8Array([0, 0, 0, 0]))).toEqual({ frames: [], error: { kind: 'empty' } });
  });

  test('fuzz: random bytes never throw, never return a frame over max, never buffer more than one frame', () => {
    const rand = prng(7);
    for (let round = 0; round < 2000; round++) {
      const max = 1 + Math.floor(rand() * 512);
      const decoder = new FrameDecoder(max);
      for (let chunk = 0; chunk < 5; chunk++) {
        const bytes = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
        const { frames } = decoder.push(bytes);
        for (const f of frames) {
          expect(f.length).toBeGreaterThan(0);
          expect(f.length).toBeLessThanOrEqual(max);
        }
        expect(decoder.buffered).toBeLessThanOrEqual(max + 4);
      }
    }
  });
});

describe('decodeBody', () => {
  test('bad bytes are a BodyDecodeError with code bad_frame', () => {
    expect(() => decodeBody(new Uint8Array([0xc1]))).toThrow(expect.objectContaining({ code: 'bad_frame' }));
  });

  test('trailing bytes after one value are refused', () => {
    expect(() => decodeBody(new Uint8Array([0xc0, 0xc0]))).toThrow(expect.objectContaining({ code: 'bad_frame' }));
  });

  test('hostile counts are refused before allocating: a map claiming 2^32-1 entries', () => {
    expect(() => decodeBody(new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'bad_frame' }));
  });

  test('fuzz: random bytes either decode or throw BodyDecodeError, never anything else', () => {
    const rand = prng(99);
    for (let round = 0; round < 5000; round++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
      try {
        decodeBody(bytes);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('bad_frame');
      }
    }
  });
});
