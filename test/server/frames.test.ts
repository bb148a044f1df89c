// Every client frame of PROTOCOL.md section 5 against the real server: answers, relays, presence and the errors of section 6.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { encodeFrameBody } from '../../protocol/codec';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth, type RoomAuth } from '../support/wire';

let server: TestServer;
const clients: WireClient[] = [];
let roomCounter = 0;

async function client(): Promise<WireClient> {
  const c = await WireClient.connect(server);
  clients.push(c);
  return c;
}

function newRoom(passphrase = 'correct horse battery staple'): RoomAuth {
  return roomAuth(`room-${process.pid}-${++roomCounter}`, passphrase);
}

/** Two members of a fresh room: a created it, b joined. */
async function pair(): Promise<{ a: WireClient; b: WireClient; auth: RoomAuth }> {
  const auth = newRoom();
  const a = await client();
  await a.create(auth);
  const b = await client();
  await b.join(auth);
  await a.next('presence', (f) => f.room === auth.room && f.online === 2);
  return { a, b, auth };
}

beforeAll(async () => {
  // Every test here makes its own rooms from 127.0.0.1: more than the 20 an address may create per hour.
  server = await startServer({ args: ['--max-frame', '65536', '--max-new-rooms', '1000'] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.remove();
});

describe('hello', () => {
  test('is the first frame: version 1, a 32-byte challenge, the frame limit', async () => {
    const a = await client();
    const b = await client();
    expect(a.max).toBe(65536);
    expect(a.challenge.length).toBe(32);
    expect(Buffer.from(a.challenge).equals(Buffer.from(b.challenge))).toBe(false);
  });
});

describe('room', () => {
  test('answers exists: false for an unknown room, without membership', async () => {
    const c = await client();
    c.send({ t: 'room', room: 'nobody-made-this' });
    const reply = await c.next('room');
    expect(reply).toEqual({ t: 'room', room: 'nobody-made-this', exists: false });
  });

  test('answers the salt and KDF parameters of an existing room', async () => {
    const auth = newRoom();
    await (await client()).create(auth);
    const c = await client();
    c.send({ t: 'room', room: auth.room });
    const reply = await c.next('room');
    expect(reply.exists).toBe(true);
    expect(Buffer.from(reply.salt ?? []).equals(Buffer.from(auth.salt))).toBe(true);
    expect(reply.kdf).toEqual(auth.kdf);
  });
});

describe('create', () => {
  test('makes the room and joins it: last 0, online 1', async () => {
    const joined = await (await client()).create(newRoom());
    expect(joined.last).toBe(0);
    expect(joined.online).toBe(1);
  });

  test('of an existing room is room_exists', async () => {
    const auth = newRoom();
    await (await client()).create(auth);
    const other = await client();
    other.send({ t: 'create', room: auth.room, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof: joinProof(auth, other.challenge) });
    const error = await other.error('room_exists');
    expect(error.room).toBe(auth.room);
  });

  test('with a proof over another challenge is bad_proof and creates nothing', async () => {
    const auth = newRoom();
    const c = await client();
    c.send({ t: 'create', room: auth.room, salt: auth.salt, kdf: auth.kdf, auth: auth.auth, proof: joinProof(auth, randomBytes(32)) });
    await c.error('bad_proof');
    c.send({ t: 'room', room: auth.room });
    expect((await c.next('room')).exists).toBe(false);
  });

  test('with an auth key that is not a curve point is bad_frame', async () => {
    const auth = newRoom();
    const c = await client();
    const notAKey = new Uint8Array(32).fill(0xff);
    c.send({ t: 'create', room: auth.room, salt: auth.salt, kdf: auth.kdf, auth: notAKey, proof: new Uint8Array(64) });
    // Either refusal is acceptable as long as no room appears: 0xff..ff is not a canonical point.
    const error = await c.next('error');
    expect(['bad_frame', 'bad_proof']).toContain(error.code);
    c.send({ t: 'room', room: auth.room });
    expect((await c.next('room')).exists).toBe(false);
  });

  test('of a room this connection joined answers joined again', async () => {
    const auth = newRoom();
    const c = await client();
    await c.create(auth);
    const again = await c.create(auth);
    expect(again.online).toBe(1);
  });
});

describe('join', () => {
  test('of a missing room is no_room', async () => {
    const c = await client();
    c.send({ t: 'join', room: 'never-created', proof: new Uint8Array(64) });
    expect((await c.error('no_room')).room).toBe('never-created');
  });

  test('with the wrong passphrase is bad_proof', async () => {
    const auth = newRoom('right passphrase');
    await (await client()).create(auth);
    const wrong = roomAuth(auth.room, 'wrong passphrase', auth.salt, auth.kdf);
    const c = await client();
    c.send({ t: 'join', room: auth.room, proof: joinProof(wrong, c.challenge) });
    expect((await c.error('bad_proof')).room).toBe(auth.room);
  });

  test('with a proof replayed from another connection is bad_proof', async () => {
    const auth = newRoom();
    const a = await client();
    await a.create(auth);
    const b = await client();
    b.send({ t: 'join', room: auth.room, proof: joinProof(auth, a.challenge) });
    await b.error('bad_proof');
  });

  test('answers joined with the last id and online count, and tells the others', async () => {
    const auth = newRoom();
    const a = await client();
    await a.create(auth);
    const ack = await a.sendMessage(auth.room, fakeEnvelope());
    const b = await client();
    const joined = await b.join(auth);
    expect(joined).toEqual({ t: 'joined', room: auth.room, last: ack.id, online: 2 });
    expect(await a.next('presence')).toEqual({ t: 'presence', room: auth.room, online: 2 });
  });

  test('one connection may join several rooms', async () => {
    const r1 = newRoom();
    const r2 = newRoom();
    const c = await client();
    await c.create(r1);
    await c.create(r2);
    const a1 = await c.sendMessage(r1.room, fakeEnvelope());
    const a2 = await c.sendMessage(r2.room, fakeEnvelope());
    expect(a2.id).toBeGreaterThan(a1.id);
    expect((await c.history(r1.room)).msgs.map((m) => m.id)).toEqual([a1.id]);
    expect((await c.history(r2.room)).msgs.map((m) => m.id)).toEqual([a2.id]);
  });
});

describe('send', () => {
  test('before joining is not_joined, with room and cid', async () => {
    const auth = newRoom();
    await (await client()).create(auth);
    const c = await client();
    const cid = randomCid();
    c.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope() });
    const error = await c.error('not_joined');
    expect(error.room).toBe(auth.room);
    expect(error.cid).toBe(cid);
  });

  test('is acked with an id and the server time, and relayed byte for byte to the others only', async () => {
    const { a, b, auth } = await pair();
    const env = fakeEnvelope(300);
    const cid = randomCid();
    const before = Date.now();
    const ack = await a.sendMessage(auth.room, env, cid);
    expect(ack.ts).toBeGreaterThanOrEqual(before - 5);
    expect(ack.ts).toBeLessThanOrEqual(Date.now() + 5);
    const msg = await b.next('msg');
    expect(msg).toEqual({ t: 'msg', room: auth.room, id: ack.id, ts: ack.ts, cid, env: expect.any(Uint8Array) });
    expect(Buffer.from(msg.env).equals(Buffer.from(env))).toBe(true);
    await a.roundTrip();
    expect(a.frames.filter((f) => f.t === 'msg')).toEqual([]);
  });

  test('ids increase strictly across rooms', async () => {
    const { a, auth } = await pair();
    const other = newRoom();
    await a.create(other);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push((await a.sendMessage(i % 2 ? auth.room : other.room, fakeEnvelope())).id);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] ?? Infinity);
  });

  test('a repeated cid gets the first ack again and is neither stored nor relayed twice', async () => {
    const { a, b, auth } = await pair();
    const cid = randomCid();
    const first = await a.sendMessage(auth.room, fakeEnvelope(), cid);
    // Same cid, different envelope, even from a new connection (a client resending after a reconnect).
    const a2 = await client();
    await a2.join(auth);
    const again = await a2.sendMessage(auth.room, fakeEnvelope(), cid);
    expect(again).toEqual(first);
    const repeatedInOneWrite = randomCid();
    a.send({ t: 'send', room: auth.room, cid: repeatedInOneWrite, env: fakeEnvelope() });
    a.send({ t: 'send', room: auth.room, cid: repeatedInOneWrite, env: fakeEnvelope() });
    const x = await a.next('ack', (f) => f.cid === repeatedInOneWrite);
    const y = await a.next('ack', (f) => f.cid === repeatedInOneWrite);
    expect(y).toEqual(x);
    await b.roundTrip();
    const relayed = b.frames.filter((f) => f.t === 'msg').map((f) => (f.t === 'msg' ? f.cid : ''));
    expect(relayed.sort()).toEqual([cid, repeatedInOneWrite].sort());
    const page = await b.history(auth.room);
    expect(page.msgs.map((m) => m.cid).sort()).toEqual([cid, repeatedInOneWrite].sort());
  });

  test('the largest envelope accepted (max - 256) is relayed and paged in frames within max, even with a 64-character room and cid', async () => {
    const longRoom = roomAuth(`r${'x'.repeat(63)}`, 'p');
    const a = await client();
    await a.create(longRoom);
    const b = await client();
    await b.join(longRoom);
    const cid = 'c'.repeat(64);
    const env = fakeEnvelope(65536 - 256);
    const ack = await a.sendMessage(longRoom.room, env, cid);
    const msg = await b.next('msg', (f) => f.cid === cid);
    const page = await b.history(longRoom.room, { after: ack.id - 1 });
    // What the server wrote, re-encoded the same way, is within the limit the client was told.
    expect(encodeFrameBody(msg).length - 4).toBeLessThanOrEqual(b.max);
    expect(encodeFrameBody(page).length - 4).toBeLessThanOrEqual(b.max);
    expect(page.msgs).toHaveLength(1);
  });

  test('an envelope too big to relay under the limit is too_large, and the connection stays', async () => {
    const { a, auth } = await pair();
    const cid = randomCid();
    a.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(65536 - 255) });
    const error = await a.error('too_large');
    expect(error.cid).toBe(cid);
    await a.roundTrip();
    expect(a.closed).toBe(false);
  });
});

