// The SQLite store on real temp files: schema version, batching per event-loop turn, idempotency, paging and its byte cap.

import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOG_ENVELOPE_BYTES, Store, type AppendResult } from '../../server/store';

const dirs: string[] = [];
const stores: Store[] = [];

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'message-app-store-'));
  dirs.push(dir);
  return join(dir, 'nested', 'chat.db');
}

function open(file: string, onBatch?: (n: number) => void): Store {
  const store = new Store(file, onBatch ? { onBatch } : {});
  stores.push(store);
  return store;
}

function append(store: Store, roomId: number, cid: string, env: Uint8Array = new Uint8Array([1, 2, 3])): Promise<AppendResult> {
  return new Promise((resolve, reject) =>
    store.append(roomId, cid, env, Date.now(), (r) => (r instanceof Error ? reject(r) : resolve(r))),
  );
}

const KDF = { n: 1024, r: 8, p: 1 };
const salt = new Uint8Array(16).fill(7);
const auth = new Uint8Array(32).fill(9);

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('store', () => {
  test('creates the folder, uses WAL and records its schema version', async () => {
    const file = tempFile();
    await open(file).close();
    const db = new Database(file, { readonly: true });
    expect(db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    expect(db.query<{ user_version: number }, []>('PRAGMA user_version').get()?.user_version).toBe(5);
    db.close();
  });

  test('refuses a data file from a newer schema with a clear sentence', async () => {
    const file = tempFile();
    await open(file).close();
    const db = new Database(file);
    db.run('PRAGMA user_version = 99');
    db.close();
    expect(() => new Store(file)).toThrow(/newer server/);
  });

  test('room names are unique; records survive reopening', async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('general', salt, KDF, auth);
    expect(room?.name).toBe('general');
    expect(store.createRoom('general', salt, KDF, auth)).toBeNull();
    await store.close();
    const again = open(file);
    expect(again.room('general')).toEqual({ id: room?.id ?? -1, name: 'general', salt, kdf: KDF, auth, bytes: 0, epoch: 0 });
    expect(again.room('other')).toBeNull();
  });

  test("each room's envelope bytes are counted by every commit, and computed for a data file from before the count", async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('counted', salt, KDF, auth);
    const other = store.createRoom('other', salt, KDF, auth);
    if (!room || !other) throw new Error('no room');
    await append(store, room.id, 'cid-small-1', new Uint8Array(100));
    await append(store, room.id, 'cid-large-1', new Uint8Array(LOG_ENVELOPE_BYTES + 5));
    await append(store, room.id, 'cid-small-1', new Uint8Array(999)); // a resend stores nothing
    await append(store, other.id, 'cid-other-1', new Uint8Array(7));
    const expected = 100 + LOG_ENVELOPE_BYTES + 5;
    expect(store.room('counted')?.bytes).toBe(expected);
    expect(store.room('other')?.bytes).toBe(7);
    expect(store.roomCount()).toBe(2);
    await store.close();
    // A file of schema 2 (no count yet): the migration adds it from the stored rows.
    const db = new Database(file);
    db.run('ALTER TABLE rooms DROP COLUMN bytes');
    // And without what schema 4 added (section 11), which migrates after it.
    db.run('DROP TABLE message_blobs');
    db.run('ALTER TABLE messages DROP COLUMN del');
    db.run('ALTER TABLE messages DROP COLUMN deleted');
    // And without schema 5 (section 12.10).
    db.run('DROP TABLE room_owners');
    db.run('DROP TABLE room_epochs');
    db.run('ALTER TABLE rooms DROP COLUMN epoch');
    db.run('PRAGMA user_version = 2');
    db.close();
    const again = open(file);
    expect(again.room('counted')?.bytes).toBe(expected);
    expect(again.room('other')?.bytes).toBe(7);
    // Rooms from before schema 5 are at epoch 0 with no owner.
    expect(again.room('counted')?.epoch).toBe(0);
    expect(again.owners(again.room('counted')?.id ?? -1)).toEqual([]);
  });

  test('appends made in one event-loop turn commit in one transaction, acked only after it', async () => {
    const batches: number[] = [];
    const store = open(tempFile(), (n) => batches.push(n));
    const room = store.createRoom('r', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const acked: number[] = [];
    const all = Array.from({ length: 50 }, (_, i) => append(store, room.id, `cid-${String(i).padStart(4, '0')}`).then((r) => acked.push(r.id)));
    // Nothing is acknowledged (or visible) before the batch commits.
    expect(acked).toEqual([]);
    expect(store.lastMessageId(room.id)).toBe(0);
    await Promise.all(all);
    expect(batches).toEqual([50]);
    expect(acked).toEqual([...acked].sort((a, b) => a - b));
    expect(store.lastMessageId(room.id)).toBe(acked[49] ?? -1);
    await append(store, room.id, 'cid-later-0');
    expect(batches).toEqual([50, 1]);
  });

  test('a repeated (room, cid) returns the first id and time, also within one batch; other rooms are separate', async () => {
    const store = open(tempFile());
    const r1 = store.createRoom('one', salt, KDF, auth);
    const r2 = store.createRoom('two', salt, KDF, auth);
    if (!r1 || !r2) throw new Error('no rooms');
    const [a, b] = await Promise.all([append(store, r1.id, 'same-cid-1'), append(store, r1.id, 'same-cid-1')]);
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ id: a.id, ts: a.ts, duplicate: true });
    const later = await append(store, r1.id, 'same-cid-1', new Uint8Array([9]));
    expect(later).toEqual({ id: a.id, ts: a.ts, duplicate: true });
    const elsewhere = await append(store, r2.id, 'same-cid-1');
    expect(elsewhere.duplicate).toBe(false);
    expect(elsewhere.id).toBeGreaterThan(a.id);
    expect(store.page(r1.id, { newest: true }, 50, 1 << 20).msgs).toHaveLength(1);
  });

  test('pages stop at upTo, the highest id already announced', async () => {
    const store = open(tempFile());
    const room = store.createRoom('bounded', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const a = await append(store, room.id, 'cid-upto-1');
    const b = await append(store, room.id, 'cid-upto-2');
    expect(store.page(room.id, { newest: true }, 10, 1 << 20, a.id).msgs.map((m) => m.id)).toEqual([a.id]);
    expect(store.page(room.id, { after: 0 }, 10, 1 << 20, a.id).msgs.map((m) => m.id)).toEqual([a.id]);
    expect(store.page(room.id, { before: b.id + 1 }, 10, 1 << 20, b.id).msgs.map((m) => m.id)).toEqual([a.id, b.id]);
  });

  test('a worker thread folds the WAL into the database file as it grows', async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('big', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const before = statSync(file).size;
    // 12 MB of envelopes kept in rows (under LOG_ENVELOPE_BYTES) in several batches: past the 8 MB that triggers a checkpoint.
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => append(store, room.id, `cid-big-${batch}-${i}`, new Uint8Array(10_000))));
    }
    const deadline = Date.now() + 5000;
    while (statSync(file).size < before + 8_000_000 && Date.now() < deadline) await Bun.sleep(50);
    expect(statSync(file).size).toBeGreaterThan(before + 8_000_000);
  });

  test('pages newest / before / after with more, and cuts by bytes nearest the anchor', async () => {
    const store = open(tempFile());
    const room = store.createRoom('paged', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await append(store, room.id, `cid-page-${i}`, new Uint8Array(1000))).id);
    const ids_ = (p: { msgs: { id: number }[]; more: boolean }) => ({ ids: p.msgs.map((m) => m.id), more: p.more });
    expect(ids_(store.page(room.id, { newest: true }, 4, 1 << 20))).toEqual({ ids: ids.slice(6), more: true });
    expect(ids_(store.page(room.id, { before: ids[6] ?? 0 }, 4, 1 << 20))).toEqual({ ids: ids.slice(2, 6), more: true });
    expect(ids_(store.page(room.id, { before: ids[2] ?? 0 }, 4, 1 << 20))).toEqual({ ids: ids.slice(0, 2), more: false });
    expect(ids_(store.page(room.id, { after: 0 }, 4, 1 << 20))).toEqual({ ids: ids.slice(0, 4), more: true });
    expect(ids_(store.page(room.id, { after: ids[5] ?? 0 }, 4, 1 << 20))).toEqual({ ids: ids.slice(6), more: false });
    // About 1 KB each: a 2500-byte cap keeps two, nearest the anchor.
    expect(ids_(store.page(room.id, { newest: true }, 10, 2500))).toEqual({ ids: ids.slice(8), more: true });
    expect(ids_(store.page(room.id, { after: 0 }, 10, 2500))).toEqual({ ids: ids.slice(0, 2), more: true });
    // One message is always returned, even over the cap, so paging always progresses.
    expect(ids_(store.page(room.id, { after: 0 }, 10, 10))).toEqual({ ids: ids.slice(0, 1), more: true });
  });

  test('close commits what is queued', async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('closing', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const pending = append(store, room.id, 'cid-at-close');
    await store.close();
    expect((await pending).duplicate).toBe(false);
    const again = open(file);
    expect(again.lastMessageId(room.id)).toBeGreaterThan(0);
  });
});

