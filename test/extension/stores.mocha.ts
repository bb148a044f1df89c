// The extension's storage for the client core: the outbox files (written before
// sending, read back after a restart, damaged files skipped), cursors and pins.

import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutboxStore, MementoCursorStore, MementoPinStore } from '../../extension/stores';
import { InMemoryMemento } from './fakes';

describe('extension stores', () => {
  it('keeps outbox entries as files, oldest first, readable by a new store (a restart), and removes one on ack', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'message-app-outbox-')), 'outbox');
    const store = new FileOutboxStore(dir);
    await store.add({ room: 'team', cid: 'bbbbbbbb', env: new Uint8Array([2, 2]), queuedAt: 20 });
    await store.add({ room: 'team', cid: 'aaaaaaaa', env: new Uint8Array([1]), queuedAt: 10 });
    await store.add({ room: 'ops', cid: 'bbbbbbbb', env: new Uint8Array([3]), queuedAt: 30 });
    const after = await new FileOutboxStore(dir).list();
    assert.deepEqual(after.map((e) => [e.room, e.cid, [...e.env]]), [
      ['team', 'aaaaaaaa', [1]],
      ['team', 'bbbbbbbb', [2, 2]],
      ['ops', 'bbbbbbbb', [3]],
    ]);
    await store.remove('team', 'bbbbbbbb');
    assert.deepEqual((await store.list()).map((e) => `${e.room}/${e.cid}`), ['team/aaaaaaaa', 'ops/bbbbbbbb']);
    for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o077, 0, `${f} is private to the user`);
  });

  it('skips damaged or foreign files instead of failing, and lists nothing for a missing folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'message-app-outbox-'));
    writeFileSync(join(dir, 'team~half.json'), '{"room":"team","cid":');
    writeFileSync(join(dir, 'x~y.json'), JSON.stringify({ room: 'BAD ROOM', cid: 'aaaaaaaa', queuedAt: 1, env: 'AQ==' }));
    const store = new FileOutboxStore(dir);
    await store.add({ room: 'team', cid: 'cccccccc', env: new Uint8Array([9]), queuedAt: 1 });
    assert.deepEqual((await store.list()).map((e) => e.cid), ['cccccccc']);
    assert.deepEqual(await new FileOutboxStore(join(dir, 'missing')).list(), []);
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
