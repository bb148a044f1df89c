// The message list on a DOM (happy-dom, which has no layout: row heights stay at
// the list's estimate and the viewport is given to the list element): the feed
// and its accessible names, direction per message and name, times on focus,
// collapse, the empty room, a bounded DOM for 5,000 messages, the arrow keys, and
// each room's scroll place.

import { strict as assert } from 'node:assert';
import type { ViewItem } from '../../protocol/webview';
import { WINDOW_FROM_ROWS } from '../../webview/elements/message-list';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

const VIEWPORT = 600;
/** The list's height estimate for rows it has not measured (RowHeights' fallback). */
const ROW = 48;

function list(m: Mounted): HTMLElement {
  return m.root.querySelector('[data-testid="message-list"]') as HTMLElement;
}

function articles(m: Mounted): HTMLElement[] {
  return Array.from(m.root.querySelectorAll<HTMLElement>('[data-testid="message"]'));
}

function texts(m: Mounted): string[] {
  return articles(m).map((a) => a.querySelector('[data-testid="message-text"]')?.textContent ?? '');
}

/** Gives the list a viewport, as a laid-out webview would. */
function withViewport(m: Mounted, height = VIEWPORT): void {
  Object.defineProperty(list(m), 'clientHeight', { configurable: true, get: () => height });
}

function many(n: number, first = 1): ViewItem[] {
  // One message a second: all on one day, so the rows are the day separator and the messages.
  return Array.from({ length: n }, (_, i) => textItem(first + i, `message ${first + i}`, { ts: textItem(1, '').ts + (first + i) * 1000 }));
}

function scrollTo(m: Mounted, top: number): void {
  const el = list(m);
  el.scrollTop = top;
  el.dispatchEvent(new m.window.Event('scroll') as unknown as Event);
}

function key(m: Mounted, el: Element, k: string): void {
  el.dispatchEvent(new m.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }) as unknown as Event);
}