describe('envelope log (envelopes of LOG_ENVELOPE_BYTES or more)', () => {
  const bytes = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

  test('a large envelope is appended to the log (its row keeps only its place) and reads back byte for byte after reopening', async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('large', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const large = bytes(LOG_ENVELOPE_BYTES, 1);
    const small = bytes(LOG_ENVELOPE_BYTES - 1, 2);
    const a = await append(store, room.id, 'cid-large', large);
    const b = await append(store, room.id, 'cid-small', small);
    expect(statSync(`${file}.envelopes`).size).toBe(large.length);
    await store.close();
    const db = new Database(file, { readonly: true });
    const rows = db.query<{ id: number; len: number; log_len: number | null }, []>('SELECT id, length(env) AS len, log_len FROM messages ORDER BY id').all();
    db.close();
    expect(rows).toEqual([
      { id: a.id, len: 0, log_len: large.length },
      { id: b.id, len: small.length, log_len: null },
    ]);
    const again = open(file);
    const page = again.page(room.id, { after: 0 }, 10, 1 << 20);
    expect(page.msgs.map((m) => ({ id: m.id, cid: m.cid, env: hex(m.env) }))).toEqual([
      { id: a.id, cid: 'cid-large', env: hex(large) },
      { id: b.id, cid: 'cid-small', env: hex(small) },
    ]);
    // Page entries carry only the protocol's fields.
    expect(Object.keys(page.msgs[0] ?? {}).sort()).toEqual(['cid', 'env', 'id', 'ts']);
    // Appends continue after what is there.
    const c = await append(again, room.id, 'cid-large-2', bytes(20_000, 3));
    expect(statSync(`${file}.envelopes`).size).toBe(large.length + 20_000);
    expect(hex(again.page(room.id, { after: b.id }, 10, 1 << 20).msgs[0]?.env ?? new Uint8Array())).toBe(hex(bytes(20_000, 3)));
    expect(c.id).toBeGreaterThan(b.id);
  });

  test('a repeated large send returns the first ack without appending its bytes again, also within one batch', async () => {
    const file = tempFile();
    const store = open(file);
    const room = store.createRoom('large-repeat', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const first = await append(store, room.id, 'cid-r', bytes(30_000, 4));
    const size = statSync(`${file}.envelopes`).size;
    const again = await append(store, room.id, 'cid-r', bytes(30_000, 5));
    expect(again).toEqual({ ...first, duplicate: true });
    expect(statSync(`${file}.envelopes`).size).toBe(size);
    const [x, y] = await Promise.all([append(store, room.id, 'cid-s', bytes(30_000, 6)), append(store, room.id, 'cid-s', bytes(30_000, 7))]);
    expect(y).toEqual({ ...x, duplicate: true } as AppendResult);
    expect(hex(store.page(room.id, { newest: true }, 1, 1 << 20).msgs[0]?.env ?? new Uint8Array())).toBe(hex(bytes(30_000, 6)));
  });

  test('pages mix logged and in-row envelopes in id order and cut by their real sizes', async () => {
    const store = open(tempFile());
    const room = store.createRoom('mixed', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const sizes = [100, 40_000, 200, 50_000, 60_000, 300];
    const ids: number[] = [];
    for (const [i, size] of sizes.entries()) ids.push((await append(store, room.id, `cid-mixed-${i}`, bytes(size, i))).id);
    const all = store.page(room.id, { after: 0 }, 10, 1 << 20);
    expect(all.more).toBe(false);
    expect(all.msgs.map((m) => hex(m.env))).toEqual(sizes.map((size, i) => hex(bytes(size, i))));
    // 100 + 40 000 fit in 45 000 bytes, the next 200 does too, then 50 000 does not.
    const cut = store.page(room.id, { after: 0 }, 10, 45_000);
    expect({ ids: cut.msgs.map((m) => m.id), more: cut.more }).toEqual({ ids: ids.slice(0, 3), more: true });
    // Newest first: 300 + 60 000 pass 55 000, so the page holds only the newest (always at least one).
    const newest = store.page(room.id, { newest: true }, 10, 55_000);
    expect({ ids: newest.msgs.map((m) => m.id), more: newest.more }).toEqual({ ids: ids.slice(5), more: true });
    const before = store.page(room.id, { before: ids[5] ?? 0 }, 2, 1 << 20);
    expect(before.msgs.map((m) => hex(m.env))).toEqual([hex(bytes(50_000, 3)), hex(bytes(60_000, 4))]);
  });

  test('bytes missing from the log (a lost or truncated file) show as an empty envelope, logged, never as other bytes', async () => {
    const file = tempFile();
    const logged: string[] = [];
    const store = new Store(file, { log: (m) => logged.push(m) });
    stores.push(store);
    const room = store.createRoom('lost', salt, KDF, auth);
    if (!room) throw new Error('no room');
    const a = await append(store, room.id, 'cid-lost-1', bytes(20_000, 1));
    const b = await append(store, room.id, 'cid-lost-2', bytes(20_000, 2));
    await store.close();
    truncateSync(`${file}.envelopes`, 30_000); // the second envelope's tail is gone
    const reopened = new Store(file, { log: (m) => logged.push(m) });
    stores.push(reopened);
    const page = reopened.page(room.id, { after: 0 }, 10, 1 << 20);
    expect(page.msgs.map((m) => ({ id: m.id, len: m.env.length }))).toEqual([
      { id: a.id, len: 20_000 },
      { id: b.id, len: 0 },
    ]);
    expect(logged.some((m) => m.includes(`message ${b.id}`) && m.includes('missing'))).toBe(true);
    // New bytes never land where a row still points: the log continues after the last place.
    await append(reopened, room.id, 'cid-lost-3', bytes(20_000, 3));
    expect(statSync(`${file}.envelopes`).size).toBe(60_000);
    expect(reopened.page(room.id, { after: a.id }, 1, 1 << 20).msgs[0]?.env.length).toBe(0);
  });
});
