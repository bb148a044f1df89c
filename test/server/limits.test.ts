// Abuse limits against the real server (PROTOCOL.md section 7): rate limit by backpressure, connection cap, join and idle timeouts, bad_proof slow-down.

import { afterEach, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { encodeFrameBody } from '../../protocol/codec';
import { ProofThrottle, TokenBucket, addressKey } from '../../server/limits';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, joinProof, randomCid, roomAuth } from '../support/wire';

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

  test('says how long until the next token', () => {
    const bucket = new TokenBucket(10, 2, 0);
    expect(bucket.waitMs(0)).toBe(0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.waitMs(60)).toBe(40);
    expect(bucket.waitMs(100)).toBe(0);
    expect(bucket.take(100)).toBe(true);
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
  test('frames over the rate wait (the socket is not read) instead of being dropped; every one is answered in order', async () => {
    const server = await serve(['--rate', '20', '--burst', '5']);
    const c = await client(server);
    const auth = roomAuth('rated', 'p');
    await c.create(auth);
    // Burst of 5 minus the create: 4 tokens left, then 20 a second. One write, so
    // the frames arrive together and the server must hold back 17 of them.
    const cid = randomCid();
    const started = performance.now();
    c.sendRaw(
      Buffer.concat([
        ...Array.from({ length: 20 }, (_, i) => encodeFrameBody({ t: 'ping', n: i })),
        encodeFrameBody({ t: 'send', room: auth.room, cid, env: fakeEnvelope() }),
      ]),
    );
    const ack = await c.next('ack', (f) => f.cid === cid);
    const elapsed = performance.now() - started;
    expect(ack.room).toBe(auth.room);
    // 17 frames past the burst at 20/s: about 850 ms; the bound leaves room for timer slack.
    expect(elapsed).toBeGreaterThanOrEqual(700);
    const pongs = c.frames.filter((f) => f.t === 'pong').map((f) => (f.t === 'pong' ? f.n : -1));
    expect(pongs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(c.frames.filter((f) => f.t === 'error')).toEqual([]);
    await c.roundTrip();
  });

  test('one connection pipelining 2,000 sends under the default limits: every one acked in order, no error, relayed in order', async () => {
    const server = await serve([]);
    const auth = roomAuth('pipelined', 'p');
    const sender = await client(server);
    await sender.create(auth);
    const reader = await client(server);
    await reader.join(auth);
    const count = 2000;
    const cids = Array.from({ length: count }, () => randomCid());
    // As fast as it can: every frame in one write, so only TCP and the server's reading pace them.
    sender.sendRaw(Buffer.concat(cids.map((cid) => encodeFrameBody({ t: 'send', room: auth.room, cid, env: fakeEnvelope(200) }))));
    const deadline = Date.now() + 25_000;
    const acks = (): number => sender.frames.filter((f) => f.t === 'ack').length;
    const msgs = (): number => reader.frames.filter((f) => f.t === 'msg').length;
    while ((acks() < count || msgs() < count) && Date.now() < deadline && !sender.closed) await Bun.sleep(50);
    const ackFrames = sender.frames.flatMap((f) => (f.t === 'ack' ? [f] : []));
    expect(sender.frames.filter((f) => f.t === 'error')).toEqual([]);
    expect(ackFrames.map((f) => f.cid)).toEqual(cids);
    for (let i = 1; i < ackFrames.length; i++) expect(ackFrames[i]!.id).toBeGreaterThan(ackFrames[i - 1]!.id);
    const relayed = reader.frames.flatMap((f) => (f.t === 'msg' ? [f] : []));
    expect(relayed.map((f) => f.cid)).toEqual(cids);
    expect(relayed.map((f) => f.id)).toEqual(ackFrames.map((f) => f.id));
  }, 30_000);

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
    // Timed from before the idle connection opens: the member's set-up may take a while on a busy machine.
    const started = Date.now();
    const idle = await client(server);
    const member = await client(server);
    await member.create(roomAuth('timely', 'p'));
    await idle.waitClosed(4000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
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
