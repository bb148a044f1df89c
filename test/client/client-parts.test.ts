// The parts ChatClient is made of, each alone against a fake connection (requests, outbox, pager,
// a room's sync), and the facade's generic sendBody and call-order sends against the real server.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ClientFrame, ServerFrame, StoredMessage } from '../../protocol/frames';
import { ClientError, DisconnectedError } from '../../client/errors';
import { Outbox } from '../../client/outbox';
import { Pager } from '../../client/pager';
import { RequestChannel } from '../../client/requests';
import { RoomSync, type RoomSyncContext } from '../../client/room/sync';
import { MemoryCursorStore, MemoryOutboxStore, type OutboxEntry, type OutboxStore } from '../../client/storage';
import type { RoomItem } from '../../client/kinds/index';
import { makeClient, sharedServer } from './helpers';

/** A fake connection: records every frame; `up` false refuses writes like a dropped socket. */
function fakeWire(): { frames: ClientFrame[]; up: boolean; send: (frame: ClientFrame) => boolean } {
  const wire = {
    frames: [] as ClientFrame[],
    up: true,
    send: (frame: ClientFrame): boolean => {
      if (!wire.up) return false;
      wire.frames.push(frame);
      return true;
    },
  };
  return wire;
}

const page = (room: string, msgs: StoredMessage[], more = false): Extract<ServerFrame, { t: 'page' }> => ({ t: 'page', room, msgs, more });
const stored = (id: number): StoredMessage => ({ id, ts: 1_000 + id, cid: `cid-${id}`, env: new Uint8Array([id]) });
const entry = (cid: string, queuedAt = 1): OutboxEntry => ({ room: 'r', cid, env: new Uint8Array([1]), queuedAt });

describe('RequestChannel', () => {
  test('answers are matched per room in the order asked; a frame of another type answers nothing', async () => {
    const wire = fakeWire();
    const channel = new RequestChannel({ send: wire.send, timeoutMs: 5_000, timedOut: () => undefined });
    const first = channel.request('a', { t: 'room', room: 'a' }, 'room');
    const second = channel.request('a', { t: 'history', room: 'a' }, 'page');
    const other = channel.request('b', { t: 'history', room: 'b' }, 'page');
    expect(channel.headExpects('a')).toBe('room');
    expect(channel.answer('a', page('a', []))).toBe(false); // 'a' waits for `room` first
    expect(channel.answer('b', page('b', [stored(7)]))).toBe(true);
    expect(channel.answer('a', { t: 'room', room: 'a', exists: false })).toBe(true);
    expect(channel.answer('a', page('a', [stored(1)]))).toBe(true);
    expect((await first).exists).toBe(false);
    expect((await second).msgs.map((m) => m.id)).toEqual([1]);
    expect((await other).msgs.map((m) => m.id)).toEqual([7]);
    expect(wire.frames.map((f) => f.t)).toEqual(['room', 'history', 'history']);
  });

  test('a request that cannot be written fails at once as disconnected', async () => {
    const wire = fakeWire();
    wire.up = false;
    const channel = new RequestChannel({ send: wire.send, timeoutMs: 5_000, timedOut: () => undefined });
    await expect(channel.request('a', { t: 'room', room: 'a' }, 'room')).rejects.toBeInstanceOf(DisconnectedError);
    expect(channel.headExpects('a')).toBeUndefined();
  });

  test('an unanswered request times out with code timeout and tells the owner to start clean', async () => {
    const wire = fakeWire();
    const timedOut: string[] = [];
    const channel = new RequestChannel({ send: wire.send, timeoutMs: 30, timedOut: (room) => timedOut.push(room) });
    const error = await channel.request('a', { t: 'room', room: 'a' }, 'room').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('timeout');
    expect(timedOut).toEqual(['a']);
    expect(channel.answer('a', { t: 'room', room: 'a', exists: false })).toBe(false); // the late answer matches nothing
  });

  test('a server error fails the oldest request; a disconnect fails all of them with their room', async () => {
    const wire = fakeWire();
    const channel = new RequestChannel({ send: wire.send, timeoutMs: 5_000, timedOut: () => undefined });
    const head = channel.request('a', { t: 'room', room: 'a' }, 'room').catch((e: unknown) => e);
    const a2 = channel.request('a', { t: 'history', room: 'a' }, 'page').catch((e: unknown) => e);
    const b = channel.request('b', { t: 'history', room: 'b' }, 'page').catch((e: unknown) => e);
    expect(channel.rejectHead('a', new Error('refused'))).toBe(true);
    expect(((await head) as Error).message).toBe('refused');
    channel.failAll((room) => new DisconnectedError(room));
    expect(await a2).toBeInstanceOf(DisconnectedError);
    expect(((await b) as DisconnectedError).room).toBe('b');
    expect(channel.rejectHead('a', new Error('none left'))).toBe(false);
  });
});

