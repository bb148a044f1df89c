// ChatClient against the real server (bun server/main.ts on 127.0.0.1, real SQLite file):
// joining, exchanging messages, errors as typed classes, reconnects, outbox and catch-up.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { startServer, type TestServer } from '../support/server';
import { ChatClient } from '../../client/chat-client';
import {
  ClientError,
  KdfRefusedError,
  NoRoomError,
  ProtocolMismatchError,
  ServerUnreachableError,
  UntrustedCertificateError,
  WrongPassphraseError,
} from '../../client/errors';
import { FileStateStore } from '../../client/file-store';
import { deriveRoomKeys, generateIdentity, joinProof } from '../../client/keys';
import { sealEnvelope, sealPlaintext } from '../../client/envelope';
import { MemoryOutboxStore } from '../../client/storage';
import { decodeBody, encodeBody } from '../../protocol/codec';
import { FrameDecoder } from '../../protocol/framing';
import { makeClient, sharedServer, tempDir, TEST_KDF, wrap, type TestClient } from './helpers';
import { WireClient } from '../support/wire';

const shared = sharedServer({ beforeAll, afterAll });
const { track } = shared;

const acked = (c: TestClient, cid: string) => (events: typeof c.events) =>
  events.some((e) => e.type === 'acked' && e.cid === cid);

