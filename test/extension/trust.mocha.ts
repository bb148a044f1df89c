// The extension over TLS (extension/trust.ts with the connect flow, the session host and the join
// flow) against the REAL server started WITH TLS and its self-signed certificate: the first-use
// question accepted and refused, the pin used afterwards without asking, a changed certificate as a
// hard failure naming both fingerprints and the command, plaintext refused unless the setting says
// so (then an open lock in the status bar), an invite that pins without the question, a new room's
// generated and weak passphrases, a room whose key parameters changed, and the replay memory on
// disk. The VS Code questions and storage are scripted fakes (connect-harness.ts, fakes.ts).

import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { generate } from 'selfsigned';
import { fingerprintOfDer } from '../../client/trust/tls';
import { dirname, join } from 'node:path';
import { MemoryTrustStore } from '../../client/trust/known-servers';
import { formatInvite } from '../../client/invite';
import { userSentence } from '../../extension/errors';
import { joinWithPassphrase, type JoinPrompts } from '../../extension/join-flow';
import { statusView } from '../../extension/state/status-text';
import { MementoRoomParamStore, serverTag } from '../../extension/stores';
import { MementoTrustStore, ServerTrust, type TlsSetting } from '../../extension/trust';
import { startServer, type TestServer } from '../support/server';
import { harness, type Harness } from './connect-harness';
import { InMemoryMemento, InMemorySecretStorage } from './fakes';

const STRONG = 'tulip marble gravel fjord 7';

interface Trusting {
  trust: ServerTrust;
  store: MemoryTrustStore;
  /** The first-use questions asked: "address fingerprint". */
  asked: string[];
  setting: { tls: TlsSetting };
}

function trusting(answer: boolean, tls: TlsSetting = 'on'): Trusting {
  const t = { store: new MemoryTrustStore(), asked: [] as string[], setting: { tls } } as Trusting;
  t.trust = new ServerTrust({
    store: t.store,
    setting: () => t.setting.tls,
    firstUse: async (address, fingerprint) => {
      t.asked.push(`${address} ${fingerprint}`);
      return answer;
    },
  });
  return t;
}