/** An outbox store whose writes finish when the test says, in any order. */
class GatedStore implements OutboxStore {
  readonly inner = new MemoryOutboxStore();
  readonly gates = new Map<string, { open: () => void; fail: (error: Error) => void }>();
  list(): Promise<OutboxEntry[]> {
    return this.inner.list();
  }
  add(e: OutboxEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.gates.set(e.cid, { open: () => void this.inner.add(e).then(resolve), fail: reject });
    });
  }
  remove(room: string, cid: string): Promise<void> {
    return this.inner.remove(room, cid);
  }
}

describe('Outbox', () => {
  const sentCids = (frames: ClientFrame[]): string[] => frames.flatMap((f) => (f.t === 'send' ? [f.cid] : []));

  test('two sends go out in call order even when the second store write finishes first', async () => {
    const wire = fakeWire();
    const store = new GatedStore();
    const outbox = new Outbox({ store, send: wire.send, log: () => undefined });
    const first = outbox.add(entry('one'));
    const second = outbox.add(entry('two'));
    store.gates.get('two')!.open();
    await second;
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual([]); // 'one' is not stored yet, so 'two' waits behind it
    store.gates.get('one')!.open();
    await first;
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual(['one', 'two']);
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual(['one', 'two']); // written once per connection
    outbox.flush('r', 2);
    expect(sentCids(wire.frames)).toEqual(['one', 'two', 'one', 'two']); // a new connection resends both
  });

  test('a failed store write rejects, forgets that message and lets the next one go', async () => {
    const wire = fakeWire();
    const store = new GatedStore();
    const outbox = new Outbox({ store, send: wire.send, log: () => undefined });
    const first = outbox.add(entry('lost'));
    const second = outbox.add(entry('kept'));
    store.gates.get('lost')!.fail(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    expect(outbox.has('r', 'lost')).toBe(false);
    store.gates.get('kept')!.open();
    await second;
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual(['kept']);
  });

  test('a refused send (full, rate limited) stays and goes again; an ack removes it from the store', async () => {
    const wire = fakeWire();
    const store = new MemoryOutboxStore();
    const outbox = new Outbox({ store, send: wire.send, log: () => undefined, retryMs: 10 });
    await outbox.add(entry('m'));
    outbox.flush('r', 1);
    expect(outbox.unsent('r', 'm')).toBe(true);
    const retried = new Promise<void>((resolve) => outbox.retryLater('r', resolve));
    outbox.retryLater('r', () => expect.unreachable('one retry per room'));
    await retried;
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual(['m', 'm']);
    expect(store.entries.size).toBe(1);
    expect(outbox.ack('r', 'm')).toBe(true);
    expect(outbox.ack('r', 'm')).toBe(false);
    await Bun.sleep(0);
    expect(store.entries.size).toBe(0);
    outbox.close();
  });

  test('restored entries are announced once, oldest first, and flushed like new ones', async () => {
    const wire = fakeWire();
    const store = new MemoryOutboxStore();
    await store.add(entry('later', 20));
    await store.add(entry('earlier', 10));
    const outbox = new Outbox({ store, send: wire.send, log: () => undefined });
    await outbox.load();
    expect(outbox.takeUnannounced('r').map((e) => e.cid)).toEqual(['earlier', 'later']);
    expect(outbox.takeUnannounced('r')).toEqual([]);
    outbox.flush('r', 1);
    expect(sentCids(wire.frames)).toEqual(['earlier', 'later']);
  });
});

describe('Pager', () => {
  test('continues below the oldest shown; only a continued page decides whether more exist', () => {
    const pager = new Pager();
    expect(pager.nextBefore()).toBeUndefined();
    expect(pager.more).toBe(true);
    pager.shown(40);
    pager.shown(45);
    expect(pager.nextBefore()).toBe(40);
    pager.page([stored(5), stored(6)], true, false); // a page at an arbitrary id says nothing about `more`
    expect(pager.more).toBe(true);
    expect(pager.oldestShown).toBe(5);
    pager.page([stored(1)], false, true);
    expect(pager.nextBefore()).toBe(1);
    expect(pager.more).toBe(false);
  });

  test('an empty room has nothing older', () => {
    const pager = new Pager();
    pager.empty();
    expect(pager.more).toBe(false);
  });
});

describe('RoomSync', () => {
  function syncWith(pages: Extract<ServerFrame, { t: 'page' }>[], cursors = new MemoryCursorStore()) {
    const shown: number[] = [];
    const asked: unknown[] = [];
    const context: RoomSyncContext = {
      history: async (_room, query) => {
        asked.push(query);
        const next = pages.shift();
        if (!next) throw new Error('no page left');
        return next;
      },
      open: (_sync, m) => ({ kind: 'placeholder', id: m.id, ts: m.ts, cid: m.cid, error: 'undecryptable' }) satisfies RoomItem,
      show: (_room, item) => shown.push(item.id),
      cursors,
      initialHistory: 3,
      log: () => undefined,
    };
    const sync = new RoomSync('r', context);
    sync.status = 'joined';
    return { sync, shown, asked, cursors };
  }

  test('a first join shows the newest page, then what arrived live during it, in id order without repeats', async () => {
    const { sync, shown, asked, cursors } = syncWith([page('r', [stored(8), stored(9), stored(10)], true)]);
    sync.startCatchUp();
    sync.receive(stored(12));
    sync.receive(stored(11));
    sync.receive(stored(10)); // also in the page
    expect(shown).toEqual([]); // held until the history before them is out
    await sync.catchUp(10, () => true);
    expect(shown).toEqual([8, 9, 10, 11, 12]);
    expect(asked).toEqual([{ limit: 3 }]);
    expect(sync.pager.more).toBe(true);
    expect(sync.pager.oldestShown).toBe(8);
    expect(sync.cursor).toBe(12);
    await Bun.sleep(0);
    expect(cursors.cursors.get('r')).toBe(12);
    sync.receive(stored(13));
    expect(shown.at(-1)).toBe(13); // live now
  });

  test('a saved cursor continues after it page by page; a cursor beyond the room last id starts over', async () => {
    const cursors = new MemoryCursorStore();
    await cursors.setCursor('r', 5);
    const { sync, shown, asked } = syncWith([page('r', [stored(6), stored(7)], true), page('r', [stored(8)], false)], cursors);
    await sync.catchUp(8, () => true);
    expect(shown).toEqual([6, 7, 8]);
    expect(asked).toEqual([
      { after: 5, limit: 200 },
      { after: 7, limit: 200 },
    ]);

    const lost = new MemoryCursorStore();
    await lost.setCursor('r', 99);
    const fresh = syncWith([page('r', [stored(1), stored(2)], false)], lost);
    await fresh.sync.catchUp(2, () => true);
    expect(fresh.shown).toEqual([1, 2]);
    expect(fresh.sync.pager.more).toBe(false);
  });

  test('an empty room has nothing older; a dropped connection makes the room joining again and drops held frames', async () => {
    const { sync, shown } = syncWith([]);
    await sync.catchUp(0, () => true);
    expect(sync.pager.more).toBe(false);
    expect(sync.cursor).toBe(0);
    sync.startCatchUp();
    sync.receive(stored(1));
    sync.connectionLost();
    expect(sync.status).toBe('joining');
    sync.receive(stored(2)); // not joined: nothing is shown
    expect(shown).toEqual([]);
  });
});

describe('ChatClient.sendBody and call order (real server)', () => {
  const shared = sharedServer({ beforeAll, afterAll });

  test('any kind goes through its own guard: a text by fields arrives, bad fields and unknown kinds are refused', async () => {
    const ada = shared.track(makeClient(shared.server.address, 'Ada'));
    const bob = shared.track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('parts', 'correct horse battery staple', { create: true });
    await bob.client.joinRoom('parts', 'correct horse battery staple');
    const cid = await ada.client.sendBody('parts', { k: 'text', text: 'by fields' });
    await bob.waitFor(() => bob.texts('parts').includes('by fields'), 10_000, 'the text at Bob');
    expect(bob.items('parts').find((i) => i.cid === cid)?.kind).toBe('text');
    const bad = await ada.client.sendBody('parts', { k: 'text', text: 42 } as unknown as { k: 'text'; text: string }).catch((e: unknown) => e);
    expect((bad as ClientError).code).toBe('invalid_input');
    const unknown = await ada.client.sendBody('parts', { k: 'hologram' } as unknown as { k: 'text'; text: string }).catch((e: unknown) => e);
    expect((unknown as ClientError).code).toBe('invalid_input');
  });

  test('sends issued together arrive in call order though their outbox writes finish in reverse', async () => {
    const store = new GatedStore();
    const ada = shared.track(makeClient(shared.server.address, 'Ada', { outbox: store }));
    const bob = shared.track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('order', 'correct horse battery staple', { create: true });
    await bob.client.joinRoom('order', 'correct horse battery staple');
    const sends = ['ada 1', 'ada 2', 'ada 3'].map((text) => ada.client.sendText('order', text));
    await ada.waitFor(() => store.gates.size === 3, 5_000, 'three outbox writes');
    for (const gate of [...store.gates.values()].reverse()) gate.open();
    await Promise.all(sends);
    await bob.waitFor(() => bob.texts('order').length === 3, 10_000, 'three texts at Bob');
    expect(bob.texts('order')).toEqual(['ada 1', 'ada 2', 'ada 3']);
  });
});