describe('ChatClient against the real server', () => {
  test('two identities create, join and exchange text both ways', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    const created = await ada.client.joinRoom('both-ways', 'pass one', { create: true });
    expect(created).toMatchObject({ room: 'both-ways', created: true, last: 0, online: 1 });
    const joined = await bob.client.joinRoom('both-ways', 'pass one');
    expect(joined).toMatchObject({ created: false, online: 2 });
    expect(ada.client.state).toBe('joined');

    const cid1 = await ada.client.sendText('both-ways', 'hello bob');
    const pending = ada.events.find((e) => e.type === 'pending');
    expect(pending).toMatchObject({ type: 'pending', room: 'both-ways', cid: cid1, item: { id: 0, own: true, text: 'hello bob' } });
    await ada.waitFor(acked(ada, cid1), 5000, 'ack');
    await bob.waitFor((e) => e.some((x) => x.type === 'message'), 5000, 'message at bob');
    const atBob = bob.items('both-ways')[0];
    expect(atBob).toMatchObject({ kind: 'text', text: 'hello bob', cid: cid1, own: false, verified: true });
    if (atBob?.kind !== 'text') throw new Error('expected text');
    expect(atBob.from.name).toBe('Ada');
    expect(atBob.from.fingerprint).toBe(ada.identity.fingerprint);
    const ack = ada.events.find((e) => e.type === 'acked');
    expect(ack?.type === 'acked' && ack.id).toBe(atBob.id);

    const cid2 = await bob.client.sendText('both-ways', 'hi ada');
    await ada.waitFor((e) => e.some((x) => x.type === 'message' && x.item.cid === cid2), 5000, 'reply at ada');
    expect(ada.texts('both-ways')).toEqual(['hi ada']);
    expect(bob.texts('both-ways')).toEqual(['hello bob']);
    // presence: Ada learned that Bob joined
    expect(ada.events.some((e) => e.type === 'presence' && e.online === 2)).toBe(true);

    // Nothing is older than what Bob was shown; an explicit page has both.
    expect(await bob.client.loadOlder('both-ways', undefined, 10)).toEqual({ messages: [], modifiers: [], more: false });
    const page = await bob.client.fetchHistory('both-ways', { limit: 10 });
    expect(page.messages.map((m) => (m.kind === 'text' ? m.text : m.kind))).toEqual(['hello bob', 'hi ada']);
    expect(page.more).toBe(false);
  });

  test('a wrong passphrase is WrongPassphraseError with a sentence, and a missing room is NoRoomError', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('guarded', 'right passphrase', { create: true });
    const eve = track(makeClient(shared.server.address, 'Eve'));
    await eve.client.connect();
    const error = await eve.client.joinRoom('guarded', 'wrong passphrase').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongPassphraseError);
    expect((error as ClientError).code).toBe('bad_proof');
    expect((error as Error).message).toBe('Wrong passphrase for room "guarded".');
    expect(eve.client.state).toBe('hello');
    const missing = await eve.client.joinRoom('no-such-room', 'x').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NoRoomError);
    expect((missing as ClientError).code).toBe('no_room');
    // NFKC: a compatibility form of the passphrase opens the same room.
    await ada.client.joinRoom('nfkc', '\uFB01le', { create: true });
    await eve.client.joinRoom('nfkc', 'file');
  });

  test('a client refuses KDF parameters below the floor that a hostile creator chose', async () => {
    const weak = track(makeClient(shared.server.address, 'Mallory'));
    await weak.client.connect();
    await weak.client.joinRoom('weak-kdf', 'pw', { create: true }); // N=1024 with the test floor
    const normal = track(wrap(new ChatClient({ address: shared.server.address, identity: generateIdentity(), name: 'Ada', outbox: new MemoryOutboxStore() }), generateIdentity()));
    await normal.client.connect();
    const error = await normal.client.joinRoom('weak-kdf', 'pw').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KdfRefusedError);
    expect((error as Error).message).toContain('weaker than the minimum N=32768');
  });

  test('an unreachable server rejects connect() with ServerUnreachableError', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const c = track(makeClient(`127.0.0.1:${port}`, 'Ada'));
    const error = await c.client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toBe(`Cannot reach the chat server at 127.0.0.1:${port} (ECONNREFUSED).`);
    c.client.close();
    expect(c.client.state).toBe('closed');
  });

  test('a server speaking another protocol gives ProtocolMismatchError and no reconnect loop', async () => {
    // A fake peer is the only way to get a foreign protocol on the wire.
    const foreign: Server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const port = (foreign.address() as { port: number }).port;
    const c = track(makeClient(`127.0.0.1:${port}`, 'Ada'));
    const error = await c.client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolMismatchError);
    expect((error as ClientError).code).toBe('protocol_mismatch');
    expect(c.client.state).toBe('closed');
    foreign.close();
  });

  test('a silent server (no pong within the timeout) is treated as dead and reconnected', async () => {
    let connections = 0;
    // A fake server that greets and then never answers: the real one always answers pings.
    const silent = createServer((socket) => {
      connections += 1;
      socket.write(encodeFrameWith({ t: 'hello', v: 1, challenge: new Uint8Array(32), max: 1024 }));
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const c = track(makeClient(`127.0.0.1:${port}`, 'Ada', { connection: { pingIntervalMs: 100, pongTimeoutMs: 150, backoffMinMs: 20, backoffMaxMs: 50 } }));
    await c.client.connect();
    await c.waitFor((e) => e.some((x) => x.type === 'state' && x.state === 'reconnecting'), 3000, 'reconnecting');
    await c.waitFor(() => connections >= 2, 3000, 'second connection');
    c.client.close();
    silent.close();
  });

  test('keepalive against the real server: pongs keep a quiet connection up', async () => {
    const c = track(makeClient(shared.server.address, 'Ada', { connection: { pingIntervalMs: 40, pongTimeoutMs: 400 } }));
    await c.client.connect();
    await c.client.joinRoom('keepalive', 'pw', { create: true });
    await new Promise((r) => setTimeout(r, 800)); // about 20 pings
    expect(c.events.filter((e) => e.type === 'state' && e.state === 'reconnecting')).toEqual([]);
    expect(c.client.state).toBe('joined');
  });

  test('tampered envelopes become placeholders (undecryptable, bad_signature, cid_mismatch) and never throw', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('tamper', 'secret', { create: true });
    // Mallory knows the passphrase (a member) but sends broken envelopes over a raw socket.
    const info = await WireClient.connect(shared.server);
    info.send({ t: 'room', room: 'tamper' });
    const room = await info.next('room');
    if (!room.salt || !room.kdf) throw new Error('room should exist');
    const keys = await deriveRoomKeys('secret', 'tamper', room.salt, room.kdf, { floor: TEST_KDF });
    info.send({ t: 'join', room: 'tamper', proof: joinProof(keys, info.challenge) });
    await info.next('joined');
    const mallory = generateIdentity();
    const body = (cid: string, text: string) => ({ cid, ts: Date.now(), from: { name: 'Mallory', key: mallory.publicKey }, k: 'text' as const, text });

    const flipped = sealEnvelope({ room: 'tamper', encKey: keys.encKey, identity: mallory, body: body('flippedAAAA', 'x') });
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 0x01;
    const wrongKey = sealEnvelope({ room: 'tamper', encKey: new Uint8Array(32).fill(7), identity: mallory, body: body('wrongkeyAAA', 'x') });
    // Claims to be from Ada but is signed by Mallory.
    const forgedBody = encodeBody({ cid: 'forgedAAAAA', ts: Date.now(), from: { name: 'Ada', key: ada.identity.publicKey }, k: 'text', text: 'pay mallory' });
    const forged = sealPlaintext('tamper', keys.encKey, new Uint8Array([...mallory.sign(forgedBody), ...forgedBody]));
    const otherCid = sealEnvelope({ room: 'tamper', encKey: keys.encKey, identity: mallory, body: body('originalAAA', 'replayed') });
    const good = sealEnvelope({ room: 'tamper', encKey: keys.encKey, identity: mallory, body: body('goodAAAAAAA', 'still fine') });
    for (const [cid, env] of [['flippedAAAA', flipped], ['wrongkeyAAA', wrongKey], ['forgedAAAAA', forged], ['replayAAAAA', otherCid], ['goodAAAAAAA', good]] as const) {
      info.send({ t: 'send', room: 'tamper', cid, env });
      await info.next('ack');
    }
    await ada.waitFor((e) => e.filter((x) => x.type === 'message').length >= 5, 5000, 'five items');
    const seen = ada.items('tamper').map((i) => (i.kind === 'placeholder' ? `${i.cid}:${i.error}` : `${i.cid}:${i.kind}`));
    expect(seen).toEqual(['flippedAAAA:undecryptable', 'wrongkeyAAA:undecryptable', 'forgedAAAAA:bad_signature', 'replayAAAAA:cid_mismatch', 'goodAAAAAAA:text']);
    expect(ada.client.state).toBe('joined');
    // The same from history (the stored envelopes), through loadOlder.
    const page = await ada.client.fetchHistory('tamper', { limit: 10 });
    expect(page.messages.map((i) => (i.kind === 'placeholder' ? i.error : i.kind))).toEqual(['undecryptable', 'undecryptable', 'bad_signature', 'cid_mismatch', 'text']);
    info.close();
  });

  test('a name seen with another key is marked as a changed key (verified false)', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    const impostor = track(makeClient(shared.server.address, 'Ada'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    for (const c of [ada, impostor, bob]) await c.client.connect();
    await ada.client.joinRoom('pins', 'pw', { create: true });
    await bob.client.joinRoom('pins', 'pw');
    await impostor.client.joinRoom('pins', 'pw');
    await ada.client.sendText('pins', 'real ada');
    await bob.waitFor(() => bob.texts('pins').length === 1, 5000, 'first');
    await impostor.client.sendText('pins', 'fake ada');
    await bob.waitFor(() => bob.texts('pins').length === 2, 5000, 'second');
    const [real, fake] = bob.items('pins');
    expect(real).toMatchObject({ text: 'real ada', verified: true });
    expect(fake).toMatchObject({ text: 'fake ada', verified: false });
  });

  test('server killed mid-conversation: outbox resent, catch-up, every message exactly once', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('crash', 'pw', { create: true });
    await bob.client.joinRoom('crash', 'pw');
    await ada.waitFor(acked(ada, await ada.client.sendText('crash', 'before 1')), 5000, 'ack');
    await bob.client.sendText('crash', 'before 2');
    await ada.waitFor(() => ada.texts('crash').length === 1, 5000, 'before');
    await bob.waitFor(() => bob.texts('crash').length === 1, 5000, 'before');

    await shared.server.kill();
    await ada.waitFor((e) => e.some((x) => x.type === 'state' && x.state === 'reconnecting'), 5000, 'ada reconnecting');
    // Written while the server is down: they wait in the outbox.
    const during = [await ada.client.sendText('crash', 'during 1'), await ada.client.sendText('crash', 'during 2')];
    await bob.client.sendText('crash', 'during 3');
    await shared.server.restart();

    await ada.waitFor((e) => during.every((cid) => e.some((x) => x.type === 'acked' && x.cid === cid)), 15_000, 'acks after restart');
    await bob.waitFor(() => bob.texts('crash').length === 3, 15_000, 'bob catch-up');
    await ada.waitFor(() => ada.texts('crash').length === 2, 15_000, 'ada catch-up');
    await ada.client.sendText('crash', 'after 1');
    await bob.waitFor(() => bob.texts('crash').length === 4, 5000, 'after');
    await new Promise((r) => setTimeout(r, 300)); // room for any duplicate to show up
    expect(bob.texts('crash')).toEqual(['before 1', 'during 1', 'during 2', 'after 1']);
    expect(ada.texts('crash')).toEqual(['before 2', 'during 3']);
    const page = await bob.client.fetchHistory('crash', { limit: 50 });
    const stored = page.messages.map((m) => (m.kind === 'text' ? m.text : m.kind));
    // Who reconnects first decides where "during 3" lands; each sender's order is kept.
    expect([...stored].sort()).toEqual(['after 1', 'before 1', 'before 2', 'during 1', 'during 2', 'during 3']);
    expect(stored.filter((t) => t.startsWith('during ') && t !== 'during 3')).toEqual(['during 1', 'during 2']);
    expect(stored.slice(0, 2)).toEqual(['before 1', 'before 2']);
    expect(stored.at(-1)).toBe('after 1');
  });

  test('a burst over the server rate limit (burst 400) arrives completely, once and in order: the server slows the sender down instead of refusing', async () => {
    const logged: string[] = [];
    const ada = track(makeClient(shared.server.address, 'Ada', { log: (line) => logged.push(line) }));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('burst', 'pw', { create: true });
    await bob.client.joinRoom('burst', 'pw');
    const count = 700;
    const cids = await Promise.all(Array.from({ length: count }, (_, i) => ada.client.sendText('burst', `n${i}`)));
    await ada.waitFor((e) => e.filter((x) => x.type === 'acked').length === count, 20_000, 'all acked');
    await bob.waitFor(() => bob.texts('burst').length === count, 20_000, 'all delivered');
    await new Promise((r) => setTimeout(r, 200));
    const texts = bob.texts('burst');
    expect(new Set(texts).size).toBe(count);
    expect(texts.length).toBe(count);
    expect(new Set(cids).size).toBe(count);
    // Nothing was refused (the server reads the connection more slowly instead), so nothing went out of order.
    expect(logged.filter((l) => l.startsWith('server error'))).toEqual([]);
    expect(texts).toEqual(Array.from({ length: count }, (_, i) => `n${i}`));
  }, 60_000);

  test('several rooms on one connection: messages stay in their room and both rejoin after a restart', async () => {
    const ada = track(makeClient(shared.server.address, 'Ada'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    for (const room of ['multi-a', 'multi-b']) {
      await ada.client.joinRoom(room, `pw ${room}`, { create: true });
      await bob.client.joinRoom(room, `pw ${room}`);
    }
    await ada.client.sendText('multi-a', 'to a');
    await ada.client.sendText('multi-b', 'to b');
    await bob.waitFor(() => bob.texts('multi-a').length === 1 && bob.texts('multi-b').length === 1, 5000, 'both rooms');
    await shared.server.restart();
    await bob.waitFor((e) => e.filter((x) => x.type === 'room' && x.state === 'joined').length >= 4, 15_000, 'both rejoined');
    await ada.waitFor((e) => e.filter((x) => x.type === 'room' && x.state === 'joined').length >= 4, 15_000, 'ada rejoined');
    await ada.client.sendText('multi-b', 'b again');
    await bob.waitFor(() => bob.texts('multi-b').length === 2, 5000, 'after restart');
    expect(bob.texts('multi-a')).toEqual(['to a']);
    expect(bob.texts('multi-b')).toEqual(['to b', 'b again']);
  });

  test('client restart: the file outbox is resent by a new client and cursors resume catch-up', async () => {
    const dir = tempDir();
    const identity = generateIdentity();
    const store = new FileStateStore(join(dir, 'state'));
    const bob = track(makeClient(shared.server.address, 'Bob'));
    await bob.client.connect();
    await bob.client.joinRoom('restart', 'pw', { create: true });
    const first = track(makeClient(shared.server.address, 'Ada', { identity, outbox: store, cursors: store, pins: store }));
    await first.client.connect();
    await first.client.joinRoom('restart', 'pw');
    await bob.client.sendText('restart', 'seen before restart');
    await first.waitFor(() => first.texts('restart').length === 1, 5000, 'first message');

    await shared.server.stop();
    await first.waitFor((e) => e.some((x) => x.type === 'state' && x.state === 'reconnecting'), 5000, 'down');
    const cid = await first.client.sendText('restart', 'queued while down');
    first.client.close(); // the app quits with the message unsent
    expect((await store.list()).map((e) => e.cid)).toEqual([cid]);
    await shared.server.restart();
    await bob.waitFor((e) => e.filter((x) => x.type === 'state' && x.state === 'joined').length >= 2, 15_000, 'bob rejoined');
    await bob.client.sendText('restart', 'sent while ada was away');

    const second = track(makeClient(shared.server.address, 'Ada', { identity, outbox: store, cursors: store, pins: store }));
    await second.client.connect();
    await second.client.joinRoom('restart', 'pw');
    await second.waitFor(acked(second, cid), 5000, 'resent after restart');
    await bob.waitFor(() => bob.texts('restart').length === 1, 5000, 'bob got it');
    expect(bob.texts('restart')).toEqual(['queued while down']);
    // Only what came after the stored cursor, and not the own message twice.
    expect(second.texts('restart')).toEqual(['sent while ada was away']);
    expect(second.events.some((e) => e.type === 'pending' && e.cid === cid)).toBe(true);
    // The outbox file goes once the ack is in (removal runs just after the event).
    for (let i = 0; i < 50 && (await store.list()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await store.list()).toEqual([]);
  });
});

function encodeFrameWith(frame: Parameters<typeof encodeBody>[0]): Uint8Array {
  const body = encodeBody(frame);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

describe('ChatClient over TLS (real server with a test certificate)', () => {
  const fixtures = join(import.meta.dir, 'fixtures');
  let tlsServer: TestServer;

  beforeAll(async () => {
    tlsServer = await startServer({ args: ['--tls-cert', join(fixtures, 'tls-cert.pem'), '--tls-key', join(fixtures, 'tls-key.pem')] });
  });

  afterAll(async () => {
    await tlsServer.stop();
  });

  test('trusting the certificate through `ca`, two clients talk over TLS', async () => {
    const ca = readFileSync(join(fixtures, 'tls-cert.pem'), 'utf8');
    const ada = track(makeClient(tlsServer.address, 'Ada', { tls: { ca } }));
    const bob = track(makeClient(tlsServer.address, 'Bob', { tls: { ca } }));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom('tls-room', 'pw', { create: true });
    await bob.client.joinRoom('tls-room', 'pw');
    await ada.client.sendText('tls-room', 'over tls');
    await bob.waitFor(() => bob.texts('tls-room').length === 1, 5000, 'tls message');
    expect(bob.texts('tls-room')).toEqual(['over tls']);
  });

  test('an untrusted certificate is a clear error, and plain TCP to a TLS server is not mistaken for success', async () => {
    const c = track(makeClient(tlsServer.address, 'Ada', { tls: true }));
    const error = await c.client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedCertificateError);
    expect((error as Error).message).toStartWith(`The TLS certificate of the server at ${tlsServer.address} is not trusted`);
    c.client.close();
    const plain = track(makeClient(tlsServer.address, 'Ada', { connection: { connectTimeoutMs: 1500 } }));
    const plainError = await plain.client.connect().catch((e: unknown) => e);
    expect(plainError).toBeInstanceOf(ClientError);
    expect(['protocol_mismatch', 'unreachable']).toContain((plainError as ClientError).code);
    plain.client.close();
  });
});

describe('ChatClient against a scripted server (frame timings the real one rarely produces)', () => {
  test('a msg in the same TCP chunk as joined is neither lost nor shown twice', async () => {
    const salt = new Uint8Array(16).fill(9);
    const keys = await deriveRoomKeys('pw', 'chunked', salt, TEST_KDF, { floor: TEST_KDF });
    const bob = generateIdentity();
    const env = sealEnvelope({ room: 'chunked', encKey: keys.encKey, identity: bob, body: { cid: 'chunkedcid01', ts: 1, from: { name: 'Bob', key: bob.publicKey }, k: 'text', text: 'right behind joined' } });
    const scripted: Server = createServer((socket) => {
      const decoder = new FrameDecoder(1 << 20);
      socket.write(encodeFrameWith({ t: 'hello', v: 1, challenge: new Uint8Array(32), max: 1 << 20 }));
      socket.on('data', (chunk: Buffer) => {
        for (const body of decoder.push(chunk).frames) {
          const frame = decodeBody(body) as { t: string; n?: number };
          if (frame.t === 'room') socket.write(encodeFrameWith({ t: 'room', room: 'chunked', exists: true, salt, kdf: TEST_KDF }));
          if (frame.t === 'join') {
            // One write: `joined` and a message from Bob arrive together.
            const joined = encodeFrameWith({ t: 'joined', room: 'chunked', last: 0, online: 2 });
            const msg = encodeFrameWith({ t: 'msg', room: 'chunked', id: 1, ts: 5, cid: 'chunkedcid01', env });
            socket.write(Buffer.concat([joined, msg]));
          }
          if (frame.t === 'history') socket.write(encodeFrameWith({ t: 'page', room: 'chunked', msgs: [{ id: 1, ts: 5, cid: 'chunkedcid01', env }], more: false }));
          if (frame.t === 'ping') socket.write(encodeFrameWith({ t: 'pong', n: frame.n ?? 0 }));
        }
      });
    });
    await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
    const port = (scripted.address() as { port: number }).port;
    const ada = track(makeClient(`127.0.0.1:${port}`, 'Ada'));
    await ada.client.connect();
    await ada.client.joinRoom('chunked', 'pw');
    await new Promise((r) => setTimeout(r, 100));
    expect(ada.texts('chunked')).toEqual(['right behind joined']);
    ada.client.close();
    scripted.close();
  });
});
