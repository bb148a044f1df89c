// The deletion token of PROTOCOL.md section 11.1 against the vectors written from node:crypto by test/vectors/gen-conversation-v1.ts.

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deletionHash, deletionKey, deletionToken } from '../../client/deletion';

interface DeletionVector {
  name: string;
  seed: string;
  room: string;
  cid: string;
  delete_key: string;
  token: string;
  del: string;
}

const vectors = (JSON.parse(readFileSync(join(import.meta.dir, '..', 'vectors', 'conversation-v1.json'), 'utf8')) as { deletion: DeletionVector[] }).deletion;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe('deletion token (section 11.1)', () => {
  test('there are vectors to check', () => expect(vectors.length).toBeGreaterThanOrEqual(5));

  for (const v of vectors) {
    test(`vector: ${v.name}`, () => {
      const seed = unhex(v.seed);
      expect(hex(deletionKey(seed))).toBe(v.delete_key);
      const token = deletionToken(seed, v.room, v.cid);
      expect(hex(token)).toBe(v.token);
      expect(hex(deletionHash(token))).toBe(v.del);
    });
  }

  test('the 0x00 separator keeps room "ab" + cid "12345678" apart from room "a" + cid "b12345678"', () => {
    const seed = unhex(vectors[0]!.seed);
    expect(hex(deletionToken(seed, 'ab', '12345678'))).not.toBe(hex(deletionToken(seed, 'a', 'b12345678')));
  });

  test('another identity cannot produce the token', () => {
    const v = vectors[0]!;
    const other = new Uint8Array(32).fill(7);
    expect(hex(deletionToken(other, v.room, v.cid))).not.toBe(v.token);
  });

  test('a seed that is not 32 bytes is refused', () => {
    expect(() => deletionToken(new Uint8Array(31), 'general', 'AAECAwQFBgcICQoLDA0ODw')).toThrow(RangeError);
  });
});
