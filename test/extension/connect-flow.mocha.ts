// The connect flow (extension/connect-flow.ts) and the session host
// (extension/session-host.ts) against the REAL server (a Bun child process on
// 127.0.0.1 with a real SQLite file): questions only for what is missing,
// settings saved only after a connection worked, changing the server after a
// failure, the reachability check right after the address, a new Connect that
// ends a flow left waiting on a dismissed question, one flow at a time while
// connecting, the quiet reconnect at start-up, and following a
// passphrase another window saved (window-rooms.ts). The VS Code questions and
// storage are the scripted fakes of connect-harness.ts: the only boundary Node cannot reach.

import { strict as assert } from 'node:assert';
import { passphraseKey } from '../../extension/key-store';
import { probeServer } from '../../extension/reachability';
import { followSecretChange } from '../../extension/window-rooms';
import { startServer, type TestServer } from '../support/server';
import { harness, NOWHERE, type Harness } from './connect-harness';

describe('extension connect flow against the real server', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Harness[] = [];
  const track = (h: Harness): Harness => {
    open.push(h);
    return h;
  };

  before(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    for (const h of open.splice(0)) await h.host.close();
  });

  after(async () => {
    await server?.stop();
  });

  it('asks for nothing when server, room and name are set; connects, joins, saves and focuses', async () => {
    const h = track(harness({ server: server.address, room: 'flow-quiet', displayName: 'Ann' }));
    h.answers.passphrase.push('tulip marble gravel fjord 1');
    await h.flow.connect();
    assert.deepEqual(h.asked, ['passphrase flow-quiet', 'create flow-quiet', 'new passphrase flow-quiet', 'confirm flow-quiet', 'focus']);
    assert.equal(h.host.current?.state.active, 'flow-quiet');
    assert.deepEqual(h.saved, [`server=${server.address}`, 'room=flow-quiet']);
    assert.deepEqual(h.rooms.list(), ['flow-quiet']);
    assert.equal(await h.keys.passphrase(server.address, 'flow-quiet'), 'tulip marble gravel fjord 1');
    assert.equal(h.posts[0]?.type, 'snapshot', 'the view gets a snapshot when the session comes');
  });

  it('asks for what is missing in order, and saves the name it connected with', async () => {
    const h = track(harness());
    h.answers.server.push(server.address);
    h.answers.room.push('flow-ask');
    h.answers.name.push('Bea');
    h.answers.passphrase.push('tulip marble gravel fjord 2');
    await h.flow.connect();
    assert.deepEqual(h.asked.slice(0, 3), ['server ()', 'room', 'name (OsUser)']);
    assert.deepEqual(h.saved, [`server=${server.address}`, 'displayName=Bea', 'room=flow-ask']);
    assert.equal(h.host.current?.name, 'Bea');
  });

  it('stops at a cancelled question: nothing saved, no session', async () => {
    const h = track(harness({ server: server.address }));
    await h.flow.connect();
    assert.deepEqual(h.asked, ['room']);
    assert.deepEqual(h.saved, []);
    assert.equal(h.host.current, undefined);
  });

  it('offers to change the server after a failed connection and never saves the address that failed', async () => {
    const h = track(harness({ server: NOWHERE, room: 'flow-change', displayName: 'Cai' }));
    h.answers.afterFailure.push('change');
    h.answers.server.push(server.address);
    h.answers.passphrase.push('tulip marble gravel fjord 3');
    await h.flow.connect();
    assert.deepEqual(h.asked.slice(0, 2), ['after failure', `server (${NOWHERE})`]);
    assert.ok(h.notices.some((n) => n.startsWith('error ')), 'the failure is noted in the view');
    assert.deepEqual(h.saved, [`server=${server.address}`, 'room=flow-change']);
    assert.equal(h.host.current?.server, server.address);
  });

  it('gives up after a failed connection when the user does not choose', async () => {
    const h = track(harness({ server: NOWHERE, room: 'flow-give-up', displayName: 'Dan' }));
    await h.flow.connect();
    assert.deepEqual(h.asked, ['after failure']);
    assert.deepEqual(h.saved, []);
    assert.equal(h.host.current, undefined);
  });

  it('checks that the server answers right after the address is entered, before the room and name questions', async () => {
    const h = track(harness());
    h.answers.server.push(NOWHERE);
    await h.flow.connect();
    assert.deepEqual(h.asked, [`server ()`, 'after failure']);
    assert.ok(h.notices.some((n) => n.startsWith('error Cannot reach the chat server at 127.0.0.1:1')), h.notices.join('\n'));
    assert.equal(h.host.current, undefined);
  });

  it('lets a new Connect work while the failure question is left open (a dismissed toast)', async () => {
    const h = track(harness({ server: NOWHERE, room: 'flow-again', displayName: 'Lea' }));
    h.answers.afterFailure.push('leave open');
    const first = h.flow.connect();
    while (!h.asked.includes('after failure')) await new Promise((r) => setTimeout(r, 10));
    // The user fixes the server setting and clicks Connect again.
    h.settings.server = server.address;
    h.answers.passphrase.push('tulip marble gravel fjord 7');
    const second = h.flow.connect();
    assert.notEqual(second, first, 'a new flow, not the stuck one');
    await second;
    await first; // the stuck flow ended too, instead of waiting forever
    assert.equal(h.host.current?.state.active, 'flow-again');
    assert.deepEqual(h.saved, [`server=${server.address}`, 'room=flow-again']);
    assert.equal(h.asked.filter((a) => a === 'focus').length, 1);
  });

  it('probes: resolves for the real server, rejects with a sentence where nothing listens', async () => {
    await probeServer(server.address);
    await assert.rejects(probeServer(NOWHERE), (e: Error & { code?: string }) => e.code === 'unreachable' && /^Cannot reach the chat server at 127\.0\.0\.1:1 \(ECONNREFUSED\)\.$/.test(e.message));
    await assert.rejects(probeServer('no port'), (e: Error & { code?: string }) => e.code === 'invalid_input');
  });

  it('runs one flow at a time: a second Connect waits for the first', async () => {
    const h = track(harness({ server: server.address, room: 'flow-once', displayName: 'Eva' }));
    h.answers.passphrase.push('tulip marble gravel fjord 4');
    const first = h.flow.connect();
    const second = h.flow.connect();
    assert.equal(first, second);
    await first;
    assert.equal(h.asked.filter((a) => a === 'focus').length, 1);
  });

  it('rejoins the rooms of this window at start-up without asking, and forgets a saved passphrase that stopped working', async () => {
    const first = track(harness({ server: server.address, room: 'flow-back', displayName: 'Fay' }));
    first.answers.passphrase.push('tulip marble gravel fjord 5');
    await first.flow.connect();
    await first.host.current!.join('flow-wrong', 'the right words', { create: true });
    await first.host.close();

    const h = track(harness({ server: server.address, room: 'flow-back', displayName: 'Fay' }, first.secrets));
    h.rooms.remember('flow-back');
    h.rooms.remember('flow-wrong');
    await h.keys.storePassphrase(server.address, 'flow-wrong', 'never the right words');
    await h.flow.reconnectOnStartup();
    assert.deepEqual(h.asked, []);
    assert.deepEqual(h.host.current?.state.roomNames(), ['flow-back']);
    assert.equal(await h.keys.passphrase(server.address, 'flow-wrong'), undefined, 'the wrong one is forgotten');
    assert.ok(h.notices.some((n) => n.includes('"flow-wrong" no longer works')), h.notices.join('\n'));
  });

  it('keeps one session per server and name: the same pair reuses it, another name replaces it', async () => {
    const h = track(harness());
    const a = await h.host.ensure(server.address, 'Jo');
    assert.equal(await h.host.ensure(server.address, 'Jo'), a);
    const b = await h.host.ensure(server.address, 'Jon');
    assert.notEqual(b, a);
    assert.equal(h.host.current, b);
    await h.host.close();
    assert.equal(h.host.current, undefined);
    const last = h.posts.at(-1);
    assert.ok(last?.type === 'snapshot' && last.snapshot.rooms.length === 0 && last.snapshot.connection.state === 'idle', 'the view is emptied');
  });

  it('keeps the history on screen, read-only, after Disconnect, until another session comes', async () => {
    const h = track(harness({ server: server.address, room: 'flow-keep', displayName: 'Max' }));
    h.answers.passphrase.push('tulip marble gravel fjord 8');
    await h.flow.connect();
    const cid = await h.host.current!.sendText('flow-keep', 'still here after disconnect');
    while (!h.host.current!.state.findItem('flow-keep', cid)?.id) await new Promise((r) => setTimeout(r, 10));
    await h.host.disconnect();
    assert.equal(h.host.current, undefined, 'the connection is closed');
    const last = h.posts.at(-1);
    assert.ok(last?.type === 'snapshot', 'the view gets the kept history');
    assert.equal(last.snapshot.connection.state, 'closed');
    assert.deepEqual(last.snapshot.rooms.map((r) => r.room), ['flow-keep']);
    assert.ok(last.snapshot.rooms[0]!.items.some((i) => i.cid === cid), 'the message is still shown');
    assert.deepEqual(h.host.snapshot(), last.snapshot, 'a reloaded view gets the same');
    await h.host.disconnect(); // twice is harmless
    await h.host.ensure(server.address, 'Max');
    assert.equal(h.host.snapshot().rooms.length, 0, 'a new session starts from its own state');
    assert.notEqual(h.host.snapshot().connection.state, 'closed');
  });

  it('keeps trying a server that is down at start-up, and drops the session when a Connect fails', async () => {
    const h = track(harness());
    const session = await h.host.ensure(NOWHERE, 'Kim', true);
    assert.equal(h.host.current, session);
    assert.ok(h.notices.some((n) => n.startsWith('info ') && n.endsWith('Message App keeps trying.')), h.notices.join('\n'));
    await h.host.close();
    await assert.rejects(h.host.ensure(NOWHERE, 'Kim'));
    assert.equal(h.host.current, undefined);
  });

  it('does nothing at start-up without a saved passphrase', async () => {
    const h = track(harness({ server: server.address, room: 'flow-nothing', displayName: 'Gus' }));
    await h.flow.reconnectOnStartup();
    assert.equal(h.host.current, undefined);
  });

  it("joins a room this window wanted when another window saves its passphrase, and ignores other rooms", async () => {
    const creator = track(harness({ server: server.address, room: 'flow-sync', displayName: 'Hal' }));
    creator.answers.passphrase.push('tulip marble gravel fjord 6');
    await creator.flow.connect();

    const h = track(harness({ server: server.address, room: 'flow-other', displayName: 'Ida' }));
    const session = await h.host.ensure(server.address, 'Ida');
    h.rooms.remember('flow-sync');
    const deps = {
      keys: h.keys,
      rooms: h.rooms,
      log: { info: (): void => undefined, warn: (): void => undefined },
      session: () => ({ server: session.server, hasRoom: (r: string) => session.state.room(r) !== undefined, join: (r: string, p: string, o: { activate: boolean }) => session.join(r, p, o) }),
    };
    // Another window (same secret storage) saves passphrases: one for a room not wanted here.
    await h.keys.storePassphrase(server.address, 'flow-unwanted', 'x');
    await followSecretChange(passphraseKey(server.address, 'flow-unwanted'), deps);
    await h.keys.storePassphrase(server.address, 'flow-sync', 'tulip marble gravel fjord 6');
    await followSecretChange(passphraseKey(server.address, 'flow-sync'), deps);
    assert.deepEqual(session.state.roomNames(), ['flow-sync']);
    assert.equal(session.state.active, 'flow-sync', 'the first room becomes the active one even when joined quietly');
  });
});