describe('order', () => {
  test('answers keep the order of the frames: a send then a history in one write gives ack, then a page holding it', async () => {
    const { a, auth } = await pair();
    const cid = randomCid();
    const env = fakeEnvelope();
    a.sendRaw(
      Buffer.concat([
        encodeFrameBody({ t: 'send', room: auth.room, cid, env }),
        encodeFrameBody({ t: 'history', room: auth.room, limit: 1 }),
        encodeFrameBody({ t: 'ping', n: 5 }),
      ]),
    );
    await a.next('pong', (f) => f.n === 5);
    const order = a.frames.filter((f) => f.t !== 'presence').map((f) => f.t);
    expect(order).toEqual(['ack', 'page']);
    const page = await a.next('page');
    expect(page.msgs.map((m) => m.cid)).toEqual([cid]);
  });
});

describe('history', () => {
  async function roomWith(count: number): Promise<{ c: WireClient; auth: RoomAuth; ids: number[] }> {
    const auth = newRoom();
    const c = await client();
    await c.create(auth);
    const cids = Array.from({ length: count }, () => randomCid());
    for (const cid of cids) c.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(16) });
    const ids: number[] = [];
    for (const cid of cids) ids.push((await c.next('ack', (f) => f.cid === cid)).id);
    return { c, auth, ids };
  }

  test('with neither bound returns the newest page in ascending order', async () => {
    const { c, auth, ids } = await roomWith(7);
    const page = await c.history(auth.room, { limit: 3 });
    expect(page.msgs.map((m) => m.id)).toEqual(ids.slice(-3));
    expect(page.more).toBe(true);
    const all = await c.history(auth.room);
    expect(all.msgs.map((m) => m.id)).toEqual(ids);
    expect(all.more).toBe(false);
  });

  test('with before pages back to the oldest, more false only at the end', async () => {
    const { c, auth, ids } = await roomWith(7);
    const seen: number[] = [];
    let before = Number.MAX_SAFE_INTEGER;
    const mores: boolean[] = [];
    for (;;) {
      const page = await c.history(auth.room, { before, limit: 3 });
      seen.unshift(...page.msgs.map((m) => m.id));
      mores.push(page.more);
      if (!page.more) break;
      before = page.msgs[0]?.id ?? 0;
    }
    expect(seen).toEqual(ids);
    expect(mores).toEqual([true, true, false]);
  });

  test('with after catches up to the newest, more false only at the end', async () => {
    const { c, auth, ids } = await roomWith(6);
    const first = await c.history(auth.room, { after: 0, limit: 3 });
    expect(first.msgs.map((m) => m.id)).toEqual(ids.slice(0, 3));
    expect(first.more).toBe(true);
    const second = await c.history(auth.room, { after: ids[2], limit: 3 });
    expect(second.msgs.map((m) => m.id)).toEqual(ids.slice(3));
    expect(second.more).toBe(false);
    const none = await c.history(auth.room, { after: ids[5], limit: 3 });
    expect(none).toEqual({ t: 'page', room: auth.room, msgs: [], more: false });
  });

  test('an exact fit is more: false', async () => {
    const { c, auth, ids } = await roomWith(3);
    const page = await c.history(auth.room, { limit: 3 });
    expect(page.msgs.map((m) => m.id)).toEqual(ids);
    expect(page.more).toBe(false);
  });

  test('entries carry id, ts, cid and the exact envelope', async () => {
    const { a, auth } = await pair();
    const env = fakeEnvelope(1000);
    const cid = randomCid();
    const ack = await a.sendMessage(auth.room, env, cid);
    const page = await a.history(auth.room, { after: ack.id - 1 });
    expect(page.msgs).toHaveLength(1);
    const [m] = page.msgs;
    expect({ id: m?.id, ts: m?.ts, cid: m?.cid }).toEqual({ id: ack.id, ts: ack.ts, cid });
    expect(Buffer.from(m?.env ?? []).equals(Buffer.from(env))).toBe(true);
  });

  test('a limit above 200 counts as 200', async () => {
    const { c, auth, ids } = await roomWith(205);
    const page = await c.history(auth.room, { limit: 1000 });
    expect(page.msgs.map((m) => m.id)).toEqual(ids.slice(-200));
    expect(page.more).toBe(true);
  });

  test('a page never exceeds the frame limit: it stops early with more: true', async () => {
    const auth = newRoom();
    const c = await client();
    await c.create(auth);
    const ids: number[] = [];
    // 5 envelopes of 20 KB under a 64 KiB limit: at most 3 fit in one page.
    for (let i = 0; i < 5; i++) ids.push((await c.sendMessage(auth.room, fakeEnvelope(20_000))).id);
    const newest = await c.history(auth.room);
    expect(newest.more).toBe(true);
    expect(newest.msgs.map((m) => m.id)).toEqual(ids.slice(-newest.msgs.length));
    expect(newest.msgs.length).toBeLessThanOrEqual(3);
    const older = await c.history(auth.room, { before: newest.msgs[0]?.id });
    const oldest = await c.history(auth.room, { before: older.msgs[0]?.id });
    expect([...oldest.msgs, ...older.msgs, ...newest.msgs].map((m) => m.id)).toEqual(ids);
    expect(oldest.more).toBe(false);
  });

  test('before and after together, or limit 0, are bad_frame', async () => {
    const { c, auth } = await roomWith(1);
    c.send({ t: 'history', room: auth.room, before: 5, after: 1 });
    expect((await c.error('bad_frame')).room).toBe(auth.room);
    c.send({ t: 'history', room: auth.room, limit: 0 });
    await c.error('bad_frame');
  });

  test('of a room not joined is not_joined', async () => {
    const auth = newRoom();
    await (await client()).create(auth);
    const c = await client();
    c.send({ t: 'history', room: auth.room });
    await c.error('not_joined');
  });
});

