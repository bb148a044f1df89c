// Abuse limits against the real server (PROTOCOL.md section 7): rate limit, connection cap, join and idle timeouts, bad_proof slow-down.

import { afterEach, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { encodeFrameBody } from '../../protocol/codec';
import { ProofThrottle, TokenBucket, addressKey } from '../../server/limits';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth } from './wire';

const servers: TestServer[] = [];
const clients: WireClient[] = [];

async function serve(args: string[]): Promise<TestServer> {
  const server = await startServer({ args });
  servers.push(server);
  return server;
}

async function client(server: TestServer): Promise<WireClient> {
  const c = await WireClient.connect(server);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.remove()));
});

describe('token bucket', () => {
  test('allows the burst at once, then the sustained rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    const burst = Array.from({ length: 8 }, () => bucket.take(0));
    expect(burst).toEqual([true, true, true, true, true, false, false, false]);
    // 10/s: one more token every 100 ms, never more than the burst.
    expect(bucket.take(99)).toBe(false);
    expect(bucket.take(101)).toBe(true);
    expect(bucket.take(101)).toBe(false);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (bucket.take(100_000)) allowed++;
    expect(allowed).toBe(5);
  });
});

describe('proof throttle', () => {
  test('lets 3 failures through, then doubles the delay per failure up to 10 s; success clears it', () => {
    const t = new ProofThrottle();
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) {
      delays.push(t.delayFor('10.0.0.1', 1000));
      t.failed('10.0.0.1', 1000);
    }
    expect(delays).toEqual([0, 0, 0, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(t.delayFor('10.0.0.2', 1000)).toBe(0);
    t.succeeded('10.0.0.1');
    expect(t.delayFor('10.0.0.1', 1000)).toBe(0);
  });

  test('counts IPv4 per address (mapped or not) and IPv6 per /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    const t = new ProofThrottle();
    for (let i = 0; i < 4; i++) t.failed(`2001:db8:1:2::${i + 1}`, 0);
    expect(t.delayFor('2001:db8:1:2::99', 0)).toBeGreaterThan(0);
    expect(t.delayFor('2001:db8:1:3::1', 0)).toBe(0);
  });

  test('forgets an address a minute after its last failure', () => {
    const t = new ProofThrottle();
    for (let i = 0; i < 5; i++) t.failed('10.0.0.1', 0);
    expect(t.delayFor('10.0.0.1', 59_000)).toBeGreaterThan(0);
    expect(t.delayFor('10.0.0.1', 61_000)).toBe(0);
  });
});

