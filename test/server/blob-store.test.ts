// The blob store on a real folder: 24-hour expiry of unfinished uploads, the per-room byte count a quota reads, a torn tail after a crash, and reads into a reused buffer.

import { afterAll, describe, expect, test } from 'bun:test';
import { appendFileSync, existsSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobError, BlobStore, UPLOAD_TTL_MS } from '../../server/blobs/store';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh(clock: { now: number }): { store: BlobStore; root: string; logs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'message-app-blobs-'));
  dirs.push(dir);
  const root = join(dir, 'chat.db.blobs');
  const logs: string[] = [];
  const store = new BlobStore(root, { sync: 'normal', maxFile: 1_000_000, maxChunk: 65_536, log: (m) => logs.push(m), now: () => clock.now });
  return { store, root, logs };
}

const chunk = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('blob store', () => {
  test('unfinished uploads are deleted 24 hours after blob_put; complete blobs stay', () => {
    const clock = { now: 1_000_000 };
    const { store, root } = fresh(clock);
    store.open(1, 'unfinished-1', 300, 100);
    store.write(1, 'unfinished-1', 0, chunk(100, 1));
    store.open(1, 'complete-01', 150, 100);
    store.write(1, 'complete-01', 0, chunk(100, 2));
    expect(store.write(1, 'complete-01', 1, chunk(50, 3))).toMatchObject({ have: 150, done: true });
    clock.now += UPLOAD_TTL_MS - 1;
    expect(store.expire()).toBe(0);
    clock.now += 2;
    expect(store.expire()).toBe(1);
    expect(existsSync(join(root, '1', 'unfinished-1.part'))).toBe(false);
    expect(existsSync(join(root, '1', 'unfinished-1.meta'))).toBe(false);
    expect(() => store.write(1, 'unfinished-1', 1, chunk(100, 1))).toThrow(BlobError);
    expect(store.find(1, 'complete-01')).toEqual({ size: 150, chunk: 100 });
  });

  test('roomBytes counts every blob of a room from its blob_put, per room, and forgets removed ones', () => {
    const { store, root } = fresh({ now: 0 });
    store.open(7, 'aaaaaaaa', 1000, 100);
    store.open(7, 'bbbbbbbb', 500, 100);
    store.open(8, 'cccccccc', 300, 100);
    expect(store.roomBytes(7)).toBe(1500);
    expect(store.roomBytes(8)).toBe(300);
    store.remove(7, 'aaaaaaaa');
    expect(store.roomBytes(7)).toBe(500);
    store.close();
    // A new store (a restarted server) counts from disk.
    const again = new BlobStore(root, { sync: 'normal', maxFile: 1_000_000, maxChunk: 65_536, log: () => {} });
    expect(again.roomBytes(7)).toBe(500);
    expect(again.roomBytes(9)).toBe(0);
  });

  test('after a crash, a resume keeps only chunks whose bytes and checksum are both whole', () => {
    const clock = { now: 0 };
    const { store, root } = fresh(clock);
    store.open(1, 'torn-tail', 400, 100);
    for (let i = 0; i < 3; i++) store.write(1, 'torn-tail', i, chunk(100, i + 1));
    store.close(); // as if the process died: nothing more is written
    // Torn: the third chunk's bytes are cut short, and garbage follows.
    truncateSync(join(root, '1', 'torn-tail.part'), 250);
    appendFileSync(join(root, '1', 'torn-tail.part'), chunk(10, 9));
    const again = new BlobStore(root, { sync: 'normal', maxFile: 1_000_000, maxChunk: 65_536, log: () => {} });
    expect(again.open(1, 'torn-tail', 400, 100)).toMatchObject({ have: 200, done: false });
    // A chunk whose bytes differ from their checksum is dropped as well.
    again.write(1, 'torn-tail', 2, chunk(100, 3));
    again.close();
    appendFileSync(join(root, '1', 'torn-tail.sums'), new Uint8Array([1, 2, 3, 4])); // a checksum without its chunk
    const third = new BlobStore(root, { sync: 'normal', maxFile: 1_000_000, maxChunk: 65_536, log: () => {} });
    expect(third.open(1, 'torn-tail', 400, 100)).toMatchObject({ have: 300, done: false });
    expect(third.write(1, 'torn-tail', 3, chunk(100, 4))).toMatchObject({ have: 400, done: true });
    expect(third.readChunk(1, 'torn-tail', 2)).toEqual(chunk(100, 3));
  });

  test('a reader reads each chunk into the buffer it is given (a download reuses one), the short last chunk too, and still checks its CRC', () => {
    const { store, root } = fresh({ now: 0 });
    store.open(1, 'reused-buf', 250, 100);
    for (let i = 0; i < 3; i++) store.write(1, 'reused-buf', i, chunk(i === 2 ? 50 : 100, i + 1));
    const reader = store.openReader(1, 'reused-buf');
    const buffer = new Uint8Array(100);
    const first = reader.read(0, buffer);
    expect(first).toEqual(chunk(100, 1));
    expect(first?.buffer).toBe(buffer.buffer);
    expect(reader.read(1, buffer)).toEqual(chunk(100, 2));
    const last = reader.read(2, buffer);
    expect(last).toEqual(chunk(50, 3));
    expect(last?.buffer).toBe(buffer.buffer);
    // A buffer too small for a chunk is not written past its end: the chunk gets an array of its own.
    const small = new Uint8Array(10);
    const own = reader.read(0, small);
    expect(own).toEqual(chunk(100, 1));
    expect(own?.buffer).not.toBe(small.buffer);
    expect(small).toEqual(new Uint8Array(10));
    reader.close();
    // A damaged checksum still shows through a reused buffer.
    const sums = join(root, '1', 'reused-buf.sums');
    truncateSync(sums, 4);
    appendFileSync(sums, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]));
    const again = store.openReader(1, 'reused-buf');
    expect(again.read(0, buffer)).toEqual(chunk(100, 1));
    expect(again.read(1, buffer)).toBeNull();
    again.close();
  });

  test('chunk sizes outside 17..maxChunk and files over maxFile are too_large', () => {
    const { store } = fresh({ now: 0 });
    expect(() => store.open(1, 'tiny-chunk', 100, 16)).toThrow('chunk');
    expect(() => store.open(1, 'huge-chunk', 100_000, 65_537)).toThrow('chunk');
    try {
      store.open(1, 'too-large', 2_000_000, 65_536);
      throw new Error('not refused');
    } catch (error) {
      expect(error).toBeInstanceOf(BlobError);
      expect((error as BlobError).code).toBe('too_large');
    }
  });
});
