// Delete for everyone and typing signals against the real server (PROTOCOL.md section 11): tokens, tombstones, erasure on disk, blobs, quota, and signals that are never stored.

import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deletionHash, deletionToken } from '../../client/deletion';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, randomCid, roomAuth, type RoomAuth } from '../support/wire';

const servers: TestServer[] = [];
const clients: WireClient[] = [];

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.remove();
});

async function serve(args: string[] = []): Promise<TestServer> {
  const server = await startServer({ args });
  servers.push(server);
  return server;
}

async function member(server: TestServer, auth: RoomAuth, create = false): Promise<WireClient> {
  const c = await WireClient.connect(server);
  clients.push(c);
  if (create) await c.create(auth);
  else await c.join(auth);
  return c;
}

/** A writer: its identity seed makes the deletion tokens of its messages. */
function writer(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** Sends with `del` (and `blobs` if given) and waits for the ack. */
async function sendDeletable(c: WireClient, seed: Uint8Array, room: string, env: Uint8Array, blobs?: string[]): Promise<{ id: number; cid: string }> {
  const cid = randomCid();
  c.send({ t: 'send', room, cid, env, del: deletionHash(deletionToken(seed, room, cid)), ...(blobs ? { blobs } : {}) });
  const ack = await c.next('ack', (f) => f.cid === cid);
  return { id: ack.id, cid };
}

function sendDelete(c: WireClient, room: string, id: number, token: Uint8Array): void {
  c.send({ t: 'delete', room, id, token });
}

/** Every file under the data folder, with its bytes. */
function dataFiles(dataFile: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path, bytes: readFileSync(path) });
    }
  };
  walk(dirname(dataFile));
  return out;
}

/**
 * Windows of 32 bytes every 256 bytes of the envelope: SQLite may split an
 * envelope over overflow pages, so the whole envelope is never searched for in one piece.
 */
function windows(env: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 32 <= env.length; at += 256) out.push(Buffer.from(env.subarray(at, at + 32)));
  return out;
}

/** The files (if any) holding any window of `env`. */
function filesHolding(dataFile: string, env: Uint8Array): string[] {
  const probes = windows(env);
  return dataFiles(dataFile)
    .filter((f) => probes.some((p) => f.bytes.includes(p)))
    .map((f) => f.path);
}

async function uploadBlob(c: WireClient, room: string, blob: string, data: Uint8Array): Promise<void> {
  c.send({ t: 'blob_put', room, blob, size: data.length, chunk: data.length });
  const state = await c.next('blob_state', (f) => f.blob === blob);
  expect(state.done).toBe(false);
  c.send({ t: 'blob_chunk', room, blob, i: 0, data });
  const ack = await c.next('blob_ack', (f) => f.blob === blob);
  expect(ack.done).toBe(true);
}

function blobFiles(dataFile: string, blob: string): string[] {
  return dataFiles(dataFile)
    .map((f) => f.path)
    .filter((p) => p.includes(`${blob}`));
}