describe('message list (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  describe('each message', () => {
    it('is an article of a feed, named "sender, time: text", with its place in the set', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'see you at\nthe standup'), textItem(2, 'and bring coffee')]) });
      assert.equal(list(m).querySelector('[role="feed"]')!.getAttribute('aria-label'), 'Messages');
      const [a, b] = articles(m);
      assert.equal(a!.getAttribute('role'), 'article');
      assert.equal(a!.getAttribute('aria-label'), 'Ann, 09:06: see you at the standup');
      // The second of a run from Ann shows no name, but is still announced with it.
      assert.equal(b!.querySelector('[data-testid="message-sender"]'), null);
      assert.equal(b!.getAttribute('aria-label'), 'Ann, 09:07: and bring coffee');
      assert.deepEqual([a!.getAttribute('aria-posinset'), a!.getAttribute('aria-setsize')], ['1', '2']);
      assert.deepEqual([b!.getAttribute('aria-posinset'), b!.getAttribute('aria-setsize')], ['2', '2']);
      // No title on the message itself: it was what screen readers announced instead of the message.
      assert.equal(a!.getAttribute('title'), null);
    });

    it('says the set size is unknown while older messages exist', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'x')], true) });
      assert.equal(articles(m)[0]!.getAttribute('aria-setsize'), '-1');
    });

    it('labels the key mark "verified" and keeps the fingerprint in its tooltip only', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'x')]) });
      const mark = m.root.querySelector('[data-testid="message-key"]')!;
      assert.equal(mark.getAttribute('aria-label'), 'verified');
      assert.match(mark.getAttribute('title') ?? '', /LYOC IQ4N/);
      assert.ok(!(articles(m)[0]!.getAttribute('aria-label') ?? '').includes('LYOC'));
    });

    it('lets the body and the name take their direction from their text (dir=auto), for Arabic and Hebrew beside English', () => {
      m.deliver({
        type: 'snapshot',
        snapshot: snapshotWith([
          textItem(1, 'مرحبا بالجميع، the build is green', { from: { name: 'سارة', fingerprint: 'F1' } }),
          textItem(2, 'שלום, see PR 12', { from: { name: 'דנה', fingerprint: 'F2' } }),
        ]),
      });
      for (const a of articles(m)) {
        assert.equal(a.querySelector('[data-testid="message-text"]')!.getAttribute('dir'), 'auto');
        assert.equal(a.querySelector('[data-testid="message-sender"]')!.getAttribute('dir'), 'auto');
      }
      assert.equal(articles(m)[0]!.getAttribute('aria-label'), 'سارة, 09:06: مرحبا بالجميع، the build is green');
    });

    it('gives a message inside a run its own time, shown on hover and on focus, and a line above it', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'one'), textItem(2, 'two')]) });
      const [first, second] = articles(m);
      assert.ok(first!.classList.contains('first'));
      assert.ok(!second!.classList.contains('first'), 'the separation line is drawn for .message:not(.first)');
      const stamp = second!.querySelector('time.stamp')!;
      assert.equal(stamp.textContent, '09:07');
      assert.ok(stamp.getAttribute('title'), 'the full date is on the time');
      // The style sheet shows the stamp for :hover and :focus-within, and the articles are focusable.
      assert.equal(second!.getAttribute('tabindex') !== null, true);
    });
  });

  it('says "No messages yet" in an empty room, and not once a message came or while older ones exist', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const empty = m.root.querySelector('[data-testid="empty-room"]') as HTMLElement;
    assert.equal(empty.hidden, false);
    assert.equal(empty.textContent, 'No messages yet');
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(1, 'first!')] });
    assert.equal(empty.hidden, true);
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([], true) });
    assert.equal(empty.hidden, true);
  });

  it('collapses a message of more than ~30 lines behind "Show more", and "Show less" folds it again', () => {
    const long = Array.from({ length: 45 }, (_, i) => `line ${i + 1}`).join('\n');
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, long), textItem(2, 'short')]) });
    const [big, small] = articles(m);
    assert.equal(small!.querySelector('[data-testid="show-more"]'), null);
    const body = (): Element => articles(m)[0]!.querySelector('[data-testid="message-text"]')!;
    const button = (): HTMLElement => articles(m)[0]!.querySelector('[data-testid="show-more"]') as HTMLElement;
    assert.ok(big!.querySelector('[data-testid="message-text"]')!.classList.contains('collapsed'));
    // Markdown keeps each line break as a <br>: the whole text is there, only clipped.
    assert.equal(body().textContent, long.replace(/\n/g, ''), 'the whole text is there, only clipped');
    assert.equal(body().querySelectorAll('br').length, 44);
    assert.deepEqual([button().textContent, button().getAttribute('aria-expanded')], ['Show more', 'false']);
    button().click();
    assert.ok(!body().classList.contains('collapsed'));
    assert.deepEqual([button().textContent, button().getAttribute('aria-expanded')], ['Show less', 'true']);
    button().click();
    assert.ok(body().classList.contains('collapsed'));
    // Redraws (a new message) keep what the reader chose.
    button().click();
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(3, 'later')] });
    assert.ok(!body().classList.contains('collapsed'));
  });

  it('announces a message from someone else in a polite status line, not its own', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'hi')]) });
    const announcer = m.root.querySelector('[data-testid="announcer"]')!;
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(2, 'build is green', { from: { name: 'Bob', fingerprint: 'B' } })] });
    assert.equal(announcer.textContent, 'Bob, 09:07: build is green');
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(3, 'thanks', { own: true, from: { name: 'Me', fingerprint: 'M' } })] });
    assert.equal(announcer.textContent, 'Bob, 09:07: build is green');
  });

  describe('a bounded DOM', () => {
    it('draws a room of 5,000 messages as a few dozen elements, at the bottom first, and follows the scroll', () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(5000)) });
      const bound = Math.ceil((VIEWPORT + 2 * 600) / ROW) + 2;
      assert.ok(articles(m).length <= bound, `${articles(m).length} messages drawn (at most ${bound})`);
      assert.ok(articles(m).length >= VIEWPORT / ROW, 'the viewport is filled');
      assert.equal(texts(m).at(-1), 'message 5000', 'the newest message is drawn');
      const total = 5001 * ROW;
      assert.equal(list(m).scrollTop, total - VIEWPORT);
      assert.ok(list(m).querySelectorAll('*').length < 20 * bound, `${list(m).querySelectorAll('*').length} elements in the list`);

      scrollTo(m, 0);
      assert.equal(texts(m)[0], 'message 1');
      assert.ok(articles(m).length <= bound);
      scrollTo(m, 2500 * ROW);
      const shown = texts(m);
      assert.ok(articles(m).length <= bound);
      assert.ok(shown.includes('message 2500'), 'the rows in the middle are drawn');
      // The spacers stand in for the rows not drawn: the content keeps its full height.
      const spacers = Array.from(list(m).querySelectorAll<HTMLElement>('.spacer')).map((s) => Number.parseFloat(s.style.height));
      const drawnRows = list(m).querySelector('[role="feed"]')!.children.length;
      assert.equal(spacers[0]! + drawnRows * ROW + spacers[1]!, total);
    });

    it(`draws a room of up to ${WINDOW_FROM_ROWS} rows whole (find in page sees every message)`, () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(WINDOW_FROM_ROWS - 1)) });
      assert.equal(articles(m).length, WINDOW_FROM_ROWS - 1);
    });

    it('keeps the message in view where it was when an older page is put on top', () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(1000, 201), true) });
      scrollTo(m, 400 * ROW + 10);
      const before = texts(m);
      m.deliver({ type: 'older', room: 'team', items: many(200, 1), more: false });
      assert.equal(list(m).scrollTop, 600 * ROW + 10, 'moved down by exactly the new rows');
      assert.ok(texts(m).includes(before[Math.floor(before.length / 2)]!));
    });
  });

  it('keeps the row at the top of the view in place when measured heights differ from the estimate (images, fonts, Show more)', () => {
    withViewport(m);
    m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(1000)) });
    scrollTo(m, 500 * ROW + 20);
    assert.ok(texts(m).includes('message 500'));
    // happy-dom has no layout: from here on every message measures 100 px, as if its image had loaded.
    const proto = m.window.HTMLElement.prototype as unknown as { getBoundingClientRect(this: Element): unknown };
    const original = proto.getBoundingClientRect;
    proto.getBoundingClientRect = function (this: Element) {
      const rect = original.call(this) as { height: number };
      return this.getAttribute('role') === 'article' ? { ...rect, height: 100 } : rect;
    };
    try {
      list(m).dispatchEvent(new m.window.Event('load') as unknown as Event);
      // Every row is now 100 px (measured, or estimated from the measured ones): message 500 is row 500,
      // and the view's top is still 20 px into it.
      assert.equal(list(m).scrollTop, 500 * 100 + 20);
      assert.ok(texts(m).includes('message 500'));
    } finally {
      proto.getBoundingClientRect = original;
    }
  });

  it('keeps the oldest message where it was when an older page of the same day goes in under its day separator', () => {
    withViewport(m);
    m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(40, 51), true) });
    scrollTo(m, 0);
    assert.equal(texts(m)[0], 'message 51');
    m.deliver({ type: 'older', room: 'team', items: many(50, 1), more: false });
    // Same day: the separator stays the first row and the 50 older messages go in below it.
    assert.equal(list(m).scrollTop, 50 * ROW, 'message 51 is still at the top of the view');
  });

  describe('keyboard', () => {
    it('moves focus message by message with the arrows, Home, End, PageUp and PageDown, with one tab stop', () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(40)) });
      const tabStops = (): string[] => articles(m).filter((a) => a.getAttribute('tabindex') === '0').map((a) => a.getAttribute('aria-label') ?? '');
      assert.equal(tabStops().length, 1);
      assert.match(tabStops()[0]!, /message 40$/, 'the newest message is the tab stop');
      const focused = (): string => (m.document.activeElement as HTMLElement | null)?.querySelector('[data-testid="message-text"]')?.textContent ?? '';
      const last = articles(m).at(-1)!;
      last.focus();
      key(m, last, 'ArrowUp');
      assert.equal(focused(), 'message 39');
      key(m, m.document.activeElement!, 'ArrowDown');
      assert.equal(focused(), 'message 40');
      key(m, m.document.activeElement!, 'ArrowDown');
      assert.equal(focused(), 'message 40', 'stays on the newest');
      key(m, m.document.activeElement!, 'Home');
      assert.equal(focused(), 'message 1');
      key(m, m.document.activeElement!, 'PageDown');
      const page = Math.floor(VIEWPORT / ROW) - 1;
      assert.equal(focused(), `message ${1 + page}`);
      key(m, m.document.activeElement!, 'PageUp');
      assert.equal(focused(), 'message 1');
      key(m, m.document.activeElement!, 'End');
      assert.equal(focused(), 'message 40');
      assert.deepEqual(tabStops().length, 1);
    });

    it('draws and scrolls to a message that was far outside the window (Home in 5,000)', () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(5000)) });
      const last = articles(m).at(-1)!;
      last.focus();
      key(m, last, 'Home');
      const active = m.document.activeElement as HTMLElement;
      assert.equal(active.querySelector('[data-testid="message-text"]')!.textContent, 'message 1');
      assert.ok(list(m).scrollTop <= ROW * 2, `scrolled to the top (${list(m).scrollTop})`);
    });

    it('asks for older messages on ArrowUp at the oldest loaded one', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(3), true) });
      const first = articles(m)[0]!;
      first.focus();
      key(m, first, 'ArrowUp');
      assert.equal(m.posted.filter((p) => p.type === 'loadOlder').length, 1);
    });
  });

  describe('scroll places', () => {
    it('returns to where each room was read, and a room never opened starts at the bottom', () => {
      withViewport(m);
      const snap = snapshotWith(many(1000));
      snap.rooms.push({ room: 'ops', online: 1, unread: 0, more: false, items: many(500, 5001) });
      m.deliver({ type: 'snapshot', snapshot: snap });
      scrollTo(m, 300 * ROW + 17);
      const readingTeam = texts(m);
      m.deliver({ type: 'rooms', rooms: snap.rooms.map(({ items: _items, ...r }) => r), active: 'ops' });
      assert.equal(texts(m).at(-1), 'message 5500', 'ops opens at its newest message');
      assert.equal(list(m).scrollTop, 501 * ROW - VIEWPORT);
      scrollTo(m, 100 * ROW);
      m.deliver({ type: 'rooms', rooms: snap.rooms.map(({ items: _items, ...r }) => r), active: 'team' });
      assert.equal(list(m).scrollTop, 300 * ROW + 17);
      assert.deepEqual(texts(m), readingTeam);
      m.deliver({ type: 'rooms', rooms: snap.rooms.map(({ items: _items, ...r }) => r), active: 'ops' });
      assert.equal(list(m).scrollTop, 100 * ROW);
    });

    it('follows new messages at the bottom, and stays put when reading further up', () => {
      withViewport(m);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith(many(1000)) });
      m.deliver({ type: 'upsert', room: 'team', items: many(1, 1001) });
      assert.equal(texts(m).at(-1), 'message 1001');
      assert.equal(list(m).scrollTop, 1002 * ROW - VIEWPORT);
      scrollTo(m, 100 * ROW);
      m.deliver({ type: 'upsert', room: 'team', items: many(1, 1002) });
      assert.equal(list(m).scrollTop, 100 * ROW);
      // Except for one's own message: sending shows it.
      m.deliver({ type: 'upsert', room: 'team', items: [textItem(1003, 'mine', { own: true, ts: textItem(1, '').ts + 1003 * 1000 })] });
      assert.equal(texts(m).at(-1), 'mine');
    });
  });
});
