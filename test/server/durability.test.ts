// History on disk: it survives a restart, a graceful stop acks what it stored, and after kill -9 every acked message is there exactly once.

import { afterEach, describe, expect, test } from 'bun:test';
import { startServer, type TestServer } from '../support/server';
import { WireClient, fakeEnvelope, randomCid, roomAuth, type RoomAuth } from '../support/wire';

const servers: TestServer[] = [];
const clients: WireClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.remove()));
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

/** Every message of a room, oldest first, paging with `after`. */
async function everything(c: WireClient, room: string): Promise<{ id: number; ts: number; cid: string; env: Uint8Array }[]> {
  const all: { id: number; ts: number; cid: string; env: Uint8Array }[] = [];
  let after = 0;
  for (;;) {
    const page = await c.history(room, { after, limit: 200 });
    all.push(...page.msgs);
    if (!page.more) return all;
    after = page.msgs[page.msgs.length - 1]?.id ?? after;
  }
}

describe('durable history', () => {
  test.each([['normal'], ['full']])('survives a restart (--sync %s): rooms, ids, times, cids and envelopes', async (sync) => {
    const server = await serve(['--sync', sync]);
    const auth = roomAuth('kept', 'p');
    const a = await member(server, auth, true);
    const sent: { cid: string; env: Uint8Array; id: number; ts: number }[] = [];
    for (let i = 0; i < 20; i++) {
      // Every 4th is over 16 KiB, so it lives in the envelope log rather than in its row.
      const env = fakeEnvelope(i % 4 === 3 ? 40_000 + i : 100 + i);
      const cid = randomCid();
      const ack = await a.sendMessage(auth.room, env, cid);
      sent.push({ cid, env, id: ack.id, ts: ack.ts });
    }
    await server.restart();
    const b = await member(server, auth);
    const joined = await b.history(auth.room);
    expect(joined.msgs.map((m) => ({ id: m.id, ts: m.ts, cid: m.cid, env: Buffer.from(m.env).toString('hex') }))).toEqual(
      sent.map((m) => ({ id: m.id, ts: m.ts, cid: m.cid, env: Buffer.from(m.env).toString('hex') })),
    );
    // The room keeps its salt and KDF, and ids keep increasing after the restart.
    b.send({ t: 'room', room: auth.room });
    const room = await b.next('room');
    expect(Buffer.from(room.salt ?? []).equals(Buffer.from(auth.salt))).toBe(true);
    const next = await b.sendMessage(auth.room, fakeEnvelope());
    expect(next.id).toBeGreaterThan(sent[sent.length - 1]?.id ?? Infinity);
    // A resend of an old cid after the restart is still recognised.
    const first = sent[0];
    if (!first) throw new Error('nothing sent');
    expect(await b.sendMessage(auth.room, fakeEnvelope(), first.cid)).toEqual({ t: 'ack', room: auth.room, cid: first.cid, id: first.id, ts: first.ts });
  });

  test('a graceful stop (SIGTERM) acks what it committed, closes connections and exits 0', async () => {
    const server = await serve(['--rate', '100000', '--burst', '100000']);
    const auth = roomAuth('graceful', 'p');
    const a = await member(server, auth, true);
    const cids = Array.from({ length: 500 }, () => randomCid());
    for (const cid of cids) a.send({ t: 'send', room: auth.room, cid, env: fakeEnvelope(200) });
    await a.next('ack', (f) => f.cid === cids[0]);
    await server.stop();
    expect(server.exitCode()).toBe(0);
    await a.waitClosed();
    const acked = new Map(a.frames.flatMap((f) => (f.t === 'ack' ? [[f.cid, f.id] as const] : [])));
    await server.restart();
    const b = await member(server, auth);
    const stored = await everything(b, auth.room);
    for (const [cid, id] of acked) expect(stored.find((m) => m.cid === cid)?.id).toBe(id);
    expect(stored.length).toBeGreaterThanOrEqual(acked.size + 1);
  });

  test('kill -9 in the middle of a burst: every acked message is stored exactly once, and resending the rest loses nothing', async () => {
    const server = await serve(['--rate', '100000', '--burst', '100000']);
    const auth = roomAuth('crash', 'p');
    const senders = [await member(server, auth, true), await member(server, auth), await member(server, auth)];
    const outboxes = senders.map(() => Array.from({ length: 1500 }, () => ({ cid: randomCid(), env: fakeEnvelope(300) })));
    senders.forEach((c, i) => {
      for (const m of outboxes[i] ?? []) c.send({ t: 'send', room: auth.room, cid: m.cid, env: m.env });
    });
    // Kill once some acks are in but (very likely) before all are.
    const firstSender = senders[0];
    if (!firstSender) throw new Error('no sender');
    const target = outboxes[0]?.[300]?.cid;
    await firstSender.next('ack', (f) => f.cid === target, 10_000);
    await server.kill();
    await Promise.all(senders.map((c) => c.waitClosed()));
    const acked = new Map<string, number>();
    for (const c of senders) for (const f of c.frames) if (f.t === 'ack') acked.set(f.cid, f.id);
    const total = outboxes.reduce((n, o) => n + o.length, 0);
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(total); // really in the middle of the burst

    await server.restart();
    const reader = await member(server, auth);
    const stored = await everything(reader, auth.room);
    const byCid = new Map<string, number>();
    for (const m of stored) {
      expect(byCid.has(m.cid)).toBe(false); // exactly once
      byCid.set(m.cid, m.id);
    }
    for (const [cid, id] of acked) expect(byCid.get(cid)).toBe(id);
    const ids = stored.map((m) => m.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);

    // Clients resend their whole outbox (acked or not, as after an unclean shutdown): nothing lost, nothing twice.
    const again = [await member(server, auth), await member(server, auth), await member(server, auth)];
    await Promise.all(
      again.map(async (c, i) => {
        const outbox = outboxes[i] ?? [];
        for (const m of outbox) c.send({ t: 'send', room: auth.room, cid: m.cid, env: m.env });
        for (const m of outbox) {
          const ack = await c.next('ack', (f) => f.cid === m.cid, 10_000);
          const before = acked.get(m.cid);
          if (before !== undefined) expect(ack.id).toBe(before);
        }
      }),
    );
    const final = await everything(reader, auth.room);
    expect(final.length).toBe(total);
    expect(new Set(final.map((m) => m.cid)).size).toBe(total);
  }, 60_000);

  test('kill -9 in a burst of large and small envelopes: every acked envelope comes back byte for byte', async () => {
    const server = await serve(['--rate', '100000', '--burst', '100000']);
    const auth = roomAuth('crash-large', 'p');
    const senders = [await member(server, auth, true), await member(server, auth)];
    // A third of them (60 KB) go to the envelope log, the rest stay in their rows.
    const outboxes = senders.map(() =>
      Array.from({ length: 240 }, (_, i) => ({ cid: randomCid(), env: fakeEnvelope(i % 3 === 0 ? 60_000 : 500) })),
    );
    senders.forEach((c, i) => {
      for (const m of outboxes[i] ?? []) c.send({ t: 'send', room: auth.room, cid: m.cid, env: m.env });
    });
    const target = outboxes[0]?.[60]?.cid;
    await senders[0]?.next('ack', (f) => f.cid === target, 10_000);
    await server.kill();
    await Promise.all(senders.map((c) => c.waitClosed()));
    const acked = new Set<string>();
    for (const c of senders) for (const f of c.frames) if (f.t === 'ack') acked.add(f.cid);
    const sent = new Map(outboxes.flat().map((m) => [m.cid, m.env]));
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(sent.size); // really in the middle of the burst

    await server.restart();
    const reader = await member(server, auth);
    const stored = new Map((await everything(reader, auth.room)).map((m) => [m.cid, m.env]));
    for (const cid of acked) {
      const env = stored.get(cid);
      expect(env && Buffer.from(env).equals(Buffer.from(sent.get(cid) ?? []))).toBe(true);
    }
    // Whatever else was stored (committed, ack not yet sent) is intact too: nothing half-written.
    for (const [cid, env] of stored) expect(Buffer.from(env).equals(Buffer.from(sent.get(cid) ?? []))).toBe(true);
  }, 60_000);
});
