// The one view model (protocol/view-model.ts) both the host and the webview apply:
// order, merge by (sender key, cid), pending -> acked, older pages; and that the
// host's ChatState and the webview's ViewState end up with the same items.

import { strict as assert } from 'node:assert';
import { ChatState } from '../../extension/state/chat-state';
import { compareItems, itemKey, mergeOlder, upsertItem } from '../../protocol/view-model';
import type { ViewItem, ViewTextItem } from '../../protocol/webview';
import { ViewState } from '../../webview/state';
import { snapshotWith, textItem } from '../webview/fixtures';

const ANN = { name: 'Ann', fingerprint: 'AAAA AAAA AAAA AAAA AAAA AAAA' };
const MALLORY = { name: 'Ann', fingerprint: 'MMMM MMMM MMMM MMMM MMMM MMMM' };

function from(sender: ViewTextItem['from'], n: number, text: string, cid = 'samecid1'): ViewTextItem {
  return textItem(n, text, { cid, from: sender });
}

const texts = (items: readonly ViewItem[]): string[] => items.map((i) => (i.kind === 'text' ? i.text : i.kind));

describe('view model (shared by host and webview)', () => {
  it('puts "message deleted" in the place of the message with its id, and leaves other ids alone', () => {
    const items: ViewItem[] = [];
    upsertItem(items, textItem(1, 'a'));
    upsertItem(items, from(ANN, 2, 'secret', 'secretcid1'));
    upsertItem(items, textItem(3, 'c'));
    assert.equal(upsertItem(items, { kind: 'placeholder', id: 2, cid: 'secretcid1', ts: 2, reason: 'deleted' }), 'added');
    assert.deepEqual(texts(items), ['a', 'placeholder', 'c']);
    assert.ok(!JSON.stringify(items).includes('secret"'));
    // Another placeholder reason (undecryptable) never removes a shown message.
    upsertItem(items, { kind: 'placeholder', id: 3, cid: 'othercid11', ts: 3, reason: 'undecryptable' });
    assert.deepEqual(texts(items), ['a', 'placeholder', 'c', 'placeholder']);
  });

  it('orders acked items by id and keeps pending ones after them in arrival order', () => {
    const items: ViewItem[] = [];
    upsertItem(items, textItem(3, 'c'));
    upsertItem(items, { ...textItem(9, 'p1', { own: true }), id: null, pending: true });
    upsertItem(items, textItem(1, 'a'));
    upsertItem(items, { ...textItem(8, 'p2', { own: true }), id: null, pending: true });
    upsertItem(items, textItem(2, 'b'));
    assert.deepEqual(texts(items), ['a', 'b', 'c', 'p1', 'p2']);
    assert.ok(compareItems(textItem(1, 'x'), { ...textItem(2, 'y'), id: null }) < 0);
  });

  it("never lets one sender's message replace another's with the same cid", () => {
    const items: ViewItem[] = [];
    assert.equal(upsertItem(items, from(ANN, 1, 'from Ann')), 'added');
    assert.equal(upsertItem(items, from(MALLORY, 2, 'from someone else')), 'added');
    assert.deepEqual(texts(items), ['from Ann', 'from someone else']);
    assert.notEqual(itemKey(items[0]!), itemKey(items[1]!));
    // The same sender's copy (for example the acked one) does replace it.
    assert.equal(upsertItem(items, from(ANN, 1, 'from Ann')), 'replaced');
    assert.equal(items.length, 2);
  });

  it('never turns an acked copy back into a pending one', () => {
    const items: ViewItem[] = [textItem(4, 'sent', { own: true })];
    assert.equal(upsertItem(items, { ...textItem(4, 'sent', { own: true }), id: null, pending: true }), 'kept');
    assert.equal(items[0]!.id, 4);
  });

  it('never merges a placeholder with a real message of the same cid', () => {
    const items: ViewItem[] = [textItem(1, 'real', { cid: 'samecid1' })];
    upsertItem(items, { kind: 'placeholder', id: 2, cid: 'samecid1', ts: 0, reason: 'undecryptable' });
    assert.deepEqual(texts(items), ['real', 'placeholder']);
  });

  it('merges an older page by (sender, cid): repeats are dropped, another sender with a known cid is kept', () => {
    const items: ViewItem[] = [from(ANN, 5, 'five', 'cid-five')];
    const fresh = mergeOlder(items, [from(ANN, 3, 'three', 'cid-3333'), from(ANN, 5, 'five', 'cid-five'), from(MALLORY, 4, 'other', 'cid-five')]);
    assert.deepEqual(texts(fresh), ['three', 'other']);
    assert.deepEqual(texts(items), ['three', 'other', 'five']);
  });

  it('gives the host and the webview the same items for the same sequence of changes', () => {
    const host = new ChatState();
    const view = new ViewState();
    view.apply({ type: 'snapshot', snapshot: snapshotWith([]) });
    const pending = { ...from(ANN, 7, 'mine', 'mycid001'), own: true, id: null, pending: true };
    const steps: ViewItem[] = [from(ANN, 2, 'two', 'cid-2222'), pending, from(MALLORY, 3, 'spoof', 'mycid001'), from(ANN, 1, 'one', 'cid-1111')];
    for (const item of steps) {
      host.upsert('team', item, true);
      view.apply({ type: 'upsert', room: 'team', items: [item] });
    }
    const acked = host.ack('team', 'mycid001', 4, 1);
    assert.ok(acked);
    view.apply({ type: 'upsert', room: 'team', items: [acked] });
    const older = [from(ANN, 0, 'zero', 'cid-0000'), from(ANN, 1, 'one', 'cid-1111')];
    host.prependOlder('team', older, false);
    view.apply({ type: 'older', room: 'team', items: older, more: false });
    assert.deepEqual(texts(host.room('team')!.items), ['zero', 'one', 'two', 'spoof', 'mine']);
    assert.deepEqual(view.activeRoom()!.items, host.room('team')!.items);
  });
});
