// catchUpLimit (issue 16: a window reloaded after a long absence took seconds to
// show a 2,000-message room): a saved cursor far behind opens the room at its
// newest page, with older pages still reachable; within the limit, or without
// one (the CLI), every missed message is caught up. Real server, real TCP.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { MemoryCursorStore } from '../../client/storage';
import { makeClient, sharedServer, type TestClient } from './helpers';

const shared = sharedServer({ beforeAll, afterAll });

async function post(room: string, from: number, to: number, poster: TestClient): Promise<void> {
  const acked = (): number => poster.events.filter((e) => e.type === 'acked' && e.room === room).length;
  const want = acked() + (to - from + 1);
  for (let i = from; i <= to; i++) await poster.client.sendText(room, `m${i}`);
  await poster.waitFor(() => acked() >= want, 20_000, `${want} acks`);
}

/** A room with `count` messages and a cursor saved after message `seen`. */
async function roomWithCursor(room: string, count: number, seen: number): Promise<MemoryCursorStore> {
  const poster = shared.track(makeClient(shared.server.address, 'Poster'));
  await poster.client.connect();
  await poster.client.joinRoom(room, 'pw', { create: true });
  await post(room, 1, seen, poster);
  const cursors = new MemoryCursorStore();
  const reader = shared.track(makeClient(shared.server.address, 'Reader', { cursors }));
  await reader.client.connect();
  await reader.client.joinRoom(room, 'pw');
  reader.client.close();
  await post(room, seen + 1, count, poster);
  return cursors;
}

describe('catch-up after a saved cursor', () => {
  test('far behind the newest: the join shows the newest page only, and loadOlder reaches the rest', async () => {
    const cursors = await roomWithCursor('far', 60, 5);
    const reader = shared.track(makeClient(shared.server.address, 'Reader', { cursors, catchUpLimit: 20, initialHistory: 10 }));
    await reader.client.connect();
    const joined = await reader.client.joinRoom('far', 'pw');
    expect(reader.texts('far')).toEqual(Array.from({ length: 10 }, (_, i) => `m${51 + i}`));
    expect(joined.more).toBe(true);
    const older = await reader.client.loadOlder('far');
    expect(older.messages.map((m) => (m.kind === 'text' ? m.text : m.kind)).at(-1)).toBe('m50');
    // The cursor moved to the newest: a later join has nothing to catch up. (Ids are not counted here:
    // each new member's section 12 `keys` announcement is a stored message too.)
    reader.client.close();
    const again = shared.track(makeClient(shared.server.address, 'Reader', { cursors, catchUpLimit: 20, initialHistory: 10 }));
    await again.client.connect();
    await again.client.joinRoom('far', 'pw');
    expect(again.texts('far')).toEqual([]);
  });

  test('within the limit, or with no limit, every missed message is caught up', async () => {
    const near = await roomWithCursor('near', 30, 10);
    // 20 missed texts plus the section 12 `keys` announcements of the members who joined meanwhile.
    const a = shared.track(makeClient(shared.server.address, 'Reader', { cursors: near, catchUpLimit: 25 }));
    await a.client.connect();
    await a.client.joinRoom('near', 'pw');
    expect(a.texts('near')).toEqual(Array.from({ length: 20 }, (_, i) => `m${11 + i}`));

    const far = await roomWithCursor('nolimit', 60, 5);
    const b = shared.track(makeClient(shared.server.address, 'Reader', { cursors: far }));
    await b.client.connect();
    await b.client.joinRoom('nolimit', 'pw');
    expect(b.texts('nolimit')).toEqual(Array.from({ length: 55 }, (_, i) => `m${6 + i}`));
  });
});
