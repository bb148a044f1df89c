// The room line of a rotation (PROTOCOL.md 12.5) in the webview, on a happy-dom document: a centred note at
// the grant's place with its sentence as text (names never markup), no sender mark, no toolbar, no menu on
// right-click, not in the tab order, and the whole sentence in its accessible name. And the host-to-webview
// validator's view of a 'line' item.

import { strict as assert } from 'node:assert';
import { isViewItem, type ViewLineItem } from '../../protocol/webview';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

function lineItem(n: number, removed: string[], by = 'Ada'): ViewLineItem {
  const { id, cid, ts } = textItem(n, '');
  return { kind: 'line', id, cid, ts, by: { name: by, fingerprint: 'ADAA ADAA ADAA ADAA ADAA ADAA' }, removed };
}

describe('room line (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('draws "Ada removed Carol" between the messages, as a note with no actions, toolbar or menu', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'before'), lineItem(2, ['Carol']), textItem(3, 'after')]) });
    const line = m.root.querySelector<HTMLElement>('[data-testid="room-line"]');
    assert.ok(line, 'the line is drawn');
    assert.equal(line.getAttribute('role'), 'note');
    assert.equal(line.getAttribute('data-id'), '2');
    assert.match(line.textContent ?? '', /^Ada removed Carol/);
    assert.match(line.getAttribute('aria-label') ?? '', /: Ada removed Carol$/, 'a screen reader hears the whole sentence with its time');
    // In its place: after message 1, before message 3.
    const order = Array.from(m.root.querySelectorAll('[data-testid="message"], [data-testid="room-line"]')).map((el) => el.getAttribute('data-id'));
    assert.deepEqual(order, ['1', '2', '3']);
    // Not a message: no sender, key mark, toolbar, menu button or focus stop.
    assert.equal(line.querySelector('[data-testid="message-actions"], [data-testid="message-sender"], [data-testid="message-key"], button'), null);
    assert.notEqual(line.getAttribute('role'), 'article');
    assert.equal(line.hasAttribute('tabindex'), false);
    // Right-click opens no message menu.
    line.querySelector('.room-line-text')!.dispatchEvent(new m.window.MouseEvent('contextmenu', { bubbles: true, cancelable: true }) as unknown as Event);
    assert.equal(m.root.querySelector('[data-testid="message-menu"]'), null);
  });

  it('says "Ada changed the passphrase" when nobody was removed, and several names in order', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([lineItem(1, []), lineItem(2, ['Carol', 'Dan', 'Eve'])]) });
    const texts = Array.from(m.root.querySelectorAll('[data-testid="room-line"] .room-line-text')).map((el) => el.textContent);
    assert.deepEqual(texts, ['Ada changed the passphrase', 'Ada removed Carol, Dan and Eve']);
  });

  it('keeps a hostile name as text, never markup', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([lineItem(1, [hostile], '<b>Mallory</b>')]) });
    const line = m.root.querySelector('[data-testid="room-line"]')!;
    assert.equal(line.querySelector('img, b, script'), null);
    assert.equal(line.querySelector('.room-line-text')?.textContent, `<b>Mallory</b> removed ${hostile}`);
  });
});

describe('host-to-webview validator: line items', () => {
  it('takes a well-formed line item', () => {
    assert.equal(isViewItem(lineItem(1, ['Carol'])), true);
    assert.equal(isViewItem(lineItem(1, [])), true);
  });

  it('refuses a bad one: pending, no signer, names not strings, too many names', () => {
    const good = lineItem(1, ['Carol']);
    assert.equal(isViewItem({ ...good, id: null }), false, 'a line is at a stored grant: never pending');
    const { by: _by, ...noBy } = good;
    assert.equal(isViewItem(noBy), false);
    assert.equal(isViewItem({ ...good, by: { name: 'Ada' } }), false);
    assert.equal(isViewItem({ ...good, removed: 'Carol' }), false);
    assert.equal(isViewItem({ ...good, removed: [42] }), false);
    assert.equal(isViewItem({ ...good, removed: Array.from({ length: 257 }, () => 'x') }), false);
  });
});
