// The "New messages" line and the "Jump to latest" button on a happy-dom document
// (no layout: rows keep the list's 48 px estimate; the viewport is given).

import { strict as assert } from 'node:assert';
import type { ViewItem, ViewRoomSummary } from '../../protocol/webview';
import { jumpLabel } from '../../webview/a11y';
import { buildRows } from '../../webview/state';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem, T0 } from './fixtures';

const VIEWPORT = 600;
const ROW = 48;

function list(m: Mounted): HTMLElement {
  return m.root.querySelector('[data-testid="message-list"]') as HTMLElement;
}

function withViewport(m: Mounted): void {
  Object.defineProperty(list(m), 'clientHeight', { configurable: true, get: () => VIEWPORT });
}

function many(n: number, first = 1): ViewItem[] {
  return Array.from({ length: n }, (_, i) => textItem(first + i, `message ${first + i}`, { ts: T0 + (first + i) * 1000 }));
}

function scrollTo(m: Mounted, top: number): void {
  list(m).scrollTop = top;
  list(m).dispatchEvent(new m.window.Event('scroll') as unknown as Event);
}

function jump(m: Mounted): HTMLButtonElement {
  return m.root.querySelector('[data-testid="jump-latest"]') as HTMLButtonElement;
}

function jumpShown(m: Mounted): boolean {
  return !(jump(m).parentElement as HTMLElement).hidden;
}

function line(m: Mounted): HTMLElement | null {
  return m.root.querySelector('[data-testid="new-messages"]');
}

describe('new messages line (rows)', () => {
  it('goes before the first message with an id of at least newFrom, once, and starts a new sender run', () => {
    const rows = buildRows([textItem(1, 'a'), textItem(2, 'b'), textItem(4, 'c')], new Date(T0), 3);
    assert.deepEqual(rows.map((r) => r.kind), ['day', 'message', 'message', 'unread', 'message']);
    const after = rows[4];
    assert.ok(after?.kind === 'message' && after.showSender, 'the first unread shows its sender again');
  });

  it('is absent without newFrom, and when no shown message reaches it', () => {
    assert.equal(buildRows([textItem(1, 'a')], new Date(T0)).some((r) => r.kind === 'unread'), false);
    assert.equal(buildRows([textItem(1, 'a')], new Date(T0), 9).some((r) => r.kind === 'unread'), false);
  });
});

describe('new messages line and jump to latest (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('draws "New messages" as a separator before the first unread when a room with unread is opened, and scrolls to it', () => {
    withViewport(m);
    const snap = snapshotWith(many(10));
    snap.rooms.push({ room: 'ops', online: 1, unread: 0, more: false, items: many(100, 1001) });
    m.deliver({ type: 'snapshot', snapshot: snap });
    assert.equal(line(m), null, 'no line in a room opened without unread');
    const rooms: ViewRoomSummary[] = [
      { room: 'team', online: 2, unread: 0, more: false },
      { room: 'ops', online: 1, unread: 0, more: false, newFrom: 1041 },
    ];
    m.deliver({ type: 'rooms', rooms, active: 'ops' });
    const sep = line(m);
    assert.ok(sep, 'the line is drawn');
    assert.equal(sep.getAttribute('role'), 'separator');
    assert.equal(sep.getAttribute('aria-label'), 'New messages');
    assert.equal((sep.nextElementSibling as HTMLElement).getAttribute('data-id'), '1041');
    // Rows: the day separator, 40 read messages, then the line at the top of the viewport.
    assert.equal(list(m).scrollTop, 41 * ROW);
    assert.equal(jumpShown(m), true, 'scrolled up to the line: the way back is offered');
  });

  it('shows "Jump to latest" only while scrolled up, counts what came below meanwhile, and takes the reader to the newest', () => {
    withViewport(m);
    m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(100)) });
    assert.equal(jumpShown(m), false, 'at the bottom: no button');
    scrollTo(m, 10 * ROW);
    assert.equal(jumpShown(m), true);
    assert.equal(jump(m).getAttribute('aria-label'), 'Jump to latest');
    m.deliver({ type: 'upsert', room: 'team', items: many(2, 101) });
    assert.equal(list(m).scrollTop, 10 * ROW, 'reading further up stays put');
    assert.equal(jump(m).getAttribute('aria-label'), 'Jump to latest, 2 new messages');
    assert.equal(jump(m).querySelector('.jump-count')!.textContent, '2');
    jump(m).click();
    assert.equal(list(m).scrollTop, 103 * ROW - VIEWPORT);
    assert.equal(jumpShown(m), false);
    const newest = m.root.querySelector<HTMLElement>('[data-id="102"]')!;
    assert.equal(m.document.activeElement, newest, 'focus lands on the newest message, not on a hidden button');
    assert.equal(newest.getAttribute('tabindex'), '0');
  });

  it('hides the button again when the reader scrolls back down themselves', () => {
    withViewport(m);
    m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(100)) });
    scrollTo(m, 0);
    assert.equal(jumpShown(m), true);
    scrollTo(m, 101 * ROW - VIEWPORT);
    assert.equal(jumpShown(m), false);
  });

  it('names the button with the count in words', () => {
    assert.equal(jumpLabel(0), 'Jump to latest');
    assert.equal(jumpLabel(1), 'Jump to latest, 1 new message');
    assert.equal(jumpLabel(5), 'Jump to latest, 5 new messages');
  });
});
