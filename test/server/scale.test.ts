// 500 concurrent connections join their rooms and exchange messages; every member receives every other member's messages once.

import { afterAll, beforeAll, expect, test } from 'bun:test';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth, type RoomAuth } from '../support/wire';

let server: TestServer;
const clients: WireClient[] = [];

beforeAll(async () => {
  // 500 connections and 50 new rooms from one test process: all from 127.0.0.1, past the per-address defaults (64, 20 an hour).
  server = await startServer({ args: ['--max-connections-per-address', '1000', '--max-new-rooms', '1000'] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.remove();
});

test('500 concurrent connections in 50 rooms join and exchange messages', async () => {
  const ROOMS = 50;
  const PER_ROOM = 10;
  const MESSAGES_EACH = 2;
  const rooms: RoomAuth[] = Array.from({ length: ROOMS }, (_, i) => roomAuth(`crowd-${i}`, `secret ${i}`));
  // Connect everyone at once.
  const members = await Promise.all(
    Array.from({ length: ROOMS * PER_ROOM }, async (_, i) => {
      const c = await WireClient.connect(server, true);
      clients.push(c);
      return { c, auth: rooms[i % ROOMS] as RoomAuth, index: i };
    }),
  );
  expect(members).toHaveLength(500);
  // The first member of each room creates it; then everyone else joins at once.
  await Promise.all(members.slice(0, ROOMS).map(({ c, auth }) => c.create(auth)));
  const joined = await Promise.all(
    members.slice(ROOMS).map(({ c, auth }) => {
      c.send({ t: 'join', room: auth.room, proof: joinProof(auth, c.challenge) });
      return c.next('joined', (f) => f.room === auth.room, 20_000);
    }),
  );
  expect(joined.every((j) => j.online >= 2 && j.online <= PER_ROOM)).toBe(true);

  // Everyone sends at once.
  const sent = new Map<string, { room: string; from: number }>();
  for (const { c, auth, index } of members) {
    for (let k = 0; k < MESSAGES_EACH; k++) {
      const cid = randomCid();
      sent.set(cid, { room: auth.room, from: index });
      c.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(200) });
    }
  }
  const expectedPerMember = (PER_ROOM - 1) * MESSAGES_EACH;
  await Promise.all(
    members.map(async ({ c, auth, index }) => {
      const received = new Set<string>();
      while (received.size < expectedPerMember) {
        const msg = await c.next('msg', () => true, 30_000);
        const origin = sent.get(msg.cid);
        expect(origin?.room).toBe(auth.room);
        expect(origin?.from).not.toBe(index);
        expect(received.has(msg.cid)).toBe(false);
        received.add(msg.cid);
      }
    }),
  );
  // And every send was acked.
  await Promise.all(
    members.map(async ({ c, auth }) => {
      for (let k = 0; k < MESSAGES_EACH; k++) expect((await c.next('ack', () => true, 10_000)).room).toBe(auth.room);
    }),
  );
  expect(members.every(({ c }) => !c.closed)).toBe(true);
}, 90_000);