describe('against the server', () => {
  test('frames over the rate are dropped with rate_limited; a send keeps room and cid', async () => {
    const server = await serve(['--rate', '5', '--burst', '10']);
    const c = await client(server);
    const auth = roomAuth('rated', 'p');
    await c.create(auth);
    // Burst of 10 minus the create: 9 tokens left.
    // One write, so the frames arrive together and no token refills between them.
    const cid = randomCid();
    c.sendRaw(
      Buffer.concat([
        ...Array.from({ length: 20 }, (_, i) => encodeFrameBody({ t: 'ping', n: i })),
        encodeFrameBody({ t: 'send', room: auth.room, cid, env: fakeEnvelope() }),
      ]),
    );
    const limited = await c.next('error', (f) => f.code === 'rate_limited' && f.cid === cid);
    expect(limited.room).toBe(auth.room);
    await Bun.sleep(50);
    const pongs = c.frames.filter((f) => f.t === 'pong').length;
    const refusals = c.frames.filter((f) => f.t === 'error' && f.code === 'rate_limited').length;
    expect(pongs).toBeGreaterThanOrEqual(9);
    expect(pongs).toBeLessThanOrEqual(10);
    expect(pongs + refusals).toBe(20);
    // The connection stays usable once the bucket refills.
    await Bun.sleep(400);
    await c.roundTrip();
  });

  test('at the connection cap a newcomer gets busy instead of hello and is closed', async () => {
    const server = await serve(['--max-connections', '2']);
    await client(server);
    await client(server);
    const third = await WireClient.connect(server, false);
    clients.push(third);
    expect((await third.next('error')).code).toBe('busy');
    await third.waitClosed();
    // A slot frees when someone leaves.
    clients[0]?.close();
    await Bun.sleep(100);
    const fourth = await client(server);
    expect(fourth.challenge.length).toBe(32);
  });

  test('a connection that joins no room in time is closed; a joined one stays', async () => {
    const server = await serve(['--join-timeout', '1']);
    const idle = await client(server);
    const member = await client(server);
    await member.create(roomAuth('timely', 'p'));
    const started = Date.now();
    await idle.waitClosed(4000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await member.roundTrip();
    expect(member.closed).toBe(false);
  });

  test('a connection silent past the idle timeout is closed; one that pings stays', async () => {
    const server = await serve(['--idle-timeout', '2']);
    const auth = roomAuth('quiet', 'p');
    const silent = await client(server);
    await silent.create(auth);
    const chatty = await client(server);
    await chatty.join(auth);
    const timer = setInterval(() => chatty.send({ t: 'ping', n: 1 }), 500);
    try {
      await silent.waitClosed(5000);
      expect(chatty.closed).toBe(false);
      await chatty.roundTrip();
    } finally {
      clearInterval(timer);
    }
  });

  test('repeated bad proofs from one address are answered ever later; a good proof still works', async () => {
    const server = await serve([]);
    const auth = roomAuth('guarded', 'right');
    await (await client(server)).create(auth);
    const wrong = roomAuth(auth.room, 'wrong', auth.salt, auth.kdf);
    const guesser = await client(server);
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      guesser.send({ t: 'join', room: auth.room, proof: joinProof(wrong, guesser.challenge) });
      await guesser.error('bad_proof', 8000);
      timings.push(performance.now() - started);
    }
    // 3 free failures (answered at once; the bound leaves room for a loaded machine), then 500 ms, then 1000 ms.
    expect(Math.max(...timings.slice(0, 3))).toBeLessThan(450);
    expect(timings[3]).toBeGreaterThanOrEqual(450);
    expect(timings[4]).toBeGreaterThanOrEqual(950);
    // Other frames queue behind the delayed answer, in order.
    guesser.send({ t: 'join', room: auth.room, proof: joinProof(auth, guesser.challenge) });
    guesser.send({ t: 'ping', n: 42 });
    await guesser.next('pong', (f) => f.n === 42, 8000);
    // `joined` arrived before the pong that was sent after it.
    expect(guesser.frames.map((f) => f.t)).toEqual(['joined']);
    // The success cleared the address.
    const next = await client(server);
    const started = performance.now();
    next.send({ t: 'join', room: auth.room, proof: joinProof(wrong, randomBytes(32)) });
    await next.error('bad_proof');
    expect(performance.now() - started).toBeLessThan(450);
  }, 15_000);

  test('before joining a room a frame over 64 KiB is too_large and closes; joining lifts the limit, even for the next frame in the same write', async () => {
    const server = await serve([]);
    const stranger = await client(server);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(64 * 1024 + 1);
    stranger.sendRaw(header);
    expect((await stranger.error('too_large')).msg).toContain('before joining');
    await stranger.waitClosed();

    const auth = roomAuth('big-after-join', 'p');
    const member = await client(server);
    await member.create(auth);
    expect((await member.sendMessage(auth.room, fakeEnvelope(100_000))).room).toBe(auth.room);
    // A client may pipeline a join and a large send: the join is handled before the next header is checked.
    const eager = await client(server);
    const cid = randomCid();
    eager.sendRaw(
      Buffer.concat([
        encodeFrameBody({ t: 'join', room: auth.room, proof: joinProof(auth, eager.challenge) }),
        encodeFrameBody({ t: 'send', room: auth.room, cid, env: fakeEnvelope(100_000) }),
      ]),
    );
    await eager.next('joined');
    expect((await eager.next('ack', (f) => f.cid === cid)).room).toBe(auth.room);
    // Leaving every room brings the small limit back.
    eager.send({ t: 'leave', room: auth.room });
    await eager.roundTrip();
    eager.sendRaw(header);
    await eager.error('too_large');
    await eager.waitClosed();
  });
});
