// What the host hands to the webview: display data only (no key bytes), the
// pending/acked mapping of the client's items, notification previews and when
// a toast is shown.

import { strict as assert } from 'node:assert';
import type { RoomItem } from '../../client/chat-client';
import { generateIdentity } from '../../client/keys';
import { NOTIFY_GAP_MS, plainNotificationText, shouldNotify } from '../../extension/state/notify';
import { previewText, toViewItem } from '../../extension/state/view-items';
import { isViewItem } from '../../protocol/webview';

const sender = generateIdentity();
const from = { name: 'Ann', key: sender.publicKey, fingerprint: sender.fingerprint };

describe('extension view items', () => {
  it('gives the view the sender name and fingerprint but never key bytes', () => {
    const item: RoomItem = { kind: 'text', id: 7, ts: 1000, cid: 'abcdefgh', from, verified: true, own: false, sentAt: 990, text: 'hi' };
    const view = toViewItem(item);
    assert.ok(isViewItem(view));
    assert.deepEqual(view, {
      kind: 'text',
      id: 7,
      cid: 'abcdefgh',
      ts: 1000,
      from: { name: 'Ann', fingerprint: sender.fingerprint },
      own: false,
      verified: true,
      pending: false,
      text: 'hi',
    });
    const json = JSON.stringify(view);
    assert.ok(!json.includes('"key"'));
    assert.ok(!json.includes(Buffer.from(sender.publicKey).toString('base64')));
  });

  it("carries the sender's signed time only when it is more than five minutes from the server's", () => {
    const base: RoomItem = { kind: 'text', id: 7, ts: 10_000_000, cid: 'abcdefgh', from, verified: true, own: false, sentAt: 10_000_000 - 5 * 60_000, text: 'hi' };
    assert.equal(toViewItem(base).kind === 'text' && 'signedAt' in toViewItem(base), false);
    const skewed = { ...base, sentAt: base.ts - 5 * 60_000 - 1 };
    const view = toViewItem(skewed);
    assert.ok(view.kind === 'text' && view.signedAt === skewed.sentAt);
  });

  it('maps the client pending id 0 to a pending item, and placeholders to their reason', () => {
    const pending: RoomItem = { kind: 'text', id: 0, ts: 1, cid: 'abcdefgh', from, verified: true, own: true, sentAt: 1, text: 'x' };
    const view = toViewItem(pending, true);
    assert.ok(view.kind === 'text' && view.pending && view.id === null);
    const bad: RoomItem = { kind: 'placeholder', id: 3, ts: 2, cid: 'zzzzzzzz', error: 'bad_signature' };
    assert.deepEqual(toViewItem(bad), { kind: 'placeholder', id: 3, cid: 'zzzzzzzz', ts: 2, reason: 'bad_signature' });
  });

  it('gives the view the file name and a ref (sender fingerprint, cid) for the image bytes, never the bytes', () => {
    const data = new Uint8Array([1, 2, 3]);
    const item: RoomItem = { kind: 'image', id: 4, ts: 1, cid: 'imgimgim', from, verified: false, own: false, sentAt: 1, image: { mime: 'image/jpeg', w: 3, h: 1, data, name: 'a.jpg' } };
    const view = toViewItem(item);
    assert.ok(view.kind === 'image' && view.image.name === 'a.jpg' && view.verified === false);
    assert.deepEqual(view.image, { mime: 'image/jpeg', w: 3, h: 1, name: 'a.jpg', ref: { key: from.fingerprint, cid: 'imgimgim' } });
  });

  it('previews a notification with the first line, cut at 120 characters', () => {
    const base = { id: 1, cid: 'abcdefgh', ts: 1, from: { name: 'A', fingerprint: 'F' }, own: false, verified: true, pending: false };
    assert.equal(previewText({ ...base, kind: 'text', text: 'line one\nline   two' }), 'line one line two');
    assert.equal(previewText({ ...base, kind: 'text', text: 'x'.repeat(300) }).length, 120);
    assert.equal(previewText({ ...base, kind: 'image', image: { mime: 'image/png', w: 1, h: 1, ref: { key: 'F', cid: 'abcdefgh' } } }), 'sent an image');
  });

  it('a sender cannot put a link (or a command link) into a notification', () => {
    // VS Code's parser for links in notification text (src/vs/base/common/linkedText.ts).
    const editorLink = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
    const evil = '[Mallory](command:workbench.action.terminal.new) in team: [update now](https://evil.example/x "Update")';
    assert.equal([...evil.matchAll(editorLink)].length, 2);
    const shown = plainNotificationText(evil);
    assert.equal([...shown.matchAll(editorLink)].length, 0);
    assert.equal(shown.replace(/\u200b/g, ''), evil);
    assert.equal(plainNotificationText('Ann in team: see [1] (later)'), 'Ann in team: see [1] (later)');
  });

  it('notifies only for unread messages while the view is hidden, per the setting, one toast per few seconds', () => {
    const base = { unread: true, viewVisible: false, setting: 'all' as const, now: 100_000, lastToast: 0 };
    assert.equal(shouldNotify(base), true);
    assert.equal(shouldNotify({ ...base, viewVisible: true }), false);
    assert.equal(shouldNotify({ ...base, setting: 'off' }), false);
    assert.equal(shouldNotify({ ...base, unread: false }), false);
    assert.equal(shouldNotify({ ...base, lastToast: base.now - NOTIFY_GAP_MS + 1 }), false);
    assert.equal(shouldNotify({ ...base, lastToast: base.now - NOTIFY_GAP_MS }), true);
  });
});
