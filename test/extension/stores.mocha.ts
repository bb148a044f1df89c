// The extension's storage for the client core: the outbox files (the client's
// durable store, read back after a restart, strangers skipped, entries of the
// older format moved in), cursors and pins.

import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../client/file-store';
import { MementoCursorStore, MementoPinStore, openOutbox, serverTag } from '../../extension/stores';
import { InMemoryMemento } from './fakes';

describe('extension stores', () => {
  it('keeps outbox entries as files, oldest first, readable by a new store (a restart), and removes one on ack', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'message-app-storage-'));
    const store = await openOutbox(storage, '127.0.0.1:7070');
    await store.add({ room: 'team', cid: 'bbbbbbbb', env: new Uint8Array([2, 2]), queuedAt: 20 });
    await store.add({ room: 'team', cid: 'aaaaaaaa', env: new Uint8Array([1]), queuedAt: 10 });
    await store.add({ room: 'ops', cid: 'bbbbbbbb', env: new Uint8Array([3]), queuedAt: 30 });
    const after = await (await openOutbox(storage, '127.0.0.1:7070')).list();
    assert.deepEqual(after.map((e) => [e.room, e.cid, [...e.env]]), [
      ['team', 'aaaaaaaa', [1]],
      ['team', 'bbbbbbbb', [2, 2]],
      ['ops', 'bbbbbbbb', [3]],
    ]);
    await store.remove('team', 'bbbbbbbb');
    assert.deepEqual((await store.list()).map((e) => `${e.room}/${e.cid}`), ['team/aaaaaaaa', 'ops/bbbbbbbb']);
    const folder = join(storage, 'servers', serverTag('127.0.0.1:7070'), 'outbox', 'team');
    for (const f of readdirSync(folder)) assert.equal(statSync(join(folder, f)).mode & 0o077, 0, `${f} is private to the user`);
    assert.deepEqual(await (await openOutbox(storage, 'other:1')).list(), [], 'another server has its own outbox');
  });

  it('skips foreign and temporary files instead of failing, and lists nothing for a missing folder', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'message-app-storage-'));
    const store = await openOutbox(storage, 'a:1');
    await store.add({ room: 'team', cid: 'cccccccc', env: new Uint8Array([9]), queuedAt: 1 });
    const folder = join(storage, 'servers', serverTag('a:1'), 'outbox', 'team');
    writeFileSync(join(folder, '5-dddddddd.env.123.tmp'), 'half');
    writeFileSync(join(folder, 'notes.txt'), 'x');
    mkdirSync(join(storage, 'servers', serverTag('a:1'), 'outbox', 'BAD ROOM'));
    assert.deepEqual((await store.list()).map((e) => e.cid), ['cccccccc']);
    assert.deepEqual(await (await openOutbox(join(storage, 'missing'), 'a:1')).list(), []);
  });

  it("is the CLI's durable store (atomic write with fsync), not a second implementation", async () => {
    const store = await openOutbox(mkdtempSync(join(tmpdir(), 'message-app-storage-')), 'a:1');
    assert.ok(store instanceof FileStateStore);
  });

  it('moves the entries an older version left (<room>~<cid>.json) into the outbox, leaving damaged ones', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'message-app-storage-'));
    const legacy = join(storage, 'outbox', serverTag('a:1'));
    mkdirSync(legacy, { recursive: true });
    const entry = (room: string, cid: string, queuedAt: number, env: number[]): string =>
      JSON.stringify({ room, cid, queuedAt, env: Buffer.from(env).toString('base64') });
    writeFileSync(join(legacy, 'team~aaaaaaaa.json'), entry('team', 'aaaaaaaa', 10, [1, 2]));
    writeFileSync(join(legacy, 'ops~bbbbbbbb.json'), entry('ops', 'bbbbbbbb', 5, [3]));
    writeFileSync(join(legacy, 'team~half.json'), '{"room":"team","cid":');
    writeFileSync(join(legacy, 'x~y.json'), entry('BAD ROOM', 'aaaaaaaa', 1, [1]));
    const store = await openOutbox(storage, 'a:1');
    assert.deepEqual((await store.list()).map((e) => [e.room, e.cid, e.queuedAt, [...e.env]]), [
      ['ops', 'bbbbbbbb', 5, [3]],
      ['team', 'aaaaaaaa', 10, [1, 2]],
    ]);
    assert.deepEqual(readdirSync(legacy).sort(), ['team~half.json', 'x~y.json']);
    assert.equal((await (await openOutbox(storage, 'a:1')).list()).length, 2, 'moved once, not twice');
  });

  it('keeps the highest cursor per room and per server', async () => {
    const memento = new InMemoryMemento();
    const a = new MementoCursorStore(memento, 'a:1');
    await a.setCursor('team', 5);
    await a.setCursor('team', 3);
    assert.equal(await a.getCursor('team'), 5);
    assert.equal(await new MementoCursorStore(memento, 'b:2').getCursor('team'), undefined);
  });

  it('keeps pins per room, including a name like __proto__, and ignores malformed values', async () => {
    const memento = new InMemoryMemento();
    const pins = new MementoPinStore(memento, 'a:1');
    const key = 'ab'.repeat(32);
    await pins.savePin('team', '__proto__', key);
    await pins.savePin('team', 'Ann', 'cd'.repeat(32));
    const loaded = await pins.loadPins('team');
    assert.equal(loaded['__proto__'], key);
    assert.equal(Object.keys(loaded).length, 2);
    assert.deepEqual(await pins.loadPins('ops'), {});
  });
});
