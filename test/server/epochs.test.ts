// Per-user keys against the real server (PROTOCOL.md section 12): owners, rotate, stale epochs, catching up at a past epoch, restart, and bad frames.

import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { ownerKeyFromSeed, signOwnerAdd, signRotate, type OwnerKey } from '../../client/epochs/keys';
import { u32 } from '../../protocol/epoch-header';
import type { ClientFrame, ServerFrame } from '../../protocol/frames';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth, type RoomAuth } from '../support/wire';

const servers: TestServer[] = [];
const clients: WireClient[] = [];

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.remove();
});

let shared: TestServer | undefined;
async function server(): Promise<TestServer> {
  if (!shared) {
    shared = await startServer();
    servers.push(shared);
  }
  return shared;
}

let roomCounter = 0;
function roomName(prefix: string): string {
  return `${prefix}-${process.pid}-${++roomCounter}`;
}

async function connect(s: TestServer): Promise<WireClient> {
  const c = await WireClient.connect(s);
  clients.push(c);
  return c;
}

/** An owner key for the room from a fresh identity seed (section 12.1). */
function owner(room: string): OwnerKey {
  return ownerKeyFromSeed(new Uint8Array(randomBytes(32)), room);
}

/** A connection that creates the room, registering `by` as its first owner (or none). */
async function creator(s: TestServer, auth: RoomAuth, by: OwnerKey | null): Promise<WireClient> {
  const c = await connect(s);
  c.send({
    t: 'create',
    room: auth.room,
    salt: auth.salt,
    kdf: auth.kdf,
    auth: auth.auth,
    proof: joinProof(auth, c.challenge),
    ...(by ? { owner: by.publicKey } : {}),
  });
  await c.next('joined', (f) => f.room === auth.room);
  return c;
}

async function member(s: TestServer, auth: RoomAuth): Promise<WireClient> {
  const c = await connect(s);
  await c.join(auth);
  return c;
}

/** Opaque to the server: only the header (version 2 and the epoch) is read. */
function v2Envelope(epoch: number, size = 64): Uint8Array {
  const env = new Uint8Array(5 + size);
  env[0] = 2;
  env.set(u32(epoch), 1);
  env.set(randomBytes(size), 5);
  return env;
}

/** A signed `rotate` to `next`'s parameters, with a link envelope of that epoch. */
function rotateFrame(by: OwnerKey, epoch: number, next: RoomAuth, cid = randomCid()): Extract<ClientFrame, { t: 'rotate' }> {
  const fields = { room: next.room, epoch, salt: next.salt, kdf: next.kdf, auth: next.auth };
  return { t: 'rotate', ...fields, owner: by.publicKey, sig: signRotate(by, fields), cid, link: v2Envelope(epoch) };
}

function ownerAddFrame(room: string, by: OwnerKey, newOwner: Uint8Array): Extract<ClientFrame, { t: 'owner_add' }> {
  return { t: 'owner_add', room, owner: newOwner, by: by.publicKey, sig: signOwnerAdd(by, newOwner) };
}

type Of<T extends ServerFrame['t']> = Extract<ServerFrame, { t: T }>;

async function rotated(c: WireClient, room: string, epoch: number): Promise<Of<'rotated'>> {
  return c.next('rotated', (f) => f.room === room && f.epoch === epoch);
}

async function roomReply(c: WireClient, room: string): Promise<Of<'room'>> {
  c.send({ t: 'room', room });
  return c.next('room', (f) => f.room === room);
}

/** No frame of type `t` arrived by the time a ping round trip is done (and a little after). */
async function expectNone(c: WireClient, t: ServerFrame['t']): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await c.roundTrip();
  expect(c.frames.filter((f) => f.t === t)).toEqual([]);
}

