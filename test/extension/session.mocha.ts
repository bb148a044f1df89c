// The extension's session over the client core against the REAL server (a Bun
// child process on 127.0.0.1 with a real SQLite file): join, the join flow with
// passphrases in an in-memory SecretStorage, messages both ways, unread counts,
// pending -> acked, older pages, and the file outbox surviving a restart.

import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '../../client/keys';
import { joinWithPassphrase, type JoinPrompts } from '../../extension/join-flow';
import { KeyStore } from '../../extension/key-store';
import { ChatSession, type SessionEvent } from '../../extension/session';
import { FileStateStore } from '../../client/file-store';
import { MementoCursorStore, MementoPinStore } from '../../extension/stores';
import type { HostMessage } from '../../protocol/webview';
import { startServer, type TestServer } from '../support/server';
import { InMemoryMemento, InMemorySecretStorage } from './fakes';
import { TEST_KDF } from '../support/kdf';
import { until } from '../support/until';

// Cheap key derivation for tests only (the client refuses these parameters otherwise).
interface Harness {
  session: ChatSession;
  events: SessionEvent[];
  posts: HostMessage[];
  outboxDir: string;
}

function makeSession(server: string, name: string, opts: { identity?: Identity; outboxDir?: string; memento?: InMemoryMemento } = {}): Harness {
  const memento = opts.memento ?? new InMemoryMemento();
  const outboxDir = opts.outboxDir ?? mkdtempSync(join(tmpdir(), 'message-app-outbox-'));
  const session = new ChatSession({
    server,
    name,
    identity: opts.identity ?? generateIdentity(),
    outbox: new FileStateStore(outboxDir),
    cursors: new MementoCursorStore(memento, server),
    pins: new MementoPinStore(memento, server),
    client: { createKdf: TEST_KDF, kdfFloor: TEST_KDF, connection: { backoffMinMs: 50, backoffMaxMs: 200 } },
  });
  const events: SessionEvent[] = [];
  const posts: HostMessage[] = [];
  session.onEvent((e) => {
    events.push(e);
    if (e.type === 'view') posts.push(e.message);
  });
  return { session, events, posts, outboxDir };
}

/** Scripted answers for the join flow; records what the user was told. */
function scripted(answers: { passphrases: string[]; retry?: boolean[]; create?: boolean }): JoinPrompts & { told: string[] } {
  const told: string[] = [];
  return {
    told,
    passphrase: async (room, _server, again) => {
      told.push(again ? `confirm ${room}` : `ask ${room}`);
      return answers.passphrases.shift();
    },
    wrongPassphrase: async (room) => {
      told.push(`wrong ${room}`);
      return answers.retry?.shift() ?? false;
    },
    confirmCreate: async (room) => {
      told.push(`create? ${room}`);
      return answers.create ?? false;
    },
    mismatch: () => told.push('mismatch'),
    // A strong typed passphrase is kept; a weak one cannot create a room, so the generated one is taken.
    newRoomPassphrase: async (room, _generated, weakness) => {
      told.push(weakness === undefined ? `new ${room}: typed` : `new ${room}: weak`);
      return weakness === undefined ? 'typed' : 'generated';
    },
  };
}

