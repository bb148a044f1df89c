// The room line of a rotation (PROTOCOL.md 12.5) in the host's state, against the REAL server (a Bun child
// on 127.0.0.1 with a real SQLite file): one 'line' view item at the grant's id for the owner who rotated, a
// member online, a member offline during the rotation and a newcomer; not unread, no notification, no notice.

import { strict as assert } from 'node:assert';
import { MemoryEpochKeyStore } from '../../client/epochs/store';
import { generateIdentity } from '../../client/keys';
import type { ChatSession, SessionEvent } from '../../extension/session';
import { roomLineText, type ViewItem, type ViewLineItem } from '../../protocol/webview';
import { until } from '../support/until';
import { sessionsOnRealServer, testSession, type SessionHarness } from './session-harness';

function linesOf(h: SessionHarness, room: string): ViewLineItem[] {
  return (h.session.state.room(room)?.items ?? []).filter((i): i is ViewLineItem => i.kind === 'line');
}

const sentence = (l: ViewLineItem): string => roomLineText(l.by.name, l.removed);

describe('extension session: the room line of a rotation (real server)', function () {
  this.timeout(30_000);
  const suite = sessionsOnRealServer();
  const open = suite.open;

  function session(name: string, opts: Parameters<typeof testSession>[2] = {}): SessionHarness & { events: SessionEvent[] } {
    const h = testSession(suite.server.address, name, opts);
    const events: SessionEvent[] = [];
    h.session.onEvent((e) => void events.push(e));
    open.push(h.session);
    return { ...h, events };
  }

  async function members(h: SessionHarness, room: string, count: number): Promise<void> {
    const end = Date.now() + 10_000;
    while ((await h.session.members(room)).length < count) {
      if (Date.now() > end) throw new Error(`fewer than ${count} members announced`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('Ada removes Carol: "Ada removed Carol" at the grant for Ada and Bob, for Dave after catching up, for a newcomer', async () => {
    const room = 'host-line-remove';
    const ada = session('Ada');
    const bob = session('Bob');
    const carol = session('Carol');
    const daveIdentity = generateIdentity();
    const daveKeys = new MemoryEpochKeyStore();
    const dave = session('Dave', { identity: daveIdentity, client: { epochKeys: daveKeys } });
    for (const h of [ada, bob, carol, dave]) await h.session.connect();
    await ada.session.join(room, 'pass', { create: true });
    for (const h of [bob, carol, dave]) await h.session.join(room, 'pass');
    await members(ada, room, 4);
    // Bob looks at another room: a line must not count as unread nor notify.
    bob.session.state.setVisible(false);
    await dave.session.close();

    const result = await ada.session.rotate(room, ['Carol']);
    const grantId = result.grant.id;
    await until('the line at Ada and Bob', () => linesOf(ada, room).length > 0 && linesOf(bob, room).length > 0);
    for (const h of [ada, bob]) {
      const got = linesOf(h, room);
      assert.equal(got.length, 1);
      assert.equal(got[0]?.id, grantId);
      assert.equal(got[0]?.ts, result.grant.ts);
      assert.equal(sentence(got[0]!), 'Ada removed Carol');
      // Posted to the view as an item like any other.
      assert.ok(h.posts.some((p) => p.type === 'upsert' && p.items.some((i) => i.kind === 'line' && i.id === grantId)));
    }
    // Not unread, no notification, and no transient notice any more.
    assert.equal(bob.session.state.room(room)?.unread, 0, JSON.stringify(bob.session.state.room(room)?.items.map((i) => [i.kind, i.id])));
    assert.ok(!bob.events.some((e) => e.type === 'incoming' && e.item.kind === 'line'));
    assert.ok(!bob.events.some((e) => e.type === 'notice'));
    // In the timeline at the grant's place: after every item stored before it.
    const items = bob.session.state.room(room)?.items ?? [];
    const at = items.findIndex((i) => i.kind === 'line');
    assert.ok(items.slice(0, at).every((i: ViewItem) => i.id !== null && i.id < grantId));

    // Dave, offline during the rotation, comes back with the old passphrase and sees the line in his history.
    const dave2 = session('Dave', { identity: daveIdentity, client: { epochKeys: daveKeys } });
    await dave2.session.connect();
    await dave2.session.join(room, 'pass');
    await until('the line at Dave', () => linesOf(dave2, room).length > 0);
    assert.deepEqual(linesOf(dave2, room).map((l) => [l.id, sentence(l)]), [[grantId, 'Ada removed Carol']]);

    // A newcomer with the new passphrase sees it too.
    const erin = session('Erin');
    await erin.session.connect();
    await erin.session.join(room, result.passphrase);
    await until('the line at Erin', () => linesOf(erin, room).length > 0);
    assert.deepEqual(linesOf(erin, room).map((l) => [l.id, sentence(l)]), [[grantId, 'Ada removed Carol']]);
  });

  it('Change Passphrase: "Ada changed the passphrase" at Ada and Bob', async () => {
    const room = 'host-line-change';
    const ada = session('Ada');
    const bob = session('Bob');
    await ada.session.connect();
    await bob.session.connect();
    await ada.session.join(room, 'pass', { create: true });
    await bob.session.join(room, 'pass');
    await members(ada, room, 2);
    const result = await ada.session.rotate(room, []);
    await until('the line at Ada and Bob', () => linesOf(ada, room).length > 0 && linesOf(bob, room).length > 0);
    for (const h of [ada, bob]) assert.deepEqual(linesOf(h, room).map((l) => [l.id, sentence(l)]), [[result.grant.id, 'Ada changed the passphrase']]);
  });
});
