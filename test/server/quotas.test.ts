// Per-address limits and storage quotas against the real server (PROTOCOL.md sections 6-7): connection cap per address, room caps, KDF bounds on create, `full`.

import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, encodeFrameBody } from '../../protocol/codec';
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../../protocol/frames';
import { FrameDecoder } from '../../protocol/framing';
import { DiskSpace } from '../../server/disk';
import { HourlyLimit, kdfProblem } from '../../server/limits';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth, TEST_KDF, type RoomAuth } from '../support/wire';

const servers: TestServer[] = [];
const sockets: { close(): void }[] = [];
const dirs: string[] = [];

async function serve(args: string[], env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ args, env });
  servers.push(server);
  return server;
}

async function client(server: TestServer): Promise<WireClient> {
  const c = await WireClient.connect(server);
  sockets.push(c);
  return c;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(servers.splice(0).map((s) => s.remove()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A minimal client whose socket is bound to another loopback address (Linux
 * routes all of 127/8 to lo), so the server sees a second address.
 */
class From {
  private readonly frames: ServerFrame[] = [];
  private readonly decoder = new FrameDecoder(1024 * 1024);
  private wake: (() => void) | undefined;
  challenge: Uint8Array = new Uint8Array(0);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const body of this.decoder.push(chunk).frames) {
        const frame = parseServerFrame(decodeBody(body));
        if (frame) this.frames.push(frame);
      }
      this.wake?.();
    });
    socket.on('close', () => this.wake?.());
    socket.on('error', () => {});
  }

  static async connect(server: TestServer, localAddress: string): Promise<From> {
    const socket = connect({ host: server.host, port: server.port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const from = new From(socket);
    sockets.push({ close: () => socket.destroy() });
    return from;
  }

  /** The next frame, or null once the server has closed the connection. */
  async next(timeoutMs = 5000): Promise<ServerFrame | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.socket.destroyed || this.socket.readableEnded) return null;
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    const frame = this.frames.shift() ?? null;
    if (frame?.t === 'hello') this.challenge = frame.challenge;
    return frame;
  }

  send(frame: ClientFrame): void {
    this.socket.write(encodeFrameBody(frame));
  }
}

function createFrame(auth: RoomAuth, challenge: Uint8Array, kdf = auth.kdf): ClientFrame {
  return { t: 'create', room: auth.room, salt: auth.salt, kdf, auth: auth.auth, proof: joinProof(auth, challenge) };
}

describe('limits per address', () => {
  test('an address at its connection cap gets busy instead of hello; another address is still served', async () => {
    const server = await serve(['--max-connections-per-address', '3']);
    const own = [await client(server), await client(server), await client(server)];
    const fourth = await From.connect(server, '127.0.0.1');
    const refused = await fourth.next();
    expect(refused?.t === 'error' && refused.code).toBe('busy');
    expect(await fourth.next()).toBeNull(); // then closed
    const other = await From.connect(server, '127.0.0.2');
    expect((await other.next())?.t).toBe('hello');
    // A slot of the first address frees when one of its connections leaves.
    own[0]?.close();
    await Bun.sleep(100);
    const again = await From.connect(server, '127.0.0.1');
    expect((await again.next())?.t).toBe('hello');
    expect(server.stderr()).toContain('refused a connection from 127.0.0.1');
  });

  test('an address may create --max-new-rooms rooms; past that it gets full while another address still creates', async () => {
    const server = await serve(['--max-new-rooms', '2']);
    const c = await client(server);
    await c.create(roomAuth('first', 'p'));
    await c.create(roomAuth('second', 'p'));
    const third = roomAuth('third', 'p');
    c.send(createFrame(third, c.challenge));
    const refused = await c.error('full');
    expect(refused.room).toBe('third');
    // Joining existing rooms is not creating: still allowed.
    const joiner = await client(server);
    await joiner.join(roomAuth('first', 'p', (await roomOf(joiner, 'first')).salt));
    // Another address has its own count.
    const other = await From.connect(server, '127.0.0.2');
    await other.next();
    other.send(createFrame(third, other.challenge));
    const joined = await other.next();
    expect(joined?.t === 'joined' && joined.room).toBe('third');
  });

  test('past --max-rooms on the server a create gets full, also after a restart', async () => {
    const server = await serve(['--max-rooms', '2']);
    const c = await client(server);
    await c.create(roomAuth('one', 'p'));
    await c.create(roomAuth('two', 'p'));
    c.send(createFrame(roomAuth('three', 'p'), c.challenge));
    expect((await c.error('full')).room).toBe('three');
    // A create of an existing room (by a connection not in it) is still answered room_exists, not full.
    const e = await client(server);
    e.send(createFrame(roomAuth('one', 'p'), e.challenge));
    expect((await e.error('room_exists')).room).toBe('one');
    await server.restart();
    const d = await client(server);
    d.send(createFrame(roomAuth('three', 'p'), d.challenge));
    expect((await d.error('full')).room).toBe('three');
  });
});