describe('extension session against the real server', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: ChatSession[] = [];
  const track = (h: Harness): Harness => {
    open.push(h.session);
    return h;
  };

  before(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  after(async () => {
    await server?.stop();
  });

  it('creates a room through the join flow after asking twice, and stores the passphrase only then', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    await a.session.connect();
    const secrets = new InMemorySecretStorage();
    const keys = new KeyStore(secrets);
    const prompts = scripted({ passphrases: ['quartz otter lantern drizzle 1', 'quartz otter lantern drizzle 1'], create: true });
    const result = await joinWithPassphrase(a.session, keys, 'flow-create', prompts);
    assert.equal(result, 'created');
    assert.deepEqual(prompts.told, ['ask flow-create', 'create? flow-create', 'new flow-create: typed', 'confirm flow-create']);
    assert.equal(await keys.passphrase(server.address, 'flow-create'), 'quartz otter lantern drizzle 1');
    assert.equal(a.session.state.active, 'flow-create');
    assert.equal(a.session.state.connection.state, 'joined');
  });

  it('says a wrong passphrase plainly, does not store it, and joins when the user tries again with the right one', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    await a.session.connect();
    await a.session.join('flow-wrong', 'right one', { create: true });

    const b = track(makeSession(server.address, 'Bob'));
    await b.session.connect();
    const secrets = new InMemorySecretStorage();
    const keys = new KeyStore(secrets);
    const prompts = scripted({ passphrases: ['wrong one', 'right one'], retry: [true] });
    const result = await joinWithPassphrase(b.session, keys, 'flow-wrong', prompts);
    assert.equal(result, 'joined');
    assert.deepEqual(prompts.told, ['ask flow-wrong', 'wrong flow-wrong', 'ask flow-wrong']);
    assert.equal(await keys.passphrase(server.address, 'flow-wrong'), 'right one');
    assert.ok(!secrets.changes.some((k) => secrets.values.get(k) === 'wrong one'));
  });

  it('forgets a saved passphrase that no longer works, and leaves nothing joined when the user gives up', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    await a.session.connect();
    await a.session.join('flow-stale', 'current', { create: true });

    const b = track(makeSession(server.address, 'Bob'));
    await b.session.connect();
    const keys = new KeyStore(new InMemorySecretStorage());
    await keys.storePassphrase(server.address, 'flow-stale', 'outdated');
    const prompts = scripted({ passphrases: [], retry: [true] });
    const result = await joinWithPassphrase(b.session, keys, 'flow-stale', prompts);
    assert.equal(result, 'cancelled');
    assert.deepEqual(prompts.told, ['wrong flow-stale', 'ask flow-stale']);
    assert.equal(await keys.passphrase(server.address, 'flow-stale'), undefined);
    assert.equal(b.session.state.room('flow-stale'), undefined);
    assert.equal(b.session.state.snapshot().rooms.length, 0);
  });

  it('does not create a room the user did not confirm', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    await a.session.connect();
    const keys = new KeyStore(new InMemorySecretStorage());
    const result = await joinWithPassphrase(a.session, keys, 'flow-nocreate', scripted({ passphrases: ['x'], create: false }));
    assert.equal(result, 'cancelled');
    assert.equal(await keys.passphrase(server.address, 'flow-nocreate'), undefined);
    const b = track(makeSession(server.address, 'Bob'));
    await b.session.connect();
    await assert.rejects(b.session.join('flow-nocreate', 'x'), (e: Error & { code?: string }) => e.code === 'no_room');
  });

  it('delivers a message between two sessions with name and fingerprint, counts it unread while hidden, and acks the sender', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    const b = track(makeSession(server.address, 'Bob'));
    await a.session.connect();
    await b.session.connect();
    await a.session.join('chat-1', 'pass', { create: true });
    await b.session.join('chat-1', 'pass');

    const cid = await a.session.sendText('chat-1', 'hello <b>Bob</b>');
    const incoming = await until('Bob to get it', () =>
      b.events.find((e): e is Extract<SessionEvent, { type: 'incoming' }> => e.type === 'incoming' && e.item.cid === cid),
    );
    assert.equal(incoming.unread, true);
    assert.ok(incoming.item.kind === 'text');
    assert.equal(incoming.item.text, 'hello <b>Bob</b>');
    assert.equal(incoming.item.from.name, 'Ann');
    assert.equal(incoming.item.from.fingerprint, a.session.identity.fingerprint);
    assert.equal(incoming.item.verified, true);
    assert.equal(b.session.state.totalUnread(), 1);

    // The sender shows it pending, then acked with the server's id.
    assert.ok(a.posts.some((m) => m.type === 'upsert' && m.items.some((i) => i.cid === cid && i.id === null)));
    await until('the ack', () => a.session.state.findItem('chat-1', cid)?.id);
    assert.equal(a.session.state.room('chat-1')!.unread, 0, 'own messages are never unread');

    // Bob opens the view: the room is read.
    b.session.setVisible(true);
    assert.equal(b.session.state.totalUnread(), 0);
    const rooms = b.posts.filter((m) => m.type === 'rooms').at(-1);
    assert.ok(rooms && rooms.type === 'rooms' && rooms.rooms[0]!.unread === 0);
  });

  it('shows the newest 50 on open and loads older pages until the first message', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    await a.session.connect();
    await a.session.join('history-1', 'pass', { create: true });
    for (let i = 1; i <= 120; i++) await a.session.sendText('history-1', `message ${i}`);
    await until('all acks', () => a.session.state.room('history-1')!.items.every((i) => i.id !== null));

    const b = track(makeSession(server.address, 'Bob'));
    await b.session.connect();
    await b.session.join('history-1', 'pass');
    const shown = (): string[] => b.session.state.room('history-1')!.items.map((i) => (i.kind === 'text' ? i.text : '?'));
    assert.equal(shown().length, 50);
    assert.equal(shown()[0], 'message 71');
    assert.equal(shown().at(-1), 'message 120');
    assert.equal(b.session.state.room('history-1')!.more, true);
    assert.equal(b.session.state.totalUnread(), 0, 'history is not news');

    await b.session.loadOlder('history-1');
    await b.session.loadOlder('history-1');
    assert.equal(shown().length, 120);
    assert.equal(shown()[0], 'message 1');
    assert.equal(b.session.state.room('history-1')!.more, false);
    const last = b.posts.filter((m) => m.type === 'older').at(-1);
    assert.ok(last?.type === 'older' && last.more === false && last.items.length === 20);
  });

  it('keeps a message typed while the server is down in the outbox file and delivers it once after the restart', async () => {
    const a = track(makeSession(server.address, 'Ann'));
    const b = track(makeSession(server.address, 'Bob'));
    await a.session.connect();
    await b.session.connect();
    await a.session.join('outage-1', 'pass', { create: true });
    await b.session.join('outage-1', 'pass');

    await server.stop();
    await until('Ann to see the outage', () => a.session.state.connection.state === 'reconnecting');
    const cid = await a.session.sendText('outage-1', 'typed while down');
    assert.equal(a.session.state.findItem('outage-1', cid)?.id, null, 'shown as pending');
    const queued = await new FileStateStore(a.outboxDir).list();
    assert.deepEqual(queued.map((e) => e.cid), [cid]);

    await server.restart();
    await until('Bob to get it', () => b.session.state.findItem('outage-1', cid), 20_000);
    await until('the ack', () => a.session.state.findItem('outage-1', cid)?.id, 20_000);
    const outbox = new FileStateStore(a.outboxDir);
    for (let i = 0; i < 100 && (await outbox.list()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await outbox.list(), []);
    const copies = b.session.state.room('outage-1')!.items.filter((i) => i.cid === cid);
    assert.equal(copies.length, 1);
  });
});