describe('extension over TLS against the real server', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Harness[] = [];
  const track = (h: Harness): Harness => {
    open.push(h);
    return h;
  };

  before(async () => {
    server = await startServer({ tls: true });
    assert.match(server.fingerprint ?? '', /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  afterEach(async () => {
    for (const h of open.splice(0)) await h.host.close();
  });

  after(async () => {
    await server?.remove();
  });

  it('asks about a self-signed certificate on first contact, pins it when accepted, connects with the pin and never asks again', async () => {
    const t = trusting(true);
    const h = track(harness({ server: server.address, room: 'tls-first', displayName: 'Ann' }, new InMemorySecretStorage(), t.trust));
    h.answers.passphrase.push(STRONG);
    await h.flow.connect();
    assert.deepEqual(t.asked, [`${server.address} ${server.fingerprint}`]);
    assert.equal(await t.store.get(server.address), server.fingerprint);
    assert.deepEqual(await t.trust.tlsFor(server.address), { pin: server.fingerprint });
    assert.equal(h.host.current?.state.connection.state, 'joined');
    assert.equal(h.host.plaintext, false);

    // A later connect (another window, a restart) finds the pin: no question.
    const again = track(harness({ server: server.address, room: 'tls-first', displayName: 'Ann' }, h.secrets, t.trust));
    await again.flow.connect();
    assert.equal(t.asked.length, 1);
    assert.equal(again.host.current?.state.connection.state, 'joined');
  });

  it('connects to nothing and pins nothing when the first-use question is refused', async () => {
    const t = trusting(false);
    const h = track(harness({ server: server.address, room: 'tls-refused', displayName: 'Bea' }, new InMemorySecretStorage(), t.trust));
    await h.flow.connect();
    assert.equal(t.asked.length, 1);
    assert.equal(await t.store.get(server.address), undefined);
    assert.equal(h.host.current, undefined);
    assert.deepEqual(h.asked, ['after failure']);
    assert.ok(h.notices.some((n) => n.startsWith('error ') && n.includes(server.fingerprint ?? '?') && n.includes('was not trusted')), h.notices.join('\n'));
    assert.deepEqual(h.saved, []);
  });

  it('a session made without the first-use check (no pin, no CA) refuses the self-signed certificate', async () => {
    const t = trusting(true);
    // Skipping the connect flow's check: the session is made with plain CA verification, which a self-signed certificate fails.
    const h = track(harness({}, new InMemorySecretStorage(), t.trust));
    await assert.rejects(h.host.ensure(server.address, 'Cyd'), (e: Error & { code?: string }) => e.code === 'untrusted_certificate');
    assert.equal(t.asked.length, 0);
  });

  it('pasting an invite fills server and room and pins its fingerprint without the question; a wrong fingerprint pins nothing', async () => {
    const bad = trusting(true);
    const wrongFingerprint = `SHA256:${'A'.repeat(43)}`;
    const h1 = track(harness({}, new InMemorySecretStorage(), bad.trust));
    h1.answers.server.push(formatInvite({ server: server.address, room: 'tls-invite', fingerprint: wrongFingerprint }));
    await h1.flow.connect();
    assert.deepEqual(bad.asked, []);
    assert.equal(await bad.store.get(server.address), undefined);
    assert.equal(h1.host.current, undefined);
    assert.ok(h1.notices.some((n) => n.includes(wrongFingerprint) && n.includes('the invite names')), h1.notices.join('\n'));

    const t = trusting(false);
    const h = track(harness({ displayName: 'Dee' }, new InMemorySecretStorage(), t.trust));
    h.answers.server.push(formatInvite({ server: server.address, room: 'tls-invite', fingerprint: server.fingerprint ?? '' }));
    h.answers.passphrase.push(STRONG);
    await h.flow.connect();
    assert.deepEqual(t.asked, [], 'an invite never shows the first-use question');
    assert.equal(await t.store.get(server.address), server.fingerprint);
    assert.equal(h.host.current?.state.active, 'tls-invite');
    assert.ok(h.saved.includes(`server=${server.address}`) && h.saved.includes('room=tls-invite'), h.saved.join(', '));
    assert.ok(!h.asked.includes('room'), 'the room came from the invite');
  });

  it('a changed certificate is a hard failure naming both fingerprints and the command, whatever the flow; the command trusts the new one on purpose', async () => {
    const t = trusting(true);
    const h = track(harness({ server: server.address, room: 'tls-changed', displayName: 'Eve' }, new InMemorySecretStorage(), t.trust));
    h.answers.passphrase.push(STRONG);
    await h.flow.connect();
    const old = server.fingerprint ?? '';
    await h.host.close();

    // The server gets a new certificate: its pair is removed and made again on restart.
    await server.stop();
    const folder = dirname(server.dataFile);
    rmSync(join(folder, 'tls-cert.pem'));
    rmSync(join(folder, 'tls-key.pem'));
    await server.restart();
    const fresh = server.fingerprint ?? '';
    assert.notEqual(fresh, old);

    const isChanged = (e: Error & { code?: string }): boolean =>
      e.code === 'certificate_changed' &&
      e.message.includes(old) &&
      e.message.includes(fresh) &&
      e.message.includes('Message App: Trust New Server Certificate...') &&
      !e.message.includes('chat trust');
    // The connect flow's check, and a session made straight from the pin (a reconnect at start-up).
    await assert.rejects(t.trust.check(server.address), isChanged);
    await assert.rejects(h.host.ensure(server.address, 'Eve'), isChanged);
    assert.equal(t.asked.length, 1, 'a changed certificate is never a first-use question');
    assert.equal(await t.store.get(server.address), old, 'the pin stays until the user trusts the new one');

    // Trust New Server Certificate: shows both, pins the new one only on purpose.
    assert.deepEqual(await t.trust.current(server.address), { pinned: old, presented: fresh });
    await t.trust.pin(server.address, fresh);
    const after = track(harness({ server: server.address, room: 'tls-changed', displayName: 'Eve' }, h.secrets, t.trust));
    await after.flow.connect();
    assert.equal(after.host.current?.state.connection.state, 'joined');
  });

  it('refuses a server without TLS unless messageApp.tls is "off"; then connects plainly with an open lock in the status bar', async () => {
    const plain = await startServer(); // --tls off
    try {
      const t = trusting(true);
      const refused = track(harness({ server: plain.address, room: 'plain', displayName: 'Fay' }, new InMemorySecretStorage(), t.trust));
      await refused.flow.connect();
      assert.equal(refused.host.current, undefined);
      assert.ok(refused.notices.some((n) => n.includes('did not answer with TLS') && n.includes('"messageApp.tls"')), refused.notices.join('\n'));
      assert.deepEqual(t.asked, []);

      t.setting.tls = 'off';
      const h = track(harness({ server: plain.address, room: 'plain', displayName: 'Fay' }, new InMemorySecretStorage(), t.trust));
      h.answers.passphrase.push(STRONG);
      await h.flow.connect();
      assert.equal(h.host.current?.state.connection.state, 'joined');
      assert.equal(h.host.plaintext, true);
      const connection = h.host.current?.state.connection ?? { state: 'idle' as const };
      const status = statusView(connection, 'plain', [], h.host.plaintext);
      assert.ok(status.text.startsWith('$(unlock)') && status.warning && status.tooltip.includes('TLS is off'), JSON.stringify(status));
      assert.ok(!statusView(connection, 'plain', [], false).text.includes('$(unlock)'));
      await h.host.close();
    } finally {
      await plain.remove();
    }
  });

  it('keeps pins in globalState per host:port, ignoring damaged entries', async () => {
    const memento = new InMemoryMemento();
    const store = new MementoTrustStore(memento);
    await store.set('a.example:7070', server.fingerprint ?? '');
    await store.set('b.example:7070', `SHA256:${'B'.repeat(43)}`);
    assert.equal(await new MementoTrustStore(memento).get('a.example:7070'), server.fingerprint);
    await store.forget('b.example:7070');
    assert.equal(await store.get('b.example:7070'), undefined);
    await memento.update('messageApp.serverCertificates', { 'c.example:1': 'not a fingerprint', 'a.example:7070': server.fingerprint });
    assert.equal(await store.get('c.example:1'), undefined);
    assert.equal(await store.get('a.example:7070'), server.fingerprint);
  });
});

describe('extension: a certificate a CA vouches for (real server with a CA-signed certificate)', function () {
  this.timeout(30_000);
  let server: TestServer;
  let caPem: string;
  let leafFingerprint: string;

  before(async () => {
    // A throwaway CA and a leaf for 127.0.0.1 signed by it; ServerTrust gets the CA as `ca`,
    // which node:tls verifies against (standing in for the system's CAs).
    const ca = await generate([{ name: 'commonName', value: 'message-app test CA' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    const leaf = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'message-app-ext-ca-'));
    writeFileSync(join(dir, 'leaf.pem'), leaf.cert);
    writeFileSync(join(dir, 'leaf-key.pem'), leaf.private, { mode: 0o600 });
    caPem = ca.cert;
    leafFingerprint = fingerprintOfDer(new X509Certificate(leaf.cert).raw);
    server = await startServer({ args: ['--tls-cert', join(dir, 'leaf.pem'), '--tls-key', join(dir, 'leaf-key.pem')] });
  });

  after(async () => {
    await server?.remove();
  });

  it('accepts a CA-valid certificate without a question or a pin, but never lets it override a pin', async () => {
    const store = new MemoryTrustStore();
    const asked: string[] = [];
    const trust = new ServerTrust({ store, setting: () => 'on', ca: caPem, firstUse: async (a) => (asked.push(a), true) });
    await trust.check(server.address);
    assert.deepEqual(asked, []);
    assert.equal(await store.get(server.address), undefined);
    const h = harness({}, new InMemorySecretStorage(), trust);
    try {
      const session = await h.host.ensure(server.address, 'Mo');
      await session.join('ca-room', STRONG, { create: true });
      assert.ok(session.state.room('ca-room'));
    } finally {
      await h.host.close();
    }
    // A pin for another certificate wins over the CA.
    const other = `SHA256:${'C'.repeat(43)}`;
    await store.set(server.address, other);
    await assert.rejects(trust.check(server.address), (e: Error & { code?: string }) => e.code === 'certificate_changed' && e.message.includes(leafFingerprint) && e.message.includes(other));
    await assert.rejects(h.host.ensure(server.address, 'Mo'), (e: Error & { code?: string }) => e.code === 'certificate_changed');
  });
});

describe('extension: a new room\'s passphrase, room key parameters and replay memory (real server with TLS)', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: Harness[] = [];

  before(async () => {
    server = await startServer({ tls: true });
  });

  afterEach(async () => {
    for (const h of open.splice(0)) await h.host.close();
  });

  after(async () => {
    await server?.remove();
  });

  async function connected(name: string): Promise<Harness> {
    const t = trusting(true);
    await t.trust.check(server.address);
    const h = harness({}, new InMemorySecretStorage(), t.trust);
    open.push(h);
    await h.host.ensure(server.address, name);
    return h;
  }

  /** The join flow's questions, scripted: typed passphrases and the choice for a new room's passphrase. */
  function prompts(typed: string[], choices: Array<'generated' | 'typed' | 'retype' | undefined>): JoinPrompts & { told: string[]; generated: string[] } {
    const told: string[] = [];
    const generated: string[] = [];
    let last: string | undefined;
    return {
      told,
      generated,
      passphrase: async (_room, _server, again) => {
        told.push(again ? 'confirm' : 'ask');
        if (!again) last = typed.shift();
        return last;
      },
      wrongPassphrase: async () => false,
      confirmCreate: async () => {
        told.push('create?');
        return true;
      },
      mismatch: () => told.push('mismatch'),
      newRoomPassphrase: async (_room, offered, weakness) => {
        generated.push(offered);
        told.push(weakness === undefined ? 'new: strong' : `new: weak (${weakness})`);
        return choices.shift();
      },
    };
  }

  it('offers a generated six-word passphrase for a new room and refuses a weak typed one with the reason', async () => {
    const h = await connected('Gus');
    const session = h.host.current;
    assert.ok(session);
    // Weak: "typed" is not accepted (the flow asks again), then the generated one is taken.
    const p = prompts(['hunter2', 'waffles'], ['typed', 'generated']);
    assert.equal(await joinWithPassphrase(session, h.keys, 'new-weak', p), 'created');
    assert.equal(p.told.filter((x) => x.startsWith('new: weak')).length, 2);
    assert.match(p.told[2] ?? '', /too easy to guess.*10\^14/i, p.told.join(' | '));
    assert.equal(p.told.filter((x) => x === 'create?').length, 1, 'create is confirmed once');
    assert.ok(!p.told.includes('confirm'), 'a generated passphrase is not typed again');
    const saved = await h.keys.passphrase(server.address, 'new-weak');
    assert.equal(saved, p.generated[1]);
    assert.equal(saved?.split(' ').length, 6);

    // Strong and typed: confirmed by typing it again, then created with it.
    const q = prompts([STRONG], ['typed']);
    assert.equal(await joinWithPassphrase(session, h.keys, 'new-strong', q), 'created');
    assert.deepEqual(q.told, ['ask', 'create?', 'new: strong', 'confirm']);
    assert.equal(await h.keys.passphrase(server.address, 'new-strong'), STRONG);
  });

  it('joins an existing room with any passphrase (rooms made before keep working)', async () => {
    const a = await connected('Hal');
    // A room made with a weak passphrase (as before issue 11), straight through the session.
    await a.host.current?.join('old-room', 'waffles', { create: true });
    const b = await connected('Ivy');
    const session = b.host.current;
    assert.ok(session);
    const p = prompts(['waffles'], []);
    assert.equal(await joinWithPassphrase(session, b.keys, 'old-room', p), 'joined');
    assert.deepEqual(p.told, ['ask']);
  });

  it('refuses a room whose key parameters differ from the pinned ones, names the command, and joins again once they are forgotten', async () => {
    const h = await connected('Jan');
    const session = h.host.current;
    assert.ok(session);
    await session.join('pinned-room', STRONG, { create: true });
    // A second host whose globalState holds another salt and a lower N for the room: what a server
    // that swapped the parameters would look like to the first one.
    const memento = new InMemoryMemento();
    const store = new MementoRoomParamStore(memento);
    await store.set(server.address, 'pinned-room', { salt: new Uint8Array(16).fill(7), kdf: { n: 2 ** 10, r: 8, p: 1 } });
    const t = trusting(true);
    await t.trust.check(server.address);
    const other = harness({}, new InMemorySecretStorage(), t.trust, memento);
    open.push(other);
    const s2 = await other.host.ensure(server.address, 'Jan2');
    let caught: unknown;
    await s2.join('pinned-room', STRONG).catch((e: unknown) => (caught = e));
    assert.equal((caught as { code?: string } | undefined)?.code, 'room_params_changed');
    const sentence = userSentence(caught);
    assert.ok(sentence.includes('changed the key parameters of room "pinned-room"') && sentence.includes('Message App: Forget Room Key Parameters...'), sentence);
    assert.ok(!sentence.includes('chat forget-room'));
    assert.equal(s2.state.room('pinned-room'), undefined, 'nothing joined');

    // Forget Room Key Parameters: the next join pins what the server says now.
    await store.forget(server.address, 'pinned-room');
    await s2.join('pinned-room', STRONG);
    assert.ok(s2.state.room('pinned-room'));
    assert.ok(await store.get(server.address, 'pinned-room'));
  });

  it('remembers (sender key, cid) on disk under the global storage folder, so a restart still drops a replay', async () => {
    const a = await connected('Kim');
    const b = await connected('Lou');
    await a.host.current?.join('replay-room', STRONG, { create: true });
    await b.host.current?.join('replay-room', STRONG);
    const cid = await a.host.current?.sendText('replay-room', 'hello once');
    const dir = join(b.storageDir, 'servers', serverTag(server.address), 'replay');
    const deadline = Date.now() + 10_000;
    let entries: unknown[] = [];
    while (Date.now() < deadline) {
      try {
        entries = JSON.parse(readFileSync(join(dir, 'replay-room.json'), 'utf8')) as unknown[];
        if (entries.some((e) => Array.isArray(e) && typeof e[0] === 'string' && e[0].endsWith(`:${cid}`))) break;
      } catch {
        // Not written yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(readdirSync(dir).includes('replay-room.json'));
    assert.ok(entries.some((e) => Array.isArray(e) && typeof e[0] === 'string' && e[0].endsWith(`:${cid}`)), JSON.stringify(entries));
  });
});