/** The salt of an existing room, as a joining client learns it. */
async function roomOf(c: WireClient, room: string): Promise<{ salt: Uint8Array }> {
  c.send({ t: 'room', room });
  const answer = await c.next('room', (f) => f.room === room);
  if (!answer.salt) throw new Error(`room ${room} does not exist`);
  return { salt: answer.salt };
}

describe('KDF parameters on create', () => {
  test('the bounds clients accept (PROTOCOL.md section 3)', () => {
    expect(kdfProblem({ n: 2 ** 15, r: 8, p: 1 })).toBeUndefined();
    expect(kdfProblem({ n: 2 ** 17, r: 8, p: 1 })).toBeUndefined();
    expect(kdfProblem({ n: 2 ** 20, r: 16, p: 4 })).toBeUndefined();
    expect(kdfProblem({ n: 2 ** 14, r: 8, p: 1 })).toContain('below the floor');
    expect(kdfProblem({ n: 2 ** 15, r: 7, p: 1 })).toContain('below the floor');
    expect(kdfProblem({ n: 2 ** 21, r: 8, p: 1 })).toContain('above the ceiling');
    expect(kdfProblem({ n: 2 ** 15, r: 17, p: 1 })).toContain('above the ceiling');
    expect(kdfProblem({ n: 2 ** 15, r: 8, p: 5 })).toContain('above the ceiling');
    expect(kdfProblem({ n: 3 * 2 ** 14, r: 8, p: 1 })).toContain('power of two');
    expect(kdfProblem({ n: 1024, r: 8, p: 1 }, 1024)).toBeUndefined();
  });

  test('a real server refuses a create below the floor as bad_frame and makes no room', async () => {
    // '' switches off the test suites' lowered floor: this is the server as deployed.
    const server = await serve([], { MESSAGE_APP_TEST_KDF_FLOOR: '' });
    const c = await client(server);
    const weak = roomAuth('weak', 'p');
    c.send(createFrame(weak, c.challenge));
    expect((await c.error('bad_frame')).msg).toContain('below the floor');
    c.send({ t: 'room', room: 'weak' });
    expect((await c.next('room')).exists).toBe(false);
    // At the floor itself the room is made (the server cannot tell which parameters
    // derived the auth key, so a cheap key stands in for an expensive derivation).
    const floor = roomAuth('floor', 'p');
    c.send(createFrame(floor, c.challenge, { n: 2 ** 15, r: 8, p: 1 }));
    expect((await c.next('joined')).room).toBe('floor');
  });

  test('above the ceiling or N not a power of two is bad_frame', async () => {
    const server = await serve([]);
    const c = await client(server);
    const auth = roomAuth('odd', 'p');
    for (const kdf of [{ ...TEST_KDF, n: 1536 }, { ...TEST_KDF, r: 17 }, { ...TEST_KDF, p: 5 }, { ...TEST_KDF, n: 2 ** 21 }]) {
      c.send(createFrame(auth, c.challenge, kdf));
      await c.error('bad_frame');
    }
    c.send({ t: 'room', room: 'odd' });
    expect((await c.next('room')).exists).toBe(false);
  });
});