describe('leave and presence', () => {
  test('leave tells the others, and later sends are not_joined', async () => {
    const { a, b, auth } = await pair();
    b.send({ t: 'leave', room: auth.room });
    expect(await a.next('presence')).toEqual({ t: 'presence', room: auth.room, online: 1 });
    b.send({ t: 'send', room: auth.room, cid: randomCid(), env: fakeEnvelope() });
    await b.error('not_joined');
    // No longer a member: gets no msg.
    await a.sendMessage(auth.room, fakeEnvelope());
    await b.roundTrip();
    expect(b.frames.some((f) => f.t === 'msg')).toBe(false);
  });

  test('leave of a room not joined is ignored', async () => {
    const c = await client();
    c.send({ t: 'leave', room: 'not-a-member' });
    await c.roundTrip();
    expect(c.frames).toEqual([]);
  });

  test('a dropped connection counts as leaving', async () => {
    const { a, b, auth } = await pair();
    b.close();
    expect(await a.next('presence')).toEqual({ t: 'presence', room: auth.room, online: 1 });
  });
});

describe('ping', () => {
  test('is answered with pong and the same n', async () => {
    const c = await client();
    c.send({ t: 'ping', n: 123456789 });
    expect(await c.next('pong')).toEqual({ t: 'pong', n: 123456789 });
  });
});