describe('delete for everyone (section 11.3)', () => {
  test('the right token makes a tombstone: deleted to the deleter and the members, no gap in paging, still a tombstone after a restart', async () => {
    const server = await serve();
    const auth = roomAuth('erase-1', 'pass');
    const alice = await member(server, auth, true);
    const bob = await member(server, auth);
    const seed = writer();
    const before = await alice.sendMessage(auth.room, fakeEnvelope(100));
    const victim = await sendDeletable(alice, seed, auth.room, fakeEnvelope(300));
    const after = await alice.sendMessage(auth.room, fakeEnvelope(100));
    await bob.next('msg', (f) => f.id === after.id);

    sendDelete(alice, auth.room, victim.id, deletionToken(seed, auth.room, victim.cid));
    expect(await alice.next('deleted')).toEqual({ t: 'deleted', room: auth.room, id: victim.id });
    expect(await bob.next('deleted')).toEqual({ t: 'deleted', room: auth.room, id: victim.id });

    const page = await bob.history(auth.room);
    expect(page.msgs.map((m) => m.id)).toEqual([before.id, victim.id, after.id]);
    const tomb = page.msgs[1]!;
    expect(tomb.deleted).toBe(true);
    expect(tomb.env.length).toBe(0);
    expect(tomb.cid).toBe(victim.cid);
    expect(page.msgs[0]!.deleted).toBeUndefined();
    // Paging one at a time backwards from the newest steps onto the tombstone, not over it.
    const one = await bob.history(auth.room, { before: after.id, limit: 1 });
    expect(one.msgs.map((m) => [m.id, m.deleted])).toEqual([[victim.id, true]]);
    expect(one.more).toBe(true);

    // Idempotent: the deleter hears `deleted` again, the members do not.
    sendDelete(alice, auth.room, victim.id, deletionToken(seed, auth.room, victim.cid));
    await alice.next('deleted', (f) => f.id === victim.id);
    await alice.roundTrip();
    await bob.roundTrip();
    expect(bob.frames.filter((f) => f.t === 'deleted')).toEqual([]);
    // A resend of the deleted message's cid is acked with its id and stores nothing.
    const resend = await alice.sendMessage(auth.room, fakeEnvelope(300), victim.cid);
    expect(resend.id).toBe(victim.id);

    await server.restart();
    const carol = await member(server, auth);
    const again = await carol.history(auth.room);
    expect(again.msgs.map((m) => [m.id, m.deleted === true, m.env.length])).toEqual([
      [before.id, false, 100],
      [victim.id, true, 0],
      [after.id, false, 100],
    ]);
    expect(carol.malformed).toEqual([]);
  });

  test('a wrong token, a message stored without del, an unknown id: forbidden, naming room and id, and nothing changes', async () => {
    const server = await serve();
    const auth = roomAuth('erase-2', 'pass');
    const alice = await member(server, auth, true);
    const mallory = await member(server, auth);
    const seed = writer();
    const env = fakeEnvelope(200);
    const victim = await sendDeletable(alice, seed, auth.room, env);
    // Mallory has her own seed: her token for Alice's message is not Alice's.
    sendDelete(mallory, auth.room, victim.id, deletionToken(writer(), auth.room, victim.cid));
    const wrong = await mallory.error('forbidden');
    expect([wrong.room, wrong.id]).toEqual([auth.room, victim.id]);
    // The hash itself (what anyone may have seen) is not the token either.
    sendDelete(mallory, auth.room, victim.id, deletionHash(deletionToken(seed, auth.room, victim.cid)));
    await mallory.error('forbidden');

    const plain = await alice.sendMessage(auth.room, fakeEnvelope(50));
    sendDelete(alice, auth.room, plain.id, deletionToken(seed, auth.room, 'anything'));
    const noDel = await alice.error('forbidden');
    expect(noDel.msg).toMatch(/without a deletion token/);
    sendDelete(alice, auth.room, plain.id + 1000, deletionToken(seed, auth.room, victim.cid));
    expect((await alice.error('forbidden')).id).toBe(plain.id + 1000);

    const page = await alice.history(auth.room);
    expect(page.msgs.map((m) => m.deleted)).toEqual([undefined, undefined]);
    expect(Buffer.from(page.msgs[0]!.env).equals(Buffer.from(env))).toBe(true);
    expect(alice.frames.filter((f) => f.t === 'deleted')).toEqual([]);
  });

  test('a connection not joined to the room gets not_joined, even with the right token', async () => {
    const server = await serve();
    const auth = roomAuth('erase-3', 'pass');
    const other = roomAuth('elsewhere', 'pass');
    const alice = await member(server, auth, true);
    const seed = writer();
    const victim = await sendDeletable(alice, seed, auth.room, fakeEnvelope(80));
    const outsider = await member(server, other, true);
    sendDelete(outsider, auth.room, victim.id, deletionToken(seed, auth.room, victim.cid));
    const refused = await outsider.error('not_joined');
    expect([refused.room, refused.id]).toEqual([auth.room, victim.id]);
    const page = await alice.history(auth.room);
    expect(page.msgs[0]!.deleted).toBeUndefined();
  });

  test('after a delete and a graceful stop the envelope is in no file under the data folder (in the row, in overflow pages, in the envelope log)', async () => {
    const server = await serve();
    const auth = roomAuth('erase-4', 'pass');
    const alice = await member(server, auth, true);
    const seed = writer();
    // Small (in the row), medium (overflow pages) and large (>= 16 KiB: the envelope log); each with a kept twin.
    const sizes = [700, 9000, 64 * 1024];
    const victims: { id: number; cid: string; env: Uint8Array }[] = [];
    const kept: Uint8Array[] = [];
    for (const size of sizes) {
      const env = fakeEnvelope(size);
      victims.push({ ...(await sendDeletable(alice, seed, auth.room, env)), env });
      const keep = fakeEnvelope(size);
      await alice.sendMessage(auth.room, keep);
      kept.push(keep);
    }
    // Let the checkpoint worker copy the pages into chat.db, so erasing must reach the main file too.
    await Bun.sleep(2500);
    for (const v of victims) {
      sendDelete(alice, auth.room, v.id, deletionToken(seed, auth.room, v.cid));
      await alice.next('deleted', (f) => f.id === v.id).catch((e: unknown) => { throw new Error(`${String(e)}\n${server.stderr()}`); });
    }
    alice.close();
    await server.stop();
    // The control: the same search finds the envelopes that were not deleted.
    for (const keep of kept) expect(filesHolding(server.dataFile, keep).length).toBeGreaterThan(0);
    for (const v of victims) expect({ size: v.env.length, files: filesHolding(server.dataFile, v.env) }).toEqual({ size: v.env.length, files: [] });
    await server.restart();
  }, 30_000);

  test('deleting a message removes the blobs it owns, not a blob another message only names; it frees the quota', async () => {
    const server = await serve(['--max-room-bytes', '20000']);
    const auth = roomAuth('erase-5', 'pass');
    const alice = await member(server, auth, true);
    const bob = await member(server, auth);
    const aliceSeed = writer();
    const bobSeed = writer();
    const blob = randomCid();
    const data = new Uint8Array(randomBytes(4000));
    await uploadBlob(alice, auth.room, blob, data);
    const fileMsg = await sendDeletable(alice, aliceSeed, auth.room, fakeEnvelope(100), [blob]);
    // Bob names Alice's blob in his own message: he does not own it, so his delete leaves it.
    const bobMsg = await sendDeletable(bob, bobSeed, auth.room, fakeEnvelope(100), [blob]);
    sendDelete(bob, auth.room, bobMsg.id, deletionToken(bobSeed, auth.room, bobMsg.cid));
    await bob.next('deleted', (f) => f.id === bobMsg.id);
    bob.send({ t: 'blob_get', room: auth.room, blob });
    expect((await bob.next('blob_data', (f) => f.blob === blob)).data.length).toBe(4000);

    // 4000 (blob) + 100 (Alice's envelope; Bob's was freed) used of 20000: a 16000-byte blob would pass it.
    alice.send({ t: 'blob_put', room: auth.room, blob: randomCid(), size: 16000, chunk: 16000 });
    const full = await alice.error('full');
    expect(full.blob).toBeDefined();

    sendDelete(alice, auth.room, fileMsg.id, deletionToken(aliceSeed, auth.room, fileMsg.cid));
    await alice.next('deleted', (f) => f.id === fileMsg.id);
    expect(blobFiles(server.dataFile, blob)).toEqual([]);
    bob.send({ t: 'blob_get', room: auth.room, blob });
    expect((await bob.error('no_blob')).blob).toBe(blob);
    // The blob's 4000 bytes and the envelopes' are back: a 16000-byte blob now fits.
    const next = randomCid();
    await uploadBlob(alice, auth.room, next, new Uint8Array(randomBytes(16000)));
  });

  test('a blob_put past the room quota is refused with full and the blob id before any bytes; messages count against it', async () => {
    const server = await serve(['--max-room-bytes', '10000']);
    const auth = roomAuth('quota-1', 'pass');
    const alice = await member(server, auth, true);
    await alice.sendMessage(auth.room, fakeEnvelope(6000));
    const blob = randomCid();
    alice.send({ t: 'blob_put', room: auth.room, blob, size: 5000, chunk: 5000 });
    const full = await alice.error('full');
    expect([full.room, full.blob]).toEqual([auth.room, blob]);
    expect(blobFiles(server.dataFile, blob)).toEqual([]);
    // A blob that fits is taken; then a message past the rest is refused: blobs count for sends too.
    await uploadBlob(alice, auth.room, randomCid(), new Uint8Array(randomBytes(3000)));
    alice.send({ t: 'send', room: auth.room, cid: randomCid(), env: fakeEnvelope(2000) });
    expect((await alice.error('full')).room).toBe(auth.room);
  });

  test('an old-style client (no del, no signal) sees what it saw before: acks, msgs and pages without new keys', async () => {
    const server = await serve();
    const auth = roomAuth('old-1', 'pass');
    const alice = await member(server, auth, true);
    const bob = await member(server, auth);
    const env = fakeEnvelope(120);
    const ack = await alice.sendMessage(auth.room, env);
    const msg = await bob.next('msg', (f) => f.id === ack.id);
    expect(Buffer.from(msg.env).equals(Buffer.from(env))).toBe(true);
    const page = await bob.history(auth.room);
    expect(page.msgs).toEqual([{ id: ack.id, ts: ack.ts, cid: ack.cid, env: msg.env }]);
    expect(alice.malformed).toEqual([]);
    expect(bob.malformed).toEqual([]);
  });
});