describe('storage quotas', () => {
  test('a send past --max-room-bytes gets full with room and cid; what was acked stays; other rooms go on; the count survives a restart', async () => {
    const server = await serve(['--max-room-bytes', '100000']);
    const auth = roomAuth('quota', 'p');
    const c = await client(server);
    await c.create(auth);
    const stored = [fakeEnvelope(30_000), fakeEnvelope(30_000), fakeEnvelope(30_000)];
    const acks = [];
    for (const env of stored) acks.push(await c.sendMessage(auth.room, env));
    const cid = randomCid();
    c.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(30_000) });
    const full = await c.error('full');
    expect(full.room).toBe(auth.room);
    expect(full.cid).toBe(cid);
    // What still fits is taken: 90,000 + 5,000 <= 100,000.
    const small = fakeEnvelope(5_000);
    acks.push(await c.sendMessage(auth.room, small));
    stored.push(small);
    // A resend of a stored message is acked as before, quota or not.
    const first = acks[0];
    if (!first) throw new Error('no ack');
    expect(await c.sendMessage(auth.room, fakeEnvelope(30_000), first.cid)).toEqual(first);
    // Nothing acked was touched.
    const page = await c.history(auth.room);
    expect(page.msgs.map((m) => m.cid)).toEqual(acks.map((a) => a.cid));
    expect(page.msgs.map((m) => Buffer.from(m.env).toString('hex'))).toEqual(stored.map((env) => Buffer.from(env).toString('hex')));
    // Another room has its own quota.
    const other = roomAuth('quota-other', 'p');
    await c.create(other);
    await c.sendMessage(other.room, fakeEnvelope(30_000));
    // The room's byte count is stored: after a restart it is still nearly full.
    await server.restart();
    const d = await client(server);
    await d.join(auth);
    d.send({ t: 'send', room: auth.room, cid: randomCid(), env: fakeEnvelope(10_000) });
    await d.error('full');
    await d.sendMessage(auth.room, fakeEnvelope(4_000));
  });

  test('a send that would eat into --min-free-bytes gets full; a resend of a stored message is still acked; sends resume when space is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'message-app-free-'));
    dirs.push(dir);
    const freeFile = join(dir, 'free-bytes');
    writeFileSync(freeFile, String(10 * 1024 ** 3));
    const server = await serve(['--min-free-bytes', '1000000'], { MESSAGE_APP_TEST_FREE_BYTES_FILE: freeFile });
    const auth = roomAuth('disk', 'p');
    const c = await client(server);
    await c.create(auth);
    const acked = await c.sendMessage(auth.room, fakeEnvelope(1000));
    // The volume is down to its reserve (the server reads free space at most every 250 ms).
    writeFileSync(freeFile, '1000000');
    await Bun.sleep(400);
    const cid = randomCid();
    c.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(100) });
    const full = await c.error('full');
    expect([full.room, full.cid]).toEqual([auth.room, cid]);
    expect(await c.sendMessage(auth.room, fakeEnvelope(100), acked.cid)).toEqual(acked);
    expect((await c.history(auth.room)).msgs.map((m) => m.cid)).toEqual([acked.cid]);
    expect(server.stderr()).toContain('free-space reserve');
    // Space is back: the same message goes through.
    writeFileSync(freeFile, String(10 * 1024 ** 3));
    await Bun.sleep(400);
    const later = await c.sendMessage(auth.room, fakeEnvelope(100), cid);
    expect(later.id).toBeGreaterThan(acked.id);
  });

  test('free space: bytes accepted between two reads of the volume count against the reserve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'message-app-free-'));
    dirs.push(dir);
    const file = join(dir, 'free-bytes');
    writeFileSync(file, '1500000');
    const disk = new DiskSpace({ dir, reserve: 1_000_000, testFile: file });
    expect(disk.take(400_000, 0)).toBe(true);
    expect(disk.take(400_000, 1)).toBe(false);
    expect(disk.take(100_000, 2)).toBe(true);
    expect(disk.take(1, 3)).toBe(false);
    // A fresh read of the volume starts over.
    expect(disk.take(400_000, 1000)).toBe(true);
    // Without a test file the real volume is asked (this one has more than 1 byte free).
    expect(new DiskSpace({ dir, reserve: 0 }).take(1)).toBe(true);
  });

  test('rooms created per address per hour: a sliding window', () => {
    const limit = new HourlyLimit(2);
    expect(limit.take('10.0.0.1', 0)).toBe(true);
    expect(limit.take('10.0.0.1', 1000)).toBe(true);
    expect(limit.take('10.0.0.1', 2000)).toBe(false);
    expect(limit.take('2001:db8:1:2::1', 2000)).toBe(true);
    expect(limit.take('2001:db8:1:2::2', 2000)).toBe(true);
    expect(limit.take('2001:db8:1:2::3', 2000)).toBe(false);
    expect(limit.take('10.0.0.1', 3_600_001)).toBe(true);
    expect(limit.take('10.0.0.1', 3_600_002)).toBe(false);
  });
});
