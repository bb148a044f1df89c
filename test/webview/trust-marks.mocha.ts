// The sender's key mark in the view on happy-dom: "looks like Ada" and "changed key" are never a verified mark.

import { strict as assert } from 'node:assert';
import { escapeName } from '../../client/names';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

describe('webview: why a sender is not verified', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('shows "looks like Ada" for a look-alike, "changed key" for a new key, a check only for a verified sender', () => {
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([
        textItem(1, 'real', { from: { name: 'Ada', fingerprint: 'AAAA' } }),
        textItem(2, 'fake', { verified: false, why: 'looks like Ada', from: { name: '\u0410da', fingerprint: 'EVEE' } }),
        textItem(3, 'new', { verified: false, why: 'changed key', from: { name: 'Ada', fingerprint: 'NEWK' } }),
        textItem(4, 'old host', { verified: false, from: { name: 'Bob', fingerprint: 'BOBB' } }),
      ]),
    });
    const marks = Array.from(m.root.querySelectorAll('[data-testid="message"]')).map((el) => el.querySelector('[data-testid="message-key"]'));
    assert.equal(marks.length, 4);
    assert.equal(marks[0]?.getAttribute('data-verified'), 'true');
    assert.equal(marks[1]?.getAttribute('data-verified'), 'false');
    assert.equal(marks[1]?.textContent?.trim(), 'looks like Ada');
    assert.ok(marks[1]?.classList.contains('changed') && !marks[1]?.classList.contains('verified'));
    assert.match(marks[1]?.getAttribute('title') ?? '', /Not verified: looks like Ada\. This key: EVEE/);
    assert.equal(marks[2]?.textContent?.trim(), 'changed key');
    assert.match(marks[2]?.getAttribute('title') ?? '', /Ada wrote from another key before\. This key: NEWK/);
    // An item without a reason (an older host) still says "changed key".
    assert.equal(marks[3]?.textContent?.trim(), 'changed key');
    // The accessible name says it too.
    const label = m.root.querySelectorAll('[data-testid="message"]')[1]?.getAttribute('aria-label') ?? '';
    if (label !== '') assert.match(label, /looks like Ada/);
  });

  it('shows an invisible-character name escaped and unverified', () => {
    const name = escapeName('Ada\u200B');
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([textItem(1, 'hidden', { verified: false, why: 'invisible characters in name', from: { name, fingerprint: 'ZZZZ' } })]),
    });
    const message = m.root.querySelector('[data-testid="message"]');
    assert.equal(message?.querySelector('[data-testid="message-sender"]')?.textContent, 'Ada\\u{200B}');
    assert.equal(message?.querySelector('[data-testid="message-key"]')?.getAttribute('data-verified'), 'false');
    assert.equal(message?.querySelector('[data-testid="message-key"]')?.textContent?.trim(), 'invisible characters in name');
  });

  it('shows the verified shield for a compared key (labelled), the plain check for first sight, and swaps them when the host upserts', () => {
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([
        textItem(1, 'compared', { compared: true, from: { name: 'Ada', fingerprint: 'AAAA' } }),
        textItem(2, 'first sight', { from: { name: 'Bob', fingerprint: 'BBBB' } }),
        textItem(3, 'changed', { verified: false, why: 'changed key', from: { name: 'Bob', fingerprint: 'NEWK' } }),
      ]),
    });
    const key = (i: number): Element | null | undefined => m.root.querySelectorAll('[data-testid="message"]')[i]?.querySelector('[data-testid="message-key"]');
    assert.equal(key(0)?.getAttribute('data-compared'), 'true');
    assert.equal(key(0)?.getAttribute('aria-label'), 'fingerprint verified');
    assert.ok(key(0)?.querySelector('.codicon-workspace-trusted'));
    assert.equal(key(1)?.getAttribute('data-compared'), null);
    assert.equal(key(1)?.getAttribute('aria-label'), 'verified');
    assert.ok(key(1)?.querySelector('.codicon-pass'));
    // The context menu (Verify Fingerprint... / Trust New Key...) names the key and whether it changed.
    const context = (i: number): unknown => JSON.parse(key(i)?.getAttribute('data-vscode-context') ?? 'null');
    assert.deepEqual(context(1), { webviewSection: 'sender', fingerprint: 'BBBB', name: 'Bob', senderStanding: 'pinned', preventDefaultContextMenuItems: true });
    assert.deepEqual(context(2), { webviewSection: 'sender', fingerprint: 'NEWK', name: 'Bob', senderStanding: 'changed', preventDefaultContextMenuItems: true });
    // The message's accessible name says it too.
    const label = m.root.querySelectorAll('[data-testid="message"]')[0]?.getAttribute('aria-label') ?? '';
    if (label !== '') assert.match(label, /fingerprint verified/);

    // "They match" on Bob: the host upserts his item with the mark; Trust New Key on Ada clears hers.
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(2, 'first sight', { compared: true, from: { name: 'Bob', fingerprint: 'BBBB' } })] });
    m.deliver({ type: 'upsert', room: 'team', items: [textItem(1, 'compared', { from: { name: 'Ada', fingerprint: 'AAAA' } })] });
    assert.equal(key(1)?.getAttribute('data-compared'), 'true');
    assert.equal(key(0)?.getAttribute('data-compared'), null);
  });

  it('puts no sender context menu on your own messages', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'mine', { own: true })]) });
    assert.equal(m.root.querySelector('[data-testid="message-key"]')?.getAttribute('data-vscode-context'), null);
  });
});