describe('signal (section 11.6)', () => {
  test('relayed to the other members joined right now, not to the sender or other rooms; at most one a second; never stored', async () => {
    const server = await serve();
    const auth = roomAuth('typing-1', 'pass');
    const alice = await member(server, auth, true);
    const bob = await member(server, auth);
    const carol = await member(server, roomAuth('typing-2', 'pass'), true);
    const last = (await alice.history(auth.room)).msgs.length;
    const env = fakeEnvelope(200);
    alice.send({ t: 'signal', room: auth.room, env });
    const got = await bob.next('signal');
    expect(got.room).toBe(auth.room);
    expect(Buffer.from(got.env).equals(Buffer.from(env))).toBe(true);

    // A second one within the second is dropped; after it, one goes through again.
    const dropped = fakeEnvelope(200);
    alice.send({ t: 'signal', room: auth.room, env: dropped });
    await alice.roundTrip();
    await bob.roundTrip();
    await carol.roundTrip();
    expect(bob.frames.filter((f) => f.t === 'signal')).toEqual([]);
    expect(alice.frames.filter((f) => f.t === 'signal')).toEqual([]);
    expect(carol.frames.filter((f) => f.t === 'signal')).toEqual([]);
    await Bun.sleep(1100);
    alice.send({ t: 'signal', room: auth.room, env: fakeEnvelope(200) });
    await bob.next('signal');

    // Carol is not in the room: not_joined, and nobody hears it.
    carol.send({ t: 'signal', room: auth.room, env: fakeEnvelope(50) });
    expect((await carol.error('not_joined')).room).toBe(auth.room);

    // Not stored: no page entry, no id, not in any file.
    const page = await bob.history(auth.room);
    expect(page.msgs.length).toBe(last);
    const dave = await member(server, auth);
    expect(dave.frames.filter((f) => f.t === 'signal')).toEqual([]);
    for (const c of [alice, bob, carol, dave]) c.close();
    await server.stop();
    expect(filesHolding(server.dataFile, env)).toEqual([]);
    expect(filesHolding(server.dataFile, dropped)).toEqual([]);
    await server.restart();
  }, 20_000);

  test('a member whose output is backed up gets no signal (and every stored message still arrives)', async () => {
    const PAGE_MESSAGES = 40;
    // One 40 MB page: more than loopback's socket buffers take even fully grown (Linux lets a receive
    // buffer grow to 32 MB, a send buffer to 4 MB), so part of it always waits in the server's queue for
    // Bob; one frame may wait whole (the cut-off bound is for the backlog behind it), hence --max-frame.
    const server = await serve(['--max-frame', String(48 * 1024 * 1024)]);
    const auth = roomAuth('typing-3', 'pass');
    const alice = await member(server, auth, true);
    const bob = await member(server, auth);
    for (let i = 0; i < PAGE_MESSAGES; i++) await alice.sendMessage(auth.room, fakeEnvelope(1_000_000));
    await bob.roundTrip();
    bob.frames.length = 0;
    bob.socket.pause();
    bob.send({ t: 'history', room: auth.room, limit: PAGE_MESSAGES });
    await Bun.sleep(300);
    alice.send({ t: 'signal', room: auth.room, env: fakeEnvelope(100) });
    await alice.roundTrip();
    bob.socket.resume();
    const page = await bob.next('page', () => true, 20_000);
    expect(page.msgs.length).toBe(PAGE_MESSAGES);
    await bob.roundTrip();
    expect(bob.frames.filter((f) => f.t === 'signal')).toEqual([]);
    // Caught up, Bob hears the next one (past the one-second spacing).
    await Bun.sleep(1100);
    alice.send({ t: 'signal', room: auth.room, env: fakeEnvelope(100) });
    await bob.next('signal');
  }, 30_000);
});
