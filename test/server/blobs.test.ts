// Files against the real server (PROTOCOL.md section 9): encrypted blobs round trip byte for byte, resume after a dropped client and after kill -9, stay with their room's members, and never leave plaintext on disk.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cipherSize, newFileKey } from '../../client/files/stream-crypto';
import { decryptStream, encryptStream } from '../support/file-stream';
import { startServer, type TestServer } from '../support/server';
import { WireClient, randomCid, roomAuth, type RoomAuth } from '../support/wire';

/** Plaintext chunk: the protocol's minimum, so a few MB make dozens of chunks. */
const P = 64 * 1024;
const C = P + 16;
const WINDOW = 8;

let server: TestServer;
const clients: WireClient[] = [];

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.remove();
});

async function member(auth: RoomAuth, create = false): Promise<WireClient> {
  const c = await WireClient.connect(server);
  clients.push(c);
  if (create) await c.create(auth);
  else await c.join(auth);
  return c;
}

interface Sealed {
  plain: Uint8Array;
  key: Uint8Array;
  chunks: Uint8Array[];
  size: number;
}

async function sealFile(plainSize: number): Promise<Sealed> {
  const plain = new Uint8Array(randomBytes(plainSize));
  const key = newFileKey();
  const chunks: Uint8Array[] = [];
  for await (const c of encryptStream(key, P, [plain])) chunks.push(c);
  return { plain, key, chunks, size: cipherSize(plainSize, P) };
}

/**
 * Opens (or resumes) the upload and sends chunks from what the server holds,
 * keeping WINDOW in flight; stops after `stopAt` chunks are acked if given.
 */
async function upload(c: WireClient, room: string, blob: string, file: Sealed, stopAt = Infinity): Promise<{ first: number; acked: number; done: boolean }> {
  c.send({ t: 'blob_put', room, blob, size: file.size, chunk: C });
  const state = await c.next('blob_state', (f) => f.blob === blob);
  expect(state.have % C === 0 || state.have === file.size).toBe(true);
  const first = Math.ceil(state.have / C);
  if (state.done) return { first, acked: file.chunks.length, done: true };
  let next = first;
  let acked = first;
  let done = false;
  const end = Math.min(file.chunks.length, stopAt);
  while (acked < end) {
    while (next < end && next - acked < WINDOW) {
      c.send({ t: 'blob_chunk', room, blob, i: next, data: file.chunks[next]! });
      next++;
    }
    const ack = await c.next('blob_ack', (f) => f.blob === blob && f.i === acked);
    expect(ack.have).toBe(Math.min((acked + 1) * C, file.size));
    done = ack.done;
    acked++;
  }
  return { first, acked, done };
}

async function download(c: WireClient, room: string, blob: string, range: { offset?: number; length?: number } = {}): Promise<Uint8Array> {
  c.send({ t: 'blob_get', room, blob, ...range });
  const parts: Uint8Array[] = [];
  let expectAt = range.offset ?? 0;
  for (;;) {
    const piece = await c.next('blob_data', (f) => f.blob === blob);
    expect(piece.offset).toBe(expectAt);
    parts.push(piece.data);
    expectAt += piece.data.length;
    if (piece.last) return new Uint8Array(Buffer.concat(parts));
  }
}

async function decrypt(file: Sealed, ciphertext: Uint8Array): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const p of decryptStream(file.key, P, [ciphertext])) out.push(p.slice());
  return new Uint8Array(Buffer.concat(out));
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

function dirsUnder(dir: string): string[] {
  const out: string[] = [dir];
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) out.push(...dirsUnder(join(dir, entry.name)));
  return out;
}

let roomCount = 0;
function newRoom(): RoomAuth {
  return roomAuth(`files-${process.pid}-${++roomCount}`, 'correct horse battery staple');
}

