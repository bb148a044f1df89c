// The chunked file encryption (client/files/stream-crypto.ts) as runner-neutral cases: vectors from
// test/vectors/files-v1.json, round trips, and every way a stream must fail; run on Bun and on Node.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TAG_BYTES, chunkNonce, cipherSize, newFileKey } from '../../client/files/stream-crypto';
import { StreamCryptoError, decryptStream, encryptStream, type StreamCryptoErrorCode } from '../support/file-stream';

interface SmallVector {
  name: string;
  key: string;
  chunk: number;
  plaintext: string;
  sha256: string;
  chunks: string[];
}
interface LargeVector {
  name: string;
  key: string;
  chunk: number;
  plaintext_pattern: { length: number; seed: number };
  sha256: string;
  chunks: { length: number; sha256: string; tag: string }[];
}
interface FileVectors {
  nonces: { index: number; last: boolean; nonce: string }[];
  small: SmallVector[];
  large: LargeVector[];
}

export interface Case {
  name: string;
  run: () => Promise<void>;
}

const vectors = JSON.parse(readFileSync(join(__dirname, '..', 'vectors', 'files-v1.json'), 'utf8')) as FileVectors;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let j = 0; j < length; j++) b[j] = (j * 7 + seed) % 251;
  return b;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const piece of source) out.push(piece.slice());
  return out;
}

const join2 = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Slices of awkward sizes, so chunk boundaries never line up with input boundaries. */
function* sliced(bytes: Uint8Array, sizes: number[] = [1, 7, 4096, 65537, 3]): Generator<Uint8Array> {
  let at = 0;
  let k = 0;
  while (at < bytes.length) {
    const n = sizes[k++ % sizes.length] ?? 1;
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function expectFailure(code: StreamCryptoErrorCode, key: Uint8Array, chunk: number, chunks: Uint8Array[]): Promise<void> {
  await assert.rejects(collect(decryptStream(key, chunk, chunks)), (error: unknown) => {
    assert.ok(error instanceof StreamCryptoError, `expected a StreamCryptoError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

async function sealed(key: Uint8Array, chunk: number, plaintext: Uint8Array): Promise<Uint8Array[]> {
  return collect(encryptStream(key, chunk, [plaintext]));
}

export function fileCryptoCases(): Case[] {
  const cases: Case[] = [];
  for (const v of vectors.nonces) {
    cases.push({
      name: `nonce of chunk ${v.index} (last ${v.last}) is the counter in 11 big-endian bytes and the flag`,
      run: async () => assert.equal(toHex(chunkNonce(v.index, v.last)), v.nonce),
    });
  }
  for (const v of vectors.small) {
    cases.push({
      name: `vector "${v.name}": encrypts to the vector's chunks and decrypts back`,
      run: async () => {
        const key = hex(v.key);
        const chunks = await collect(encryptStream(key, v.chunk, sliced(hex(v.plaintext), [1, 2, 5])));
        assert.deepEqual(chunks.map(toHex), v.chunks);
        const plain = join2(await collect(decryptStream(key, v.chunk, v.chunks.map(hex))));
        assert.equal(toHex(plain), v.plaintext);
        assert.equal(sha(plain), v.sha256);
      },
    });
  }
  for (const v of vectors.large) {
    cases.push({
      name: `vector "${v.name}": chunk lengths, hashes and tags match`,
      run: async () => {
        const key = hex(v.key);
        const plain = pattern(v.plaintext_pattern.length, v.plaintext_pattern.seed);
        assert.equal(sha(plain), v.sha256);
        const chunks = await collect(encryptStream(key, v.chunk, sliced(plain)));
        assert.deepEqual(
          chunks.map((c) => ({ length: c.length, sha256: sha(c), tag: toHex(c.subarray(c.length - TAG_BYTES)) })),
          v.chunks,
        );
        const back = join2(await collect(decryptStream(key, v.chunk, sliced(join2(chunks), [65599, 13]))));
        assert.equal(sha(back), v.sha256);
      },
    });
  }
  cases.push({
    name: 'round trip of random sizes around chunk boundaries, with the blob size the protocol states',
    run: async () => {
      const chunk = 1000;
      for (const size of [0, 1, 999, 1000, 1001, 2000, 2999, 5432]) {
        const key = newFileKey();
        const plain = new Uint8Array(randomBytes(size));
        const chunks = await collect(encryptStream(key, chunk, sliced(plain, [333, 1, 2048])));
        assert.equal(chunks.reduce((n, c) => n + c.length, 0), cipherSize(size, chunk), `size ${size}`);
        const back = join2(await collect(decryptStream(key, chunk, sliced(join2(chunks), [17, 5000]))));
        assert.deepEqual(back, plain, `size ${size}`);
      }
    },
  });
  cases.push({
    name: 'a range starting at chunk i decrypts on its own (firstIndex), in the middle (toEnd false) and to the end',
    run: async () => {
      const key = newFileKey();
      const plain = new Uint8Array(randomBytes(4500));
      const chunks = await collect(encryptStream(key, 1000, [plain]));
      const middle = join2(await collect(decryptStream(key, 1000, chunks.slice(1, 3), { firstIndex: 1, toEnd: false })));
      assert.deepEqual(middle, plain.subarray(1000, 3000));
      const tail = join2(await collect(decryptStream(key, 1000, chunks.slice(3), { firstIndex: 3 })));
      assert.deepEqual(tail, plain.subarray(3000));
    },
  });
  cases.push({
    name: 'must not decrypt reordered chunks',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(350)));
      await expectFailure('tampered', key, 100, [c[1]!, c[0]!, c[2]!, c[3]!]);
    },
  });
  cases.push({
    name: 'must not decrypt a repeated chunk',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(350)));
      await expectFailure('tampered', key, 100, [c[0]!, c[1]!, c[1]!, c[2]!, c[3]!]);
    },
  });
  cases.push({
    name: 'must not accept a stream truncated at a chunk boundary',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(350)));
      await expectFailure('truncated', key, 100, c.slice(0, 2));
    },
  });
  cases.push({
    name: 'must not accept a stream truncated inside a chunk, nor an empty stream',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(350)));
      await expectFailure('truncated', key, 100, [c[0]!, c[1]!.subarray(0, 10)]);
      await expectFailure('truncated', key, 100, []);
    },
  });
  cases.push({
    name: 'must not accept bytes after the last chunk',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(200)));
      await expectFailure('trailing', key, 100, [...c, c[0]!]);
    },
  });
  cases.push({
    name: 'must not decrypt a tampered byte, nor under another key',
    run: async () => {
      const key = newFileKey();
      const c = await sealed(key, 100, new Uint8Array(randomBytes(350)));
      const bad = c.map((x) => x.slice());
      bad[2]![5]! ^= 1;
      await expectFailure('tampered', key, 100, bad);
      await expectFailure('tampered', newFileKey(), 100, c);
    },
  });
  cases.push({
    name: 'refuses a key that is not 32 bytes',
    run: async () => {
      await assert.rejects(collect(encryptStream(new Uint8Array(16), 100, [new Uint8Array(1)])), StreamCryptoError);
    },
  });
  return cases;
}
