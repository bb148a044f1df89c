// Verify Fingerprint... and Trust New Key... (extension/key-verify.ts) over real sessions against
// the REAL server (a Bun child on 127.0.0.1, a real SQLite file), with three identities: Alice,
// Bob, and Mallory writing as "Bob". Only the VS Code dialogs are scripted (the prompts boundary)
// and globalState is the in-memory Memento.

import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStore } from '../../client/file-store';
import { generateIdentity, type Identity } from '../../client/keys';
import { differSentence, trustNewKey, verifyFingerprint, type ComparePrompt, type KeyPrompts, type NewKeyPrompt } from '../../extension/key-verify';
import type { SenderStanding } from '../../extension/senders';
import { ChatSession } from '../../extension/session';
import { MementoCursorStore, MementoPinStore } from '../../extension/stores';
import type { HostMessage, ViewItem } from '../../protocol/webview';
import { TEST_KDF } from '../support/kdf';
import { startServer, type TestServer } from '../support/server';
import { until } from '../support/until';
import { InMemoryMemento } from './fakes';

const PASS = 'quartz otter lantern drizzle';

interface Scripted extends KeyPrompts {
  picked: SenderStanding[][];
  compared: ComparePrompt[];
  confirmed: NewKeyPrompt[];
  told: string[];
}

function scripted(answers: { compare?: 'match' | 'differ'; confirm?: boolean }): Scripted {
  const s: Scripted = {
    picked: [],
    compared: [],
    confirmed: [],
    told: [],
    pickSender: async (_room, senders) => {
      s.picked.push([...senders]);
      return senders[0];
    },
    compare: async (p) => {
      s.compared.push(p);
      return answers.compare;
    },
    confirmNewKey: async (p) => {
      s.confirmed.push(p);
      return answers.confirm ?? false;
    },
    tell: (level, text) => void s.told.push(`${level}: ${text}`),
  };
  return s;
}

