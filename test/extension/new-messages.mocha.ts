// Where the host puts the "New messages" line: the first message that was unread
// when the room was opened (or the view shown), kept until another room is opened.

import { strict as assert } from 'node:assert';
import { ChatState } from '../../extension/state/chat-state';
import type { ViewTextItem } from '../../protocol/webview';

function text(id: number, opts: Partial<ViewTextItem> = {}): ViewTextItem {
  return {
    kind: 'text',
    id,
    cid: `cid-${String(id).padStart(6, '0')}`,
    ts: 1_700_000_000_000 + id * 1000,
    from: { name: 'Ann', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF' },
    own: false,
    verified: true,
    pending: false,
    text: `message ${id}`,
    ...opts,
  };
}

const newFrom = (s: ChatState, room: string): number | undefined => s.summaries().find((r) => r.room === room)?.newFrom;

describe('extension: the "New messages" line', () => {
  it('marks the first unread of a room when it is opened, in the summaries and the snapshot', () => {
    const s = new ChatState();
    s.setVisible(true);
    s.setActive('team');
    s.upsert('ops', text(1), true);
    s.upsert('ops', text(2), true);
    s.upsert('ops', text(3), true);
    assert.equal(s.room('ops')!.unread, 3);
    assert.equal(newFrom(s, 'ops'), undefined, 'not opened yet: no line, only the count');
    s.setActive('ops');
    assert.equal(s.room('ops')!.unread, 0);
    assert.equal(newFrom(s, 'ops'), 1);
    assert.equal(s.snapshot().rooms.find((r) => r.room === 'ops')!.newFrom, 1);
  });

  it('does not mark messages read as they came, nor the own ones or history pages', () => {
    const s = new ChatState();
    s.setVisible(true);
    s.setActive('team');
    s.upsert('team', text(1), true);
    s.upsert('team', text(2, { own: true }), true);
    s.prependOlder('team', [text(0)], false);
    assert.equal(newFrom(s, 'team'), undefined);
  });

  it('marks what came while the view was hidden once it is shown again', () => {
    const s = new ChatState();
    s.setVisible(true);
    s.setActive('team');
    s.setVisible(false);
    s.upsert('team', text(5), true);
    s.upsert('team', text(6), true);
    assert.equal(newFrom(s, 'team'), undefined);
    s.setVisible(true);
    assert.equal(newFrom(s, 'team'), 5);
  });

  it('drops the line when another room is opened, and marks afresh next time', () => {
    const s = new ChatState();
    s.setVisible(true);
    s.setActive('team');
    s.upsert('ops', text(1), true);
    s.setActive('ops');
    assert.equal(newFrom(s, 'ops'), 1);
    s.setActive('team');
    assert.equal(newFrom(s, 'ops'), undefined);
    s.upsert('ops', text(7), true);
    s.setActive('ops');
    assert.equal(newFrom(s, 'ops'), 7);
  });
});