describe('blobs on the real server', () => {
  const rounds: Sealed[] = [];

  test('a few MB round trip byte for byte between two members, and any range reads back', async () => {
    const auth = newRoom();
    const alice = await member(auth, true);
    const bob = await member(auth);
    const file = await sealFile(3 * 1024 * 1024 + 12345);
    rounds.push(file);
    const blob = randomCid();
    const result = await upload(alice, auth.room, blob, file);
    expect(result.done).toBe(true);
    const whole = await download(bob, auth.room, blob);
    expect(whole.length).toBe(file.size);
    expect(sha(whole)).toBe(sha(Buffer.concat(file.chunks)));
    expect(sha(await decrypt(file, whole))).toBe(sha(file.plain));
    // A range starting mid-chunk and ending mid-chunk, across several chunks.
    const offset = 3 * C + 1000;
    const part = await download(bob, auth.room, blob, { offset, length: 2 * C + 17 });
    expect(Buffer.from(part).equals(Buffer.from(whole.subarray(offset, offset + 2 * C + 17)))).toBe(true);
    // Asking blob_put again for a complete blob says it is done (a resume that finds nothing to do).
    alice.send({ t: 'blob_put', room: auth.room, blob, size: file.size, chunk: C });
    const state = await alice.next('blob_state', (f) => f.blob === blob);
    expect(state).toMatchObject({ have: file.size, done: true });
  });

  test('an upload resumes where it stopped after the client dropped mid-upload', async () => {
    const auth = newRoom();
    const first = await member(auth, true);
    const file = await sealFile(2 * 1024 * 1024);
    const blob = randomCid();
    const partial = await upload(first, auth.room, blob, file, 10);
    expect(partial).toMatchObject({ acked: 10, done: false });
    // Chunks still in flight may or may not have landed; a dropped socket loses nothing acked.
    first.send({ t: 'blob_chunk', room: auth.room, blob, i: 10, data: file.chunks[10]! });
    first.close();
    const again = await member(auth);
    const resumed = await upload(again, auth.room, blob, file);
    expect(resumed.first).toBeGreaterThanOrEqual(10);
    expect(resumed.done).toBe(true);
    expect(sha(await decrypt(file, await download(again, auth.room, blob)))).toBe(sha(file.plain));
  });

  test('an upload resumes after the server is killed with kill -9 mid-upload, keeping every acked chunk', async () => {
    const auth = newRoom();
    const first = await member(auth, true);
    const file = await sealFile(2 * 1024 * 1024 + 5);
    const blob = randomCid();
    const partial = await upload(first, auth.room, blob, file, 12);
    expect(partial.acked).toBe(12);
    await server.kill();
    await server.restart();
    const again = await member(auth);
    const resumed = await upload(again, auth.room, blob, file);
    expect(resumed.first).toBeGreaterThanOrEqual(12);
    expect(resumed.done).toBe(true);
    expect(sha(await decrypt(file, await download(again, auth.room, blob)))).toBe(sha(file.plain));
    expect(server.stderr()).toContain(`resuming blob ${blob}`);
  });

  test('a connection that has not joined the room can neither read nor write its blobs', async () => {
    const auth = newRoom();
    const alice = await member(auth, true);
    const file = await sealFile(100_000);
    const blob = randomCid();
    await upload(alice, auth.room, blob, file);
    // Mallory joined a room of her own, not this one.
    const other = newRoom();
    const mallory = await member(other, true);
    mallory.send({ t: 'blob_get', room: auth.room, blob });
    expect(await mallory.error('not_joined')).toMatchObject({ room: auth.room, blob });
    mallory.send({ t: 'blob_put', room: auth.room, blob: randomCid(), size: 1000, chunk: C });
    expect((await mallory.error('not_joined')).room).toBe(auth.room);
    mallory.send({ t: 'blob_chunk', room: auth.room, blob, i: 0, data: file.chunks[0]! });
    expect((await mallory.error('not_joined')).room).toBe(auth.room);
    // The same blob id in her own room is another blob: it does not exist there.
    mallory.send({ t: 'blob_get', room: other.room, blob });
    expect(await mallory.error('no_blob')).toMatchObject({ room: other.room, blob });
    await mallory.roundTrip();
    expect(mallory.frames.filter((f) => f.t === 'blob_data')).toEqual([]);
  });

  test('a file over --max-file is refused at blob_put, before any bytes, and nothing is stored for it', async () => {
    const auth = newRoom();
    const alice = await member(auth, true);
    const blob = randomCid();
    const overGiB = 1024 * 1024 * 1024 + 1;
    alice.send({ t: 'blob_put', room: auth.room, blob, size: cipherSize(overGiB, 1024 * 1024), chunk: 1024 * 1024 + 16 });
    expect(await alice.error('too_large')).toMatchObject({ room: auth.room, blob });
    alice.send({ t: 'blob_chunk', room: auth.room, blob, i: 0, data: new Uint8Array(1024 * 1024 + 16) });
    expect(await alice.error('no_blob')).toMatchObject({ blob });
    const names = filesUnder(`${server.dataFile}.blobs`).map((p) => p.split('/').pop());
    expect(names.filter((n) => n?.startsWith(blob))).toEqual([]);
    // Exactly 1 GiB of plaintext is allowed (the tags do not count against it).
    const fits = randomCid();
    alice.send({ t: 'blob_put', room: auth.room, blob: fits, size: cipherSize(1024 * 1024 * 1024, 1024 * 1024), chunk: 1024 * 1024 + 16 });
    expect(await alice.next('blob_state', (f) => f.blob === fits)).toMatchObject({ have: 0, done: false });
  });

  test('an unfinished blob cannot be downloaded; a gap or a wrong-sized chunk is refused', async () => {
    const auth = newRoom();
    const alice = await member(auth, true);
    const file = await sealFile(500_000);
    const blob = randomCid();
    await upload(alice, auth.room, blob, file, 3);
    alice.send({ t: 'blob_get', room: auth.room, blob });
    expect(await alice.error('no_blob')).toMatchObject({ blob });
    alice.send({ t: 'blob_chunk', room: auth.room, blob, i: 5, data: file.chunks[5]! });
    expect((await alice.error('bad_frame')).msg).toContain('gap');
    alice.send({ t: 'blob_chunk', room: auth.room, blob, i: 3, data: file.chunks[3]!.subarray(1) });
    expect((await alice.error('bad_frame')).msg).toContain('bytes');
    // A chunk already held is acked again without being written (a resend after reconnecting).
    alice.send({ t: 'blob_chunk', room: auth.room, blob, i: 1, data: file.chunks[1]! });
    expect(await alice.next('blob_ack', (f) => f.blob === blob && f.i === 1)).toMatchObject({ have: 3 * C, done: false });
    alice.send({ t: 'blob_put', room: auth.room, blob, size: file.size + 1, chunk: C });
    expect((await alice.error('bad_frame')).blob).toBe(blob);
  });

  test('a chunk damaged on disk is reported, never sent as good bytes', async () => {
    const auth = newRoom();
    const alice = await member(auth, true);
    const file = await sealFile(200_000);
    const blob = randomCid();
    await upload(alice, auth.room, blob, file);
    const path = filesUnder(`${server.dataFile}.blobs`).find((p) => p.endsWith(`/${blob}`));
    expect(path).toBeDefined();
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(path!, 'r+');
    writeSync(fd, new Uint8Array([0xff, 0x00, 0xff]), 0, 3, C + 10);
    closeSync(fd);
    alice.send({ t: 'blob_get', room: auth.room, blob, offset: C });
    expect(await alice.error('internal')).toMatchObject({ blob });
    expect(alice.frames.filter((f) => f.t === 'blob_data')).toEqual([]);
  });

  test('no plaintext of any file is under the data folder, and blob files are 0600 in 0700 folders', async () => {
    expect(rounds.length).toBeGreaterThan(0);
    const dataDir = dirname(server.dataFile);
    const files = filesUnder(dataDir);
    expect(files.some((p) => p.includes('.blobs/'))).toBe(true);
    for (const file of rounds) {
      // 32-byte samples of the plaintext from across the file: random bytes, so any hit is a leak.
      const needles = [0, 1, 12345, P - 7, 2 * P, file.plain.length - 32].map((at) => Buffer.from(file.plain.subarray(at, at + 32)));
      for (const path of files) {
        const bytes = readFileSync(path);
        for (const needle of needles) expect(bytes.indexOf(needle)).toBe(-1);
      }
    }
    for (const path of files.filter((p) => p.includes('.blobs/'))) expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const dir of dirsUnder(`${server.dataFile}.blobs`)) expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