describe('bad frames', () => {
  test('a body that is not MessagePack, not a map, or has an unknown t is bad_frame; the connection stays', async () => {
    const c = await client();
    c.sendRaw(Buffer.from([0, 0, 0, 1, 0xc1])); // 0xc1 is never valid MessagePack
    await c.error('bad_frame');
    c.send([1, 2, 3] as unknown as Record<string, unknown>);
    await c.error('bad_frame');
    c.send({ t: 'teleport', room: 'x' });
    await c.error('bad_frame');
    c.send({ t: 'send', room: 'x', cid: 'short', env: fakeEnvelope() });
    expect((await c.error('bad_frame')).room).toBe('x');
    await c.roundTrip();
  });

  test('an invalid room name is bad_room', async () => {
    const c = await client();
    c.send({ t: 'room', room: 'Has Capitals' });
    await c.error('bad_room');
  });

  test('the 10th bad frame closes the connection', async () => {
    const c = await client();
    for (let i = 0; i < 9; i++) c.send({ t: 'nonsense' });
    await c.roundTrip();
    expect(c.frames.filter((f) => f.t === 'error')).toHaveLength(9);
    c.send({ t: 'nonsense' });
    await c.waitClosed();
  });

  test('a declared length over max is too_large and closes at once, before the body arrives', async () => {
    const c = await client();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(65537);
    c.sendRaw(header); // no body follows: the server must not wait for it
    const error = await c.error('too_large');
    expect(error.msg).toContain('65537');
    await c.waitClosed();
  });

  test('a zero length prefix is too_large and closes', async () => {
    const c = await client();
    c.sendRaw(Buffer.alloc(4));
    await c.error('too_large');
    await c.waitClosed();
  });
});