describe('Verify Fingerprint and Trust New Key against the real server', function () {
  this.timeout(30_000);
  let server: TestServer;
  const open: ChatSession[] = [];

  interface Harness {
    s: ChatSession;
    posts: HostMessage[];
    memento: InMemoryMemento;
  }

  function session(name: string, identity: Identity, memento = new InMemoryMemento()): Harness {
    const s = new ChatSession({
      server: server.address,
      name,
      identity,
      outbox: new FileStateStore(mkdtempSync(join(tmpdir(), 'message-app-kv-'))),
      cursors: new MementoCursorStore(memento, server.address),
      pins: new MementoPinStore(memento, server.address),
      client: { createKdf: TEST_KDF, kdfFloor: TEST_KDF, connection: { backoffMinMs: 50, backoffMaxMs: 200 } },
    });
    open.push(s);
    const posts: HostMessage[] = [];
    s.onEvent((e) => {
      if (e.type === 'view') posts.push(e.message);
    });
    return { s, posts, memento };
  }

  async function joined(name: string, identity: Identity, room: string, create = false, memento?: InMemoryMemento): Promise<Harness> {
    const h = session(name, identity, memento);
    await h.s.connect();
    await h.s.join(room, PASS, { create });
    return h;
  }

  const bobKey = generateIdentity();
  const malloryKey = generateIdentity();
  const aliceKey = generateIdentity();

  function itemWith(s: ChatSession, room: string, text: string): Exclude<ViewItem, { kind: 'placeholder' | 'line' }> | undefined {
    const item = s.state.room(room)?.items.find((i) => i.kind === 'text' && i.text === text);
    return item?.kind === 'text' ? item : undefined;
  }

  before(async () => {
    server = await startServer();
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  after(async () => {
    await server?.stop();
  });

  it('"They match" shows both fingerprints, records the comparison per server, room and key, and marks old and new messages (also after a restart)', async () => {
    const room = 'kv-match';
    const alice = await joined('Alice', aliceKey, room, true);
    const bob = await joined('Bob', bobKey, room);
    await bob.s.sendText(room, 'first');
    const first = await until('Bob\'s first message at Alice', () => itemWith(alice.s, room, 'first'));
    assert.equal(first.verified, true);
    assert.equal(first.compared, undefined, 'first sight is not a comparison');

    const prompts = scripted({ compare: 'match' });
    assert.equal(await verifyFingerprint(alice.s, room, prompts), 'compared');
    assert.deepEqual(prompts.picked[0]?.map((p) => [p.shown, p.standing]), [['Bob', 'pinned']]);
    assert.deepEqual(prompts.compared, [{ room, name: 'Bob', theirs: bobKey.fingerprint, yourName: 'Alice', yours: aliceKey.fingerprint, already: false }]);
    // The message already shown gets the stronger mark, and the webview is told.
    assert.equal(itemWith(alice.s, room, 'first')?.compared, true);
    assert.ok(alice.posts.some((m) => m.type === 'upsert' && m.items.some((i) => i.kind === 'text' && i.text === 'first' && i.compared === true)));
    assert.ok(prompts.told.some((t) => t.startsWith('info: ') && t.includes('verified')));

    await bob.s.sendText(room, 'second');
    assert.equal((await until('the second message', () => itemWith(alice.s, room, 'second'))).compared, true);
    // A reaction rebuilds the item from the host's fold: the mark stays.
    const firstId = itemWith(alice.s, room, 'first')?.id;
    assert.ok(typeof firstId === 'number');
    await alice.s.react(room, firstId, '👍', false);
    await until('the reaction', () => itemWith(alice.s, room, 'first')?.reactions?.length);
    assert.equal(itemWith(alice.s, room, 'first')?.compared, true);
    assert.deepEqual(alice.s.roomSenders(room).map((p) => p.standing), ['compared']);

    // Another room of the same server knows nothing of it: the comparison is per room.
    const other = 'kv-match-other';
    await alice.s.join(other, PASS, { create: true });
    await bob.s.join(other, PASS);
    await bob.s.sendText(other, 'elsewhere');
    const elsewhere = await until('the other room', () => itemWith(alice.s, other, 'elsewhere'));
    assert.equal(elsewhere.verified, true);
    assert.equal(elsewhere.compared, undefined);

    // A restart keeps it: a new session on the same globalState shows the history marked.
    await alice.s.close();
    const again = await joined('Alice', aliceKey, room, false, alice.memento);
    const replayed = await until('history after the restart', () => itemWith(again.s, room, 'second'));
    assert.equal(replayed.compared, true);
  });

  it('"They differ" says plainly what it means and records nothing; dismissing records nothing', async () => {
    const room = 'kv-differ';
    const alice = await joined('Alice', aliceKey, room, true);
    const bob = await joined('Bob', bobKey, room);
    await bob.s.sendText(room, 'hello');
    await until('the message', () => itemWith(alice.s, room, 'hello'));

    const differ = scripted({ compare: 'differ' });
    assert.equal(await verifyFingerprint(alice.s, room, differ), 'differ');
    assert.deepEqual(differ.told, [`warning: ${differSentence('Bob', room)}`]);
    assert.match(differSentence('Bob', room), /NOT written with Bob's own key/);

    const dismissed = scripted({});
    assert.equal(await verifyFingerprint(alice.s, room, dismissed), 'cancelled');

    assert.equal(itemWith(alice.s, room, 'hello')?.compared, undefined);
    assert.equal(await new MementoPinStore(alice.memento, server.address).loadCompared(room).then((c) => Object.keys(c).length), 0);
    await bob.s.sendText(room, 'later');
    assert.equal((await until('a later message', () => itemWith(alice.s, room, 'later'))).compared, undefined);
  });

  it('says there is nothing to verify in a room where no one else wrote', async () => {
    const room = 'kv-empty';
    const alice = await joined('Alice', aliceKey, room, true);
    await alice.s.sendText(room, 'only me');
    const prompts = scripted({ compare: 'match' });
    assert.equal(await verifyFingerprint(alice.s, room, prompts), 'none');
    assert.equal(prompts.compared.length, 0);
    assert.match(prompts.told[0] ?? '', /no one else has written/);
  });

  it('a changed key is never compared; refusing Trust New Key changes nothing; trusting re-pins and clears the old comparison', async () => {
    const room = 'kv-changed';
    const alice = await joined('Alice', aliceKey, room, true);
    const bob = await joined('Bob', bobKey, room);
    await bob.s.sendText(room, 'real bob');
    await until('Bob', () => itemWith(alice.s, room, 'real bob'));
    assert.equal(await verifyFingerprint(alice.s, room, scripted({ compare: 'match' })), 'compared');

    // Mallory writes as "Bob" with another key.
    const mallory = await joined('Bob', malloryKey, room);
    await mallory.s.sendText(room, 'new laptop, same bob');
    const changed = await until('the changed key', () => itemWith(alice.s, room, 'new laptop, same bob'));
    assert.equal(changed.verified, false);
    assert.equal(changed.why, 'changed key');
    assert.equal(changed.compared, undefined);

    // Verify on the changed key (as from its key mark) is refused and points at Trust New Key.
    const onChanged = scripted({ compare: 'match' });
    assert.equal(await verifyFingerprint(alice.s, room, onChanged, { fingerprint: malloryKey.fingerprint, name: 'Bob' }), 'none');
    assert.equal(onChanged.compared.length, 0);
    assert.match(onChanged.told[0] ?? '', /Trust New Key/);
    // The picker offers only what can be verified: the real Bob.
    const picker = scripted({});
    await verifyFingerprint(alice.s, room, picker);
    assert.deepEqual(picker.picked[0]?.map((p) => p.fingerprint), [bobKey.fingerprint]);

    // Refusing: the pin stays with Bob, the comparison too, and Mallory's next message still warns.
    const refuse = scripted({ confirm: false });
    assert.equal(await trustNewKey(alice.s, room, refuse), 'cancelled');
    assert.deepEqual(refuse.picked[0]?.map((p) => [p.fingerprint, p.standing]), [[malloryKey.fingerprint, 'changed-key']]);
    assert.deepEqual(refuse.confirmed, [{ room, name: 'Bob', old: bobKey.fingerprint, new: malloryKey.fingerprint }]);
    assert.equal(alice.s.pinnedFingerprint(room, bobKey.fingerprint), bobKey.fingerprint);
    await mallory.s.sendText(room, 'still me');
    assert.equal((await until('a refused key', () => itemWith(alice.s, room, 'still me'))).why, 'changed key');
    await bob.s.sendText(room, 'bob again');
    assert.equal((await until('Bob again', () => itemWith(alice.s, room, 'bob again'))).compared, true);

    // Trusting on purpose (from the toast: the sender is named): re-pinned; the old key's comparison is gone.
    const accept = scripted({ confirm: true });
    assert.equal(await trustNewKey(alice.s, room, accept, { fingerprint: malloryKey.fingerprint, name: 'Bob' }), 'trusted');
    assert.equal(accept.picked.length, 0);
    assert.equal(alice.s.pinnedFingerprint(room, malloryKey.fingerprint), malloryKey.fingerprint);
    assert.equal(itemWith(alice.s, room, 'bob again')?.compared, undefined, 'the old comparison no longer shows');
    assert.deepEqual(Object.keys(await new MementoPinStore(alice.memento, server.address).loadCompared(room)), []);

    await mallory.s.sendText(room, 'trusted now');
    const trusted = await until('the re-pinned key', () => itemWith(alice.s, room, 'trusted now'));
    assert.equal(trusted.verified, true);
    assert.equal(trusted.why, undefined);
    assert.equal(trusted.compared, undefined, 'a trusted new key starts at first sight');
    await bob.s.sendText(room, 'old key');
    assert.equal((await until('the old key now', () => itemWith(alice.s, room, 'old key'))).why, 'changed key');

    // Nothing left to trust for that name's new key.
    const nothing = scripted({ confirm: true });
    assert.equal(await trustNewKey(alice.s, room, nothing, { fingerprint: malloryKey.fingerprint, name: 'Bob' }), 'none');
    assert.equal(nothing.confirmed.length, 0);
  });

  it('never offers to trust a look-alike name (Cyrillic "Воb") over the pinned one', async () => {
    const room = 'kv-lookalike';
    const alice = await joined('Alice', aliceKey, room, true);
    const bob = await joined('Bob', bobKey, room);
    await bob.s.sendText(room, 'real');
    await until('Bob', () => itemWith(alice.s, room, 'real'));
    const fake = await joined('\u0412\u043Eb', malloryKey, room);
    await fake.s.sendText(room, 'fake');
    const item = await until('the look-alike', () => itemWith(alice.s, room, 'fake'));
    assert.equal(item.why, 'looks like Bob');
    const prompts = scripted({ confirm: true });
    assert.equal(await trustNewKey(alice.s, room, prompts, { fingerprint: malloryKey.fingerprint }), 'none');
    assert.equal(prompts.confirmed.length, 0);
    assert.equal(alice.s.pinnedFingerprint(room, bobKey.fingerprint), bobKey.fingerprint);
  });
});
