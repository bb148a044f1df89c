// The webview's state without a DOM: the rows the list shows (day separators,
// times, sender grouping), link splitting, and applying host messages.

import { strict as assert } from 'node:assert';
import { buildRows, dayLabel, splitLinks, ViewState } from '../../webview/state';
import { snapshotWith, textItem, T0 } from './fixtures';

describe('webview state and rendering model', () => {
  it('puts a separator before each new local day, labelled Today, Yesterday or the date', () => {
    const now = new Date(T0 + 86_400_000);
    const rows = buildRows([textItem(1, 'a'), textItem(2, 'b', { ts: T0 + 86_400_000 })], now);
    assert.deepEqual(
      rows.map((r) => (r.kind === 'day' ? `day:${r.label}` : r.kind)),
      ['day:Yesterday', 'message', 'day:Today', 'message'],
    );
    assert.match(dayLabel(new Date(2025, 0, 2), now), /2025/);
  });

  it('shows the sender once for a run of messages within five minutes, again after a gap or another sender', () => {
    const rows = buildRows([
      textItem(1, 'a'),
      textItem(2, 'b'),
      textItem(3, 'c', { from: { name: 'Bob', fingerprint: 'B' } }),
      textItem(20, 'd', { from: { name: 'Bob', fingerprint: 'B' } }),
    ]);
    const shown = rows.flatMap((r) => (r.kind === 'message' ? [r.showSender] : []));
    assert.deepEqual(shown, [true, false, true, true]);
  });

  it('formats times as local HH:MM', () => {
    const rows = buildRows([textItem(1, 'a')]);
    const row = rows.find((r) => r.kind === 'message');
    assert.ok(row?.kind === 'message');
    assert.equal(row.time, '09:06');
  });

  it('splits http(s) links out of text without losing a character, leaving trailing punctuation outside', () => {
    const text = 'a http://x.test/p?q=1, b (https://y.test/z) c ftp://no.test mailto:x@y.test';
    const parts = splitLinks(text);
    assert.equal(parts.map((p) => p.text).join(''), text);
    assert.deepEqual(parts.filter((p) => p.kind === 'link').map((p) => p.text), ['http://x.test/p?q=1', 'https://y.test/z']);
    assert.deepEqual(splitLinks('https://'), [{ kind: 'text', text: 'https://' }]);
  });

  it('merges upserts by cid, keeps pending last, and never turns an acked item back to pending', () => {
    const s = new ViewState();
    s.apply({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'a')]) });
    const pending = { ...textItem(5, 'p', { own: true }), id: null, pending: true };
    s.apply({ type: 'upsert', room: 'team', items: [pending, textItem(2, 'b')] });
    assert.deepEqual(s.activeRoom()!.items.map((i) => i.id), [1, 2, null]);
    s.apply({ type: 'upsert', room: 'team', items: [{ ...pending, id: 3, pending: false }] });
    s.apply({ type: 'upsert', room: 'team', items: [pending] });
    assert.deepEqual(s.activeRoom()!.items.map((i) => i.id), [1, 2, 3]);
  });

  it('keeps the items of rooms across a rooms update and drops rooms that are gone', () => {
    const s = new ViewState();
    s.apply({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'a')]) });
    s.apply({ type: 'rooms', rooms: [{ room: 'team', online: 3, unread: 0, more: false }], active: 'team' });
    assert.equal(s.activeRoom()!.items.length, 1);
    assert.equal(s.activeRoom()!.online, 3);
    s.apply({ type: 'rooms', rooms: [], active: null });
    assert.equal(s.rooms.length, 0);
  });
});
