// The host's chat model: ordering, de-duplication by cid, pending -> acked,
// unread counting that follows what the user sees, and snapshots.

import { strict as assert } from 'node:assert';
import { ChatState } from '../../extension/state/chat-state';
import type { ViewItem, ViewTextItem } from '../../protocol/webview';

function text(cid: string, id: number | null, opts: Partial<ViewTextItem> = {}): ViewTextItem {
  return {
    kind: 'text',
    id,
    cid: cid.padEnd(8, '_'),
    ts: 1_700_000_000_000 + (id ?? 999) * 1000,
    from: { name: 'Ann', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF' },
    own: false,
    verified: true,
    pending: id === null,
    text: `message ${cid}`,
    ...opts,
  };
}

const cids = (items: ViewItem[]): string[] => items.map((i) => i.cid.replace(/_+$/, ''));

describe('extension chat state', () => {
  it('orders acked messages by id and keeps pending ones after them', () => {
    const s = new ChatState();
    s.upsert('team', text('c3', 3), false);
    s.upsert('team', text('p1', null, { own: true }), false);
    s.upsert('team', text('c1', 1), false);
    s.upsert('team', text('c2', 2), false);
    assert.deepEqual(cids(s.room('team')!.items), ['c1', 'c2', 'c3', 'p1']);
  });

  it('shows a message once even when it arrives twice (same sender and cid)', () => {
    const s = new ChatState();
    assert.equal(s.upsert('team', text('c1', 1), true).added, true);
    assert.equal(s.upsert('team', text('c1', 1), true).added, false);
    assert.equal(s.room('team')!.items.length, 1);
    assert.equal(s.room('team')!.unread, 1);
  });

  it('turns a pending message into the acked one in place and never back', () => {
    const s = new ChatState();
    s.upsert('team', text('c1', 1), false);
    s.upsert('team', text('mine', null, { own: true }), false);
    const acked = s.ack('team', 'mine'.padEnd(8, '_'), 2, 1234);
    assert.ok(acked && acked.kind === 'text' && !acked.pending && acked.id === 2 && acked.ts === 1234);
    s.upsert('team', text('mine', null, { own: true }), false);
    const item = s.findItem('team', 'mine'.padEnd(8, '_'));
    assert.equal(item?.id, 2);
  });

  it("counts others' live messages as unread while the view is hidden, and clears them when the room is seen", () => {
    const s = new ChatState();
    s.addRoom('team');
    s.setActive('team');
    s.upsert('team', text('a', 1), true);
    s.upsert('team', text('b', 2), true);
    s.upsert('team', text('own', 3, { own: true }), true);
    s.upsert('team', text('old', 0), false);
    assert.equal(s.totalUnread(), 2);
    s.setVisible(true);
    assert.equal(s.totalUnread(), 0);
    s.upsert('team', text('c', 4), true);
    assert.equal(s.totalUnread(), 0, 'a message in the room being looked at is read');
  });

  it('counts unread per room: the room shown is read, the others are not', () => {
    const s = new ChatState();
    s.setVisible(true);
    s.setActive('team');
    s.addRoom('ops');
    s.upsert('ops', text('x', 1), true);
    s.upsert('team', text('y', 2), true);
    assert.deepEqual(
      s.summaries().map((r) => [r.room, r.unread]),
      [
        ['team', 0],
        ['ops', 1],
      ],
    );
    s.setActive('ops');
    assert.equal(s.totalUnread(), 0);
  });

  it('acks only our own pending message: another sender using the same cid is left alone', () => {
    const s = new ChatState();
    s.upsert('team', text('same', 1, { from: { name: 'Bob', fingerprint: 'BBBB' } }), true);
    s.upsert('team', text('same', null, { own: true, from: { name: 'Me', fingerprint: 'MEME' } }), false);
    const acked = s.ack('team', 'same'.padEnd(8, '_'), 2, 1);
    assert.ok(acked && acked.kind === 'text' && acked.own);
    assert.deepEqual(s.room('team')!.items.map((i) => (i.kind === 'text' ? `${i.from.name}:${i.id}` : '')), ['Bob:1', 'Me:2']);
  });

  it('puts older pages before what is shown, drops repeats, and remembers whether more exist', () => {
    const s = new ChatState();
    s.upsert('team', text('c5', 5), false);
    const fresh = s.prependOlder('team', [text('c3', 3), text('c4', 4), text('c5', 5)], true);
    assert.deepEqual(cids(fresh), ['c3', 'c4']);
    assert.deepEqual(cids(s.room('team')!.items), ['c3', 'c4', 'c5']);
    assert.equal(s.room('team')!.items[0]?.id, 3);
    assert.equal(s.room('team')!.more, true);
  });

  it('builds a snapshot that is a copy: later changes do not alter it', () => {
    const s = new ChatState();
    s.setActive('team');
    s.upsert('team', text('c1', 1), true);
    const snap = s.snapshot();
    s.upsert('team', text('c2', 2), true);
    assert.equal(snap.rooms[0]!.items.length, 1);
    assert.equal(snap.active, 'team');
    assert.equal(s.snapshot().rooms[0]!.items.length, 2);
  });

  it('moves the active room to another one when it is removed', () => {
    const s = new ChatState();
    s.setActive('team');
    s.addRoom('ops');
    s.removeRoom('team');
    assert.equal(s.active, 'ops');
    s.removeRoom('ops');
    assert.equal(s.active, null);
  });
});
