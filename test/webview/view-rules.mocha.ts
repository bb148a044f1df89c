// The chat view's rules for a person (issue 16) on happy-dom with the real
// style.css: a 64-character name ellipsizes and the time never wraps (at the
// normal width and at 220 px), names and paragraphs take their direction from
// their own text, error notices go once a room is joined, and after Disconnect
// the history stays readable but nothing can be sent.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViewSnapshot } from '../../protocol/webview';
import { REPO_ROOT } from '../support/server';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

const CSS = readFileSync(join(REPO_ROOT, 'webview', 'style.css'), 'utf8');
const LONG_NAME = 'Bartholomew-Maximilian Featherstonehaugh-Wolfeschlegelsteinhausen'.slice(0, 64);

function withStyles(m: Mounted): void {
  const style = m.document.createElement('style');
  style.textContent = CSS;
  m.document.head.append(style);
}

function style(m: Mounted, selector: string): CSSStyleDeclaration {
  const el = m.root.querySelector(selector);
  assert.ok(el, `${selector} is drawn`);
  return (m.window as unknown as Window).getComputedStyle(el);
}

function closedSnapshot(): ViewSnapshot {
  const snap = snapshotWith([textItem(1, 'kept one'), textItem(2, 'kept two')]);
  snap.rooms.push({ room: 'ops', online: 0, unread: 0, more: false, items: [textItem(3, 'in ops')] });
  snap.connection = { state: 'closed', server: '127.0.0.1:7070' };
  return snap;
}

const texts = (m: Mounted): string[] => Array.from(m.root.querySelectorAll('[data-testid="message-text"]')).map((e) => e.textContent ?? '');

describe('webview rules for a person (happy-dom, real style.css)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
    withStyles(m);
  });
  afterEach(async () => {
    await m.close();
  });

  for (const width of [600, 220]) {
    it(`ellipsizes a 64-character name and never wraps the time, the key mark or "(you)" (${width} px)`, () => {
      m.window.happyDOM.setViewport({ width, height: 800 });
      assert.equal(LONG_NAME.length, 64);
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'hi', { own: true, from: { name: LONG_NAME, fingerprint: 'F' } })]) });
      const sender = style(m, '[data-testid="message-sender"]');
      assert.equal(sender.textOverflow, 'ellipsis');
      assert.equal(sender.whiteSpace, 'nowrap');
      assert.equal(sender.overflow, 'hidden');
      assert.equal(sender.minWidth, '0');
      assert.equal(sender.flexShrink, '1', 'the name is what gives way');
      for (const selector of ['[data-testid="message-time"]', '[data-testid="message-key"]', '.meta .you']) {
        const s = style(m, selector);
        assert.equal(s.whiteSpace, 'nowrap', `${selector} stays on one line`);
        assert.equal(s.flexShrink, '0', `${selector} keeps its width`);
        assert.equal(s.overflowWrap, 'normal', `${selector} is not broken between characters`);
      }
      assert.equal(m.root.querySelector('[data-testid="message-sender"]')?.textContent, LONG_NAME, 'the whole name is in the DOM');
    });
  }

  it('lets a name take its direction from its own text (Arabic, Hebrew)', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'مرحبا', { from: { name: 'سارة', fingerprint: 'F' } })]) });
    assert.equal(style(m, '[data-testid="message-sender"]').unicodeBidi, 'plaintext');
  });

  it('lets each paragraph of a message take its direction and alignment from its own text', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'שלום עולם\nhello world')]) });
    const text = style(m, '[data-testid="message-text"]');
    assert.equal(text.unicodeBidi, 'plaintext');
    assert.equal(text.textAlign, 'start');
  });

  it('clears an error notice once a room is joined, keeps an info notice, and never brings back a dismissed one', () => {
    m.deliver({ type: 'snapshot', snapshot: { ...snapshotWith([]), connection: { state: 'idle' } } });
    const notice = m.root.querySelector('[data-testid="notice"]') as HTMLElement;
    m.deliver({ type: 'notice', level: 'error', text: 'Cannot reach the chat server at 127.0.0.1:1 (ECONNREFUSED).' });
    assert.equal(notice.hidden, false);
    m.deliver({ type: 'connection', connection: { state: 'connecting', server: '127.0.0.1:7070' }, me: null });
    assert.equal(notice.hidden, false, 'still there while connecting');
    m.deliver({ type: 'connection', connection: { state: 'joined', server: '127.0.0.1:7070' }, me: null });
    assert.equal(notice.hidden, true, 'gone once joined');
    assert.equal(m.app.state.notice, null);

    m.deliver({ type: 'notice', level: 'info', text: 'Message App keeps trying.' });
    m.deliver({ type: 'connection', connection: { state: 'joined', server: '127.0.0.1:7070' }, me: null });
    assert.equal(notice.hidden, false, 'an info notice is not an error');
    (notice.querySelector('.notice-close') as HTMLElement).click();
    assert.equal(notice.hidden, true);
    m.deliver({ type: 'connection', connection: { state: 'reconnecting', server: '127.0.0.1:7070' }, me: null });
    assert.equal(notice.hidden, true, 'a redraw does not bring it back');
  });

  it('clears an error notice when a snapshot arrives joined', () => {
    m.deliver({ type: 'snapshot', snapshot: { ...snapshotWith([]), connection: { state: 'idle' } } });
    m.deliver({ type: 'notice', level: 'error', text: 'Cannot reach the chat server.' });
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'hi')]) });
    assert.equal((m.root.querySelector('[data-testid="notice"]') as HTMLElement).hidden, true);
  });

  it('after Disconnect shows the history read-only: composer disabled, banner says disconnected, Connect offered', () => {
    m.deliver({ type: 'snapshot', snapshot: closedSnapshot() });
    assert.deepEqual(texts(m), ['kept one', 'kept two']);
    const box = m.root.querySelector('[data-testid="composer"]') as HTMLElement & { disabled: boolean; placeholder: string };
    assert.equal(box.disabled, true);
    assert.match(box.placeholder, /Disconnected/);
    for (const id of ['send', 'attach']) assert.ok(m.root.querySelector(`[data-testid="${id}"]`)!.hasAttribute('disabled'), `${id} is disabled`);
    const banner = m.root.querySelector('[data-testid="banner"]') as HTMLElement;
    assert.equal(banner.hidden, false);
    assert.match(banner.textContent ?? '', /Disconnected\. The messages below are read-only/);
    assert.equal((m.root.querySelector('[data-testid="connect"]') as HTMLElement).hidden, false);
    assert.equal(m.root.querySelector('[data-testid="app"]')?.getAttribute('data-state'), 'closed');
  });

  it('switches rooms of the kept history without asking the host (there is no session)', () => {
    m.deliver({ type: 'snapshot', snapshot: closedSnapshot() });
    const posted = m.posted.length;
    (m.root.querySelector('[data-room="ops"]') as HTMLElement).click();
    assert.deepEqual(texts(m), ['in ops']);
    assert.equal(m.posted.length, posted, 'nothing was posted');
  });

  it('asks the host to switch rooms while connected', () => {
    const snap = closedSnapshot();
    snap.connection = { state: 'joined', server: '127.0.0.1:7070' };
    m.deliver({ type: 'snapshot', snapshot: snap });
    (m.root.querySelector('[data-room="ops"]') as HTMLElement).click();
    assert.deepEqual(m.posted.at(-1), { type: 'selectRoom', room: 'ops' });
    const box = m.root.querySelector('[data-testid="composer"]') as HTMLElement & { disabled: boolean };
    assert.equal(box.disabled, false);
  });
});