describe('owners and rotate (section 12.3-12.4)', () => {
  test('the owner rotates: everyone joined hears it, the join check switches, and members catch up with the new proof', async () => {
    const s = await server();
    const room = roomName('rot');
    const ada = owner(room);
    const e0 = roomAuth(room, 'old passphrase');
    const e1 = roomAuth(room, 'new passphrase');
    const a = await creator(s, e0, ada);
    const b = await member(s, e0);
    const before = await a.sendMessage(room, fakeEnvelope());
    await b.next('msg', (f) => f.id === before.id);

    const frame = rotateFrame(ada, 1, e1);
    a.send(frame);
    const toAda = await rotated(a, room, 1);
    const toBob = await rotated(b, room, 1);
    for (const r of [toAda, toBob]) {
      expect(Buffer.from(r.auth).equals(Buffer.from(e1.auth))).toBe(true);
      expect(Buffer.from(r.salt).equals(Buffer.from(e1.salt))).toBe(true);
      expect(Buffer.from(r.owner).equals(Buffer.from(ada.publicKey))).toBe(true);
      expect(Buffer.from(r.sig).equals(Buffer.from(frame.sig))).toBe(true);
      expect(r.kdf).toEqual(e1.kdf);
      expect(r.id).toBeGreaterThan(before.id);
    }
    // The link reaches the others as the first message of epoch 1.
    const link = await b.next('msg', (f) => f.cid === frame.cid);
    expect(link.id).toBe(toAda.id);
    expect(Buffer.from(link.env).equals(Buffer.from(frame.link))).toBe(true);

    // `room` names the new parameters and epoch.
    const info = await roomReply(b, room);
    expect(info.epoch).toBe(1);
    expect(Buffer.from(info.salt ?? []).equals(Buffer.from(e1.salt))).toBe(true);

    // Bob is now joined at epoch 0: no live frames, and his sends are refused.
    const cid = randomCid();
    b.send({ t: 'send', room, cid, env: v2Envelope(1) });
    const refused = await b.error('stale_epoch');
    expect(refused).toMatchObject({ room, cid, epoch: 1 });
    const after = await a.sendMessage(room, v2Envelope(1));
    await expectNone(b, 'msg');

    // With the new proof Bob is a full member again, at epoch 1.
    const rejoined = await b.join(e1);
    expect(rejoined.epoch).toBe(1);
    expect(rejoined.upto).toBeUndefined();
    expect(rejoined.last).toBe(after.id);
    const next = await a.sendMessage(room, v2Envelope(1));
    await b.next('msg', (f) => f.id === next.id);
    const bobs = await b.sendMessage(room, v2Envelope(1));
    await a.next('msg', (f) => f.id === bobs.id);
  });

  test('a member who knows the passphrase cannot rotate, not even naming the owner key', async () => {
    const s = await server();
    const room = roomName('nonowner');
    const ada = owner(room);
    const carol = owner(room);
    const e0 = roomAuth(room, 'shared passphrase');
    const e1 = roomAuth(room, 'carol wants this');
    await creator(s, e0, ada);
    const c = await member(s, e0);

    c.send(rotateFrame(carol, 1, e1));
    expect(await c.error('forbidden')).toMatchObject({ room });
    // Ada's public owner key with Carol's signature.
    const forged = rotateFrame(carol, 1, e1);
    c.send({ ...forged, owner: ada.publicKey });
    expect(await c.error('forbidden')).toMatchObject({ room });
    // Carol cannot make herself an owner either: the room has one.
    c.send(ownerAddFrame(room, carol, carol.publicKey));
    expect(await c.error('forbidden')).toMatchObject({ room });

    const info = await roomReply(c, room);
    expect(info.epoch).toBeUndefined();
    expect(Buffer.from(info.salt ?? []).equals(Buffer.from(e0.salt))).toBe(true);
    // The old passphrase still joins: nothing changed.
    await member(s, e0);
  });

  test("after a rotation the old passphrase's proof is refused; the new one joins", async () => {
    const s = await server();
    const room = roomName('oldproof');
    const ada = owner(room);
    const e0 = roomAuth(room, 'before');
    const e1 = roomAuth(room, 'after');
    const a = await creator(s, e0, ada);
    a.send(rotateFrame(ada, 1, e1));
    await rotated(a, room, 1);

    const carol = await connect(s);
    carol.send({ t: 'join', room, proof: joinProof(e0, carol.challenge) });
    expect(await carol.error('bad_proof')).toMatchObject({ room });
    const joined = await member(s, e1);
    expect(joined.closed).toBe(false);
  });

  test('two owners rotate at once: one wins, the other gets stale_epoch, and the room is consistent', async () => {
    const s = await server();
    const room = roomName('race');
    const ada = owner(room);
    const bob = owner(room);
    const e0 = roomAuth(room, 'start');
    const a = await creator(s, e0, ada);
    a.send(ownerAddFrame(room, ada, bob.publicKey));
    await a.next('owner_added', (f) => f.room === room);
    const b = await member(s, e0);

    const byAda = roomAuth(room, 'ada picks this');
    const byBob = roomAuth(room, 'bob picks this');
    const fa = rotateFrame(ada, 1, byAda);
    const fb = rotateFrame(bob, 1, byBob);
    // Written back to back: both arrive while the room is at epoch 0.
    a.send(fa);
    b.send(fb);
    // Both hear one epoch 1: the winner's.
    const heard = await Promise.all([rotated(a, room, 1), rotated(b, room, 1)]);
    expect(Buffer.from(heard[0].auth).equals(Buffer.from(heard[1].auth))).toBe(true);
    const winnerAuth = Buffer.from(heard[0].auth);
    const [winner, loser] = winnerAuth.equals(Buffer.from(byAda.auth)) ? [byAda, byBob] : [byBob, byAda];
    const loserFrame = loser === byAda ? fa : fb;
    const loserConn = loser === byAda ? a : b;
    const winnerConn = loser === byAda ? b : a;
    expect(await loserConn.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
    await a.roundTrip();
    await b.roundTrip();
    expect([...a.frames, ...b.frames].filter((f) => f.t === 'rotated')).toEqual([]);
    expect(winnerConn.frames.filter((f) => f.t === 'error')).toEqual([]);

    // One epoch 1, with the winner's key: the loser's passphrase does not join, the winner's does.
    const info = await roomReply(a, room);
    expect(info.epoch).toBe(1);
    expect(Buffer.from(info.salt ?? []).equals(Buffer.from(winner.salt))).toBe(true);
    const probe = await connect(s);
    probe.send({ t: 'join', room, proof: joinProof(loser, probe.challenge) });
    await probe.error('bad_proof');
    const full = await member(s, winner);
    // Only the winner's link is stored.
    const page = await full.history(room);
    expect(page.msgs.filter((m) => m.cid === loserFrame.cid)).toEqual([]);
    expect(page.msgs.filter((m) => m.cid === (loser === byAda ? fb : fa).cid)).toHaveLength(1);
  });

  test('envelopes of an older epoch are refused with stale_epoch and stored nowhere; a resend of a stored one is acked', async () => {
    const s = await server();
    const room = roomName('stale');
    const ada = owner(room);
    const e0 = roomAuth(room, 'zero');
    const e1 = roomAuth(room, 'one');
    const a = await creator(s, e0, ada);
    const oldCid = randomCid();
    const old = await a.sendMessage(room, fakeEnvelope(), oldCid);
    a.send(rotateFrame(ada, 1, e1));
    const r = await rotated(a, room, 1);

    const v1Cid = randomCid();
    a.send({ t: 'send', room, cid: v1Cid, env: fakeEnvelope() });
    expect(await a.error('stale_epoch')).toMatchObject({ room, cid: v1Cid, epoch: 1 });
    const futureCid = randomCid();
    a.send({ t: 'send', room, cid: futureCid, env: v2Envelope(2) });
    expect(await a.error('stale_epoch')).toMatchObject({ room, cid: futureCid, epoch: 1 });
    const unknownCid = randomCid();
    a.send({ t: 'send', room, cid: unknownCid, env: new Uint8Array([7, 1, 2, 3]) });
    expect(await a.error('stale_epoch')).toMatchObject({ room, cid: unknownCid, epoch: 1 });
    // A resend of the epoch-0 message stored before the rotation gets its first ack.
    const again = await a.sendMessage(room, fakeEnvelope(), oldCid);
    expect(again.id).toBe(old.id);
    const good = await a.sendMessage(room, v2Envelope(1));
    // A rotation naming anything but the next epoch is stale too (the owner is fully joined at epoch 1).
    for (const epoch of [1, 3]) {
      a.send(rotateFrame(ada, epoch, roomAuth(room, `again ${epoch}`)));
      expect(await a.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
    }
    expect((await roomReply(a, room)).epoch).toBe(1);

    const page = await a.history(room);
    expect(page.msgs.map((m) => m.id)).toEqual([old.id, r.id, good.id]);
  });
});

describe('joining at a past epoch (section 12.7)', () => {
  test('a member offline during the rotation reads history up to upto only, gets no live frames, and may not write', async () => {
    const s = await server();
    const room = roomName('catchup');
    const ada = owner(room);
    const e0 = roomAuth(room, 'epoch zero');
    const e1 = roomAuth(room, 'epoch one');
    const a = await creator(s, e0, ada);
    const first = await a.sendMessage(room, fakeEnvelope());
    const grant = await a.sendMessage(room, fakeEnvelope());
    a.send(rotateFrame(ada, 1, e1));
    const r = await rotated(a, room, 1);
    const later = await a.sendMessage(room, v2Envelope(1));

    const carol = await connect(s);
    carol.send({ t: 'join', room, proof: joinProof(e0, carol.challenge), epoch: 0 });
    const joined = await carol.next('joined', (f) => f.room === room);
    expect(joined).toMatchObject({ room, epoch: 0, upto: grant.id, last: grant.id });

    const newest = await carol.history(room);
    expect(newest.msgs.map((m) => m.id)).toEqual([first.id, grant.id]);
    expect(newest.more).toBe(false);
    const after = await carol.history(room, { after: first.id });
    expect(after.msgs.map((m) => m.id)).toEqual([grant.id]);
    expect(after.more).toBe(false);
    expect((await carol.history(room, { after: grant.id })).msgs).toEqual([]);
    expect((await carol.history(room, { before: later.id + 1 })).msgs.map((m) => m.id)).toEqual([first.id, grant.id]);

    // Nothing live reaches it: no msg, no presence, no signal.
    const live = await a.sendMessage(room, v2Envelope(1));
    a.send({ t: 'signal', room, env: v2Envelope(1, 16) });
    await member(s, e1);
    await expectNone(carol, 'msg');
    expect(carol.frames.filter((f) => f.t === 'presence' || f.t === 'signal')).toEqual([]);

    // Writes answer stale_epoch with the current epoch.
    const cid = randomCid();
    carol.send({ t: 'send', room, cid, env: fakeEnvelope() });
    expect(await carol.error('stale_epoch')).toMatchObject({ room, cid, epoch: 1 });
    carol.send({ t: 'signal', room, env: fakeEnvelope(16) });
    expect(await carol.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
    carol.send({ t: 'delete', room, id: first.id, token: new Uint8Array(32) });
    expect(await carol.error('stale_epoch')).toMatchObject({ room, id: first.id, epoch: 1 });
    carol.send(rotateFrame(ada, 2, roomAuth(room, 'two')));
    expect(await carol.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
    carol.send(ownerAddFrame(room, ada, owner(room).publicKey));
    expect(await carol.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
    carol.send({ t: 'blob_put', room, blob: randomCid(), size: 10, chunk: 10 });
    expect(await carol.error('stale_epoch')).toMatchObject({ room, epoch: 1 });

    // A wrong proof for the past epoch, or an epoch the room never had, is refused.
    const dave = await connect(s);
    dave.send({ t: 'join', room, proof: joinProof(e1, dave.challenge), epoch: 0 });
    await dave.error('bad_proof');
    dave.send({ t: 'join', room, proof: joinProof(e1, dave.challenge), epoch: 5 });
    expect(await dave.error('stale_epoch')).toMatchObject({ room, epoch: 1 });

    // With the new proof Carol is a full member and reads everything.
    const full = await carol.join(e1);
    expect(full.epoch).toBe(1);
    expect(full.last).toBe(live.id);
    const all = await carol.history(room);
    expect(all.msgs.map((m) => m.id)).toEqual([first.id, grant.id, r.id, later.id, live.id]);
    const next = await a.sendMessage(room, v2Envelope(1));
    await carol.next('msg', (f) => f.id === next.id);
  });
});

describe('blobs at a past epoch (section 12.9a)', () => {
  test('a connection joined at an older epoch downloads a blob of its epoch but cannot upload', async () => {
    const s = await server();
    const room = roomName('blobs');
    const ada = owner(room);
    const e0 = roomAuth(room, 'files zero');
    const a = await creator(s, e0, ada);
    // One chunk of opaque bytes: the server neither reads nor checks them.
    const blob = randomCid();
    const bytes = new Uint8Array(randomBytes(300));
    a.send({ t: 'blob_put', room, blob, size: bytes.length, chunk: bytes.length });
    await a.next('blob_state', (f) => f.blob === blob);
    a.send({ t: 'blob_chunk', room, blob, i: 0, data: bytes });
    expect((await a.next('blob_ack', (f) => f.blob === blob)).done).toBe(true);
    a.send({ t: 'send', room, cid: randomCid(), env: fakeEnvelope(), blobs: [blob] });
    await a.next('ack', (f) => f.room === room);
    a.send(rotateFrame(ada, 1, roomAuth(room, 'files one')));
    await rotated(a, room, 1);

    const carol = await connect(s);
    carol.send({ t: 'join', room, proof: joinProof(e0, carol.challenge), epoch: 0 });
    await carol.next('joined', (f) => f.room === room);
    carol.send({ t: 'blob_get', room, blob });
    const data = await carol.next('blob_data', (f) => f.blob === blob);
    expect(data.last).toBe(true);
    expect(Buffer.from(data.data).equals(Buffer.from(bytes))).toBe(true);
    carol.send({ t: 'blob_chunk', room, blob, i: 0, data: bytes });
    expect(await carol.error('stale_epoch')).toMatchObject({ room, epoch: 1 });
  });
});

describe('a room without an owner (section 12.3)', () => {
  test('is claimed once; then only owners add owners, and an added owner can rotate', async () => {
    const s = await server();
    const room = roomName('claim');
    const e0 = roomAuth(room, 'no owner yet');
    const a = await creator(s, e0, null);
    const b = await member(s, e0);
    const bob = owner(room);
    const carol = owner(room);

    b.send(ownerAddFrame(room, bob, bob.publicKey));
    expect(await b.next('owner_added', (f) => f.room === room)).toMatchObject({ room });
    // The second claim loses, even signed correctly.
    a.send(ownerAddFrame(room, carol, carol.publicKey));
    expect(await a.error('forbidden')).toMatchObject({ room });
    // A claim signed by another key than the one claimed is no claim.
    const bad = ownerAddFrame(room, carol, carol.publicKey);
    a.send({ ...bad, sig: signOwnerAdd(bob, carol.publicKey).fill(1, 0, 8) });
    expect(await a.error('forbidden')).toMatchObject({ room });
    // A repeat by the owner is a repeat.
    b.send(ownerAddFrame(room, bob, bob.publicKey));
    await b.next('owner_added', (f) => f.room === room);
    // Bob adds Carol (twice: the second changes nothing); Carol can rotate.
    b.send(ownerAddFrame(room, bob, carol.publicKey));
    const added = await b.next('owner_added', (f) => f.room === room);
    expect(Buffer.from(added.owner).equals(Buffer.from(carol.publicKey))).toBe(true);
    b.send(ownerAddFrame(room, bob, carol.publicKey));
    await b.next('owner_added', (f) => f.room === room);
    a.send(rotateFrame(carol, 1, roomAuth(room, 'carol rotated')));
    await rotated(a, room, 1);
  });
});

describe('restart (section 12.10)', () => {
  test('epochs, past epochs and owners survive a restart of the server on the same SQLite file', async () => {
    const s = await startServer();
    servers.push(s);
    const room = roomName('restart');
    const ada = owner(room);
    const e0 = roomAuth(room, 'e0');
    const e1 = roomAuth(room, 'e1');
    const a = await creator(s, e0, ada);
    const old = await a.sendMessage(room, fakeEnvelope());
    a.send(rotateFrame(ada, 1, e1));
    const r = await rotated(a, room, 1);
    a.close();

    await s.restart();

    const c = await connect(s);
    const info = await roomReply(c, room);
    expect(info.epoch).toBe(1);
    expect(Buffer.from(info.salt ?? []).equals(Buffer.from(e1.salt))).toBe(true);
    c.send({ t: 'join', room, proof: joinProof(e0, c.challenge) });
    await c.error('bad_proof');
    c.send({ t: 'join', room, proof: joinProof(e0, c.challenge), epoch: 0 });
    expect(await c.next('joined', (f) => f.room === room)).toMatchObject({ epoch: 0, upto: old.id });
    const full = await c.join(e1);
    expect(full).toMatchObject({ epoch: 1, last: r.id });
    // Sends of epoch 0 are still refused, epoch 1 stored.
    c.send({ t: 'send', room, cid: randomCid(), env: fakeEnvelope() });
    await c.error('stale_epoch');
    await c.sendMessage(room, v2Envelope(1));
    // The owner is still registered: a non-owner is refused, Ada rotates to epoch 2.
    c.send(rotateFrame(owner(room), 2, roomAuth(room, 'e2')));
    await c.error('forbidden');
    c.send(rotateFrame(ada, 2, roomAuth(room, 'e2')));
    await rotated(c, room, 2);
  });
});

describe('bad section 12 frames', () => {
  test('answer bad_frame, and the server keeps serving', async () => {
    const s = await server();
    const room = roomName('fuzz');
    const ada = owner(room);
    const e0 = roomAuth(room, 'fuzz');
    const e1 = roomAuth(room, 'fuzz one');
    const a = await creator(s, e0, ada);
    const good = rotateFrame(ada, 1, e1);
    const goodAdd = ownerAddFrame(room, ada, owner(room).publicKey);
    const bad: Record<string, unknown>[] = [
      { ...good, epoch: 0 },
      { ...good, epoch: -1 },
      { ...good, epoch: '1' },
      { ...good, epoch: 2 ** 32 },
      { ...good, epoch: 1.5 },
      { ...good, salt: new Uint8Array(15) },
      { ...good, kdf: { n: 'x', r: 8, p: 1 } },
      { ...good, auth: 'key' },
      { ...good, owner: new Uint8Array(31) },
      { ...good, sig: null },
      { ...good, cid: 'no' },
      { ...good, link: fakeEnvelope() },
      { ...good, link: v2Envelope(2) },
      { ...good, link: new Uint8Array([2, 0, 0]) },
      { ...good, link: 'text' },
      { ...goodAdd, owner: 42 },
      { ...goodAdd, by: new Uint8Array(33) },
      { ...goodAdd, sig: [1, 2, 3] },
      { t: 'owner_add', room },
      { t: 'join', room, proof: joinProof(e0, a.challenge), epoch: 'x' },
      { t: 'join', room, proof: joinProof(e0, a.challenge), epoch: -3 },
      { t: 'create', room: roomName('fuzz'), salt: e0.salt, kdf: e0.kdf, auth: e0.auth, proof: new Uint8Array(64), owner: new Uint8Array(5) },
    ];
    // Fewer than 10 per connection, so the bad-frame limit does not close them.
    let conn = a;
    for (let i = 0; i < bad.length; i++) {
      if (i > 0 && i % 8 === 0) conn = await member(s, e0);
      conn.send(bad[i] as Record<string, unknown>);
      const error = await conn.next('error', (f) => f.code === 'bad_frame');
      expect(error.msg.length).toBeGreaterThan(0);
    }
    // Nothing changed and the server still works: the good rotation goes through.
    const info = await roomReply(conn, room);
    expect(info.epoch).toBeUndefined();
    conn.send(good);
    await rotated(conn, room, 1);
    expect(conn.malformed).toEqual([]);
  });
});
