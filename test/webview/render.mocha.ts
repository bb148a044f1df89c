// The chat webview on a DOM (happy-dom): message content is always literal text,
// links and images go through the host, the composer's keys, rooms, banner, and
// a reload (hide/show) that gets one snapshot shows exactly what was there.

import { strict as assert } from 'node:assert';
import { ChatState } from '../../extension/state/chat-state';
import type { HostMessage, WebviewMessage } from '../../protocol/webview';
import { mount, type Mounted } from './dom';
import { imageItem, PNG_1x1, snapshotWith, textItem } from './fixtures';

const HOSTILE = [
  '<img src=x onerror="window.hacked=1">',
  '<script>window.hacked = 2</script>',
  '**bold** _it_ [click](javascript:alert(1)) ![i](https://evil.test/x.png)',
  '<a href="javascript:alert(1)">link</a> &lt;b&gt; &amp;',
  '<iframe src="https://evil.test"></iframe><style>body{display:none}</style>',
  '<svg onload=alert(1)><math><mi xlink:href="javascript:alert(1)">x</mi></math>',
];

function messageTexts(m: Mounted): string[] {
  return Array.from(m.root.querySelectorAll('[data-testid="message-text"]')).map((e) => e.textContent ?? '');
}

function messageCids(m: Mounted): string[] {
  return Array.from(m.root.querySelectorAll('[data-testid="message"]')).map((e) => e.getAttribute('data-cid') ?? '');
}

describe('webview rendering (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('says ready once when it loads, and draws nothing from the host before the snapshot', () => {
    assert.deepEqual(m.posted, [{ type: 'ready' }]);
    assert.equal(messageCids(m).length, 0);
  });

  it('shows HTML and script as their literal text, renders Markdown, and creates no element from markup', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith(HOSTILE.map((t, i) => textItem(i + 1, t))) });
    // Markdown renders (the javascript: link stays literal, the image becomes a link); HTML stays text.
    const expected = [...HOSTILE];
    expected[2] = 'bold it [click](javascript:alert(1)) i';
    expected[3] = '<a href="javascript:alert(1)">link</a> <b> &';
    assert.deepEqual(messageTexts(m), expected);
    const list = m.root.querySelector('[data-testid="message-list"]')!;
    assert.equal(list.querySelectorAll('script, img, iframe, style, svg, math, b').length, 0);
    assert.equal(list.querySelectorAll('strong, em').length, 2);
    // Only http(s) URLs become links the host checks: the image (labelled by its alt text) and bare URLs.
    const links = Array.from(list.querySelectorAll('a'));
    assert.deepEqual(links.map((a) => a.getAttribute('data-url')), ['https://evil.test/x.png', 'https://evil.test/']);
    assert.equal(links[0]?.textContent, 'i');
    assert.equal((m.window as unknown as { hacked?: number }).hacked, undefined);
    // Attribute values (the messages' accessible names) are text too: look at the markup outside them.
    assert.ok(!list.innerHTML.replace(/"[^"]*"/g, '""').includes('<script'), 'the markup never reaches the DOM as markup');
  });

  it('also keeps names literal: a sender called <b>x</b> is text', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'hi', { from: { name: '<img src=x onerror=alert(1)>', fingerprint: 'F' } })]) });
    const sender = m.root.querySelector('[data-testid="message-sender"]')!;
    assert.equal(sender.textContent, '<img src=x onerror=alert(1)>');
    assert.equal(sender.children.length, 0);
  });

  it('makes http(s) URLs links that the host opens; other schemes stay text', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'see https://example.com/a?b=1. or javascript:alert(1) or file:///etc/passwd')]) });
    const links = Array.from(m.root.querySelectorAll('[data-testid="message-link"]'));
    assert.deepEqual(links.map((a) => a.getAttribute('data-url')), ['https://example.com/a?b=1']);
    assert.equal(messageTexts(m)[0], 'see https://example.com/a?b=1. or javascript:alert(1) or file:///etc/passwd');
    (links[0] as HTMLElement).click();
    assert.deepEqual(m.posted.at(-1), { type: 'openLink', url: 'https://example.com/a?b=1' });
  });

  it('shows sender, time, day separators, own and pending marks, and the fingerprint on hover', () => {
    const day2 = textItem(3, 'next day', { ts: textItem(1, '').ts + 86_400_000 });
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([
        textItem(1, 'first'),
        textItem(2, 'mine', { own: true, from: { name: 'Me', fingerprint: 'MEME' } }),
        day2,
        textItem(4, 'changed', { ts: day2.ts + 60_000, verified: false, from: { name: 'Ann', fingerprint: 'NEWK EYNE WKEY' } }),
        { ...textItem(5, 'waiting', { own: true, ts: day2.ts + 120_000 }), id: null, pending: true },
      ]),
    });
    assert.equal(m.root.querySelectorAll('[data-testid="day-separator"]').length, 2);
    const messages = Array.from(m.root.querySelectorAll('[data-testid="message"]'));
    assert.equal(messages[0]!.querySelector('[data-testid="message-sender"]')!.textContent, 'Ann');
    assert.equal(messages[0]!.querySelector('[data-testid="message-time"]')!.textContent, '09:06');
    assert.equal(messages[1]!.getAttribute('data-own'), 'true');
    assert.ok(messages[1]!.classList.contains('own'));
    assert.equal(messages[0]!.getAttribute('data-own'), 'false');
    const key = messages[0]!.querySelector('[data-testid="message-key"]')!;
    assert.equal(key.getAttribute('data-verified'), 'true');
    assert.match(key.getAttribute('title') ?? '', /LYOC IQ4N 73YH RUIN RLDH 4RRM/);
    const changed = messages[3]!.querySelector('[data-testid="message-key"]')!;
    assert.equal(changed.getAttribute('data-verified'), 'false');
    assert.match(changed.getAttribute('title') ?? '', /NEWK EYNE WKEY/);
    assert.equal(messages[4]!.getAttribute('data-pending'), 'true');
    assert.equal(messages[4]!.getAttribute('data-id'), '');
  });

  it("shows the sender's signed time beside the server's when the host says they differ, even within a run", () => {
    const first = textItem(1, 'first');
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([first, textItem(2, 'from the past', { ts: first.ts + 60_000, signedAt: first.ts - 3_600_000 })]),
    });
    const messages = Array.from(m.root.querySelectorAll('[data-testid="message"]'));
    assert.equal(messages[0]!.querySelector('[data-testid="signed-time"]'), null);
    const signed = messages[1]!.querySelector('[data-testid="signed-time"]');
    assert.equal(signed?.textContent, '(server 09:07)');
    assert.match(signed?.getAttribute('title') ?? '', /signed time is .* server received it at /);
    // The same sender a minute later would not repeat the sender line; a disagreeing time brings it back.
    // The message time is the sender's signed one; the server's follows it.
    assert.equal(messages[1]!.querySelector('[data-testid="message-time"]')?.textContent, '08:06');
  });

  it('marks a pending message acked in place when the host says so', () => {
    const pending = { ...textItem(9, 'on its way', { own: true }), id: null, pending: true };
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'a'), pending]) });
    m.deliver({ type: 'upsert', room: 'team', items: [{ ...pending, id: 9, pending: false }] });
    const el = m.root.querySelector(`[data-cid="${pending.cid}"]`)!;
    assert.equal(el.getAttribute('data-pending'), 'false');
    assert.equal(el.getAttribute('data-id'), '9');
    assert.equal(m.root.querySelectorAll(`[data-cid="${pending.cid}"]`).length, 1);
  });

  it('shows placeholders as sentences, never content', () => {
    m.deliver({
      type: 'snapshot',
      snapshot: snapshotWith([
        { kind: 'placeholder', id: 1, cid: 'bad-0000001', ts: textItem(1, '').ts, reason: 'undecryptable' },
        { kind: 'placeholder', id: 2, cid: 'bad-0000002', ts: textItem(2, '').ts, reason: 'bad_signature' },
      ]),
    });
    const texts = Array.from(m.root.querySelectorAll('[data-testid="placeholder"]')).map((e) => e.textContent);
    assert.deepEqual(texts, ['This message could not be decrypted.', 'This message was not shown: its signature is invalid.']);
  });

  it('asks the host for image bytes once, shows the image when they arrive, reuses them on a new snapshot, opens and saves naming the sender', async () => {
    const image = imageItem(1);
    const sender = image.from.fingerprint;
    const asks = (): WebviewMessage[] => m.posted.filter((p) => p.type === 'imageBytes');
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([image]) });
    let img = m.root.querySelector('[data-testid="message-image"]') as HTMLImageElement;
    // By reference: no bytes yet, so no picture yet, but its size holds the place.
    assert.equal(img.getAttribute('src'), null);
    assert.equal(img.getAttribute('width'), '1');
    assert.deepEqual(asks(), [{ type: 'imageBytes', room: 'team', sender, cid: image.cid }]);
    // An answer for another sender's same cid is not this image.
    m.deliver({ type: 'imageBytes', room: 'team', sender: 'EEEE FFFF 0000 1111', cid: image.cid, mime: 'image/png', data: PNG_1x1 });
    await Promise.resolve();
    assert.equal(img.getAttribute('src'), null);
    m.deliver({ type: 'imageBytes', room: 'team', sender, cid: image.cid, mime: 'image/png', data: PNG_1x1 });
    await Promise.resolve();
    assert.match(img.getAttribute('src') ?? '', /^blob:/);
    const src = img.getAttribute('src');
    // Hide/show: the host sends the whole snapshot again; the cached bytes draw it at once and nobody asks again.
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(2, 'later'), image]) });
    img = m.root.querySelector('[data-testid="message-image"]') as HTMLImageElement;
    assert.equal(img.getAttribute('src'), src);
    assert.equal(asks().length, 1);
    assert.deepEqual(JSON.parse(img.getAttribute('data-vscode-context') ?? '{}'), {
      webviewSection: 'image',
      cid: image.cid,
      sender,
      preventDefaultContextMenuItems: true,
    });
    img.click();
    assert.deepEqual(m.posted.at(-1), { type: 'openImage', room: 'team', sender, cid: image.cid });
    (m.root.querySelector('[data-testid="save-image"]') as HTMLElement).click();
    assert.deepEqual(m.posted.at(-1), { type: 'saveImage', room: 'team', sender, cid: image.cid });
  });

  it('sends with Enter, breaks the line with Shift+Enter, and never sends blank text', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const box = m.root.querySelector('[data-testid="composer"]') as HTMLElement & { value: string };
    const key = (init: { key: string; shiftKey?: boolean }): boolean =>
      box.dispatchEvent(new m.window.KeyboardEvent('keydown', { ...init, bubbles: true, cancelable: true }) as unknown as Event);
    box.value = 'line one';
    assert.equal(key({ key: 'Enter', shiftKey: true }), true, 'Shift+Enter is left to the textarea');
    assert.equal(m.posted.filter((p) => p.type === 'send').length, 0);
    box.value = '   ';
    key({ key: 'Enter' });
    assert.equal(m.posted.filter((p) => p.type === 'send').length, 0);
    box.value = 'hello\nthere';
    assert.equal(key({ key: 'Enter' }), false, 'Enter does not insert a newline');
    assert.deepEqual(m.posted.at(-1), { type: 'send', room: 'team', text: 'hello\nthere' });
    assert.equal(box.value, '');
  });

  it('keeps a text over 64 KiB of UTF-8 in the box and says why it was not sent', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const box = m.root.querySelector('[data-testid="composer"]') as HTMLElement & { value: string };
    const long = 'é'.repeat(40_000); // 40 000 characters, 80 000 bytes
    box.value = long;
    box.dispatchEvent(new m.window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }) as unknown as Event);
    assert.equal(m.posted.filter((p) => p.type === 'send').length, 0);
    assert.equal(box.value, long);
    const notice = m.root.querySelector('[data-testid="notice"]') as HTMLElement;
    assert.equal(notice.hidden, false);
    assert.equal(notice.getAttribute('role'), 'alert');
    assert.match(notice.textContent ?? '', /at most 64 KiB/);
    (notice.querySelector('button[aria-label="Dismiss"]') as HTMLElement).click();
    assert.equal(notice.hidden, true);
  });

  it('hands pasted and dropped image files to the host as bytes, and ignores other files', async () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const file = (name: string, type: string): unknown => new m.window.File([bytes], name, { type });
    const fire = (target: Element, type: string, field: 'clipboardData' | 'dataTransfer', files: unknown[]): boolean => {
      const event = new m.window.Event(type, { bubbles: true, cancelable: true }) as unknown as Event;
      Object.defineProperty(event, field, { value: { files, types: ['Files'] } });
      return target.dispatchEvent(event);
    };
    const box = m.root.querySelector('[data-testid="composer"]')!;
    assert.equal(fire(box, 'paste', 'clipboardData', [file('notes.txt', 'text/plain')]), true, 'a text paste is left alone');
    assert.equal(fire(box, 'paste', 'clipboardData', [file('shot.png', 'image/png')]), false);
    const list = m.root.querySelector('[data-testid="message-list"]')!;
    assert.equal(fire(list, 'drop', 'dataTransfer', [file('photo.jpg', 'image/jpeg')]), false);
    for (let i = 0; i < 50 && m.posted.filter((p) => p.type === 'pasteImage').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const pasted = m.posted.filter((p) => p.type === 'pasteImage');
    assert.deepEqual(
      pasted.map((p) => p.type === 'pasteImage' && [p.room, p.name, [...p.data]]),
      [
        ['team', 'shot.png', [...bytes]],
        ['team', 'photo.jpg', [...bytes]],
      ],
    );
  });

  it('lists rooms with unread counters, switches through the host, and shows who is online', () => {
    const snap = snapshotWith([textItem(1, 'x')]);
    snap.rooms.push({ room: 'ops', online: 1, unread: 3, more: false, items: [] });
    m.deliver({ type: 'snapshot', snapshot: snap });
    const tabs = Array.from(m.root.querySelectorAll('[data-testid="room-tab"]'));
    assert.deepEqual(tabs.map((t) => t.getAttribute('data-room')), ['team', 'ops']);
    assert.equal(tabs[0]!.getAttribute('aria-selected'), 'true');
    assert.equal(tabs[1]!.querySelector('[data-testid="room-unread"]')!.textContent, '3');
    assert.equal(tabs[0]!.querySelector('[data-testid="room-unread"]'), null);
    assert.equal(m.root.querySelector('[data-testid="online"]')!.getAttribute('data-count'), '2');
    (tabs[1] as HTMLElement).click();
    assert.deepEqual(m.posted.at(-1), { type: 'selectRoom', room: 'ops' });
  });

  it('shows who is online only while joined: not after Disconnect, not while reconnecting', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'x')]) });
    const online = m.root.querySelector('[data-testid="online"]') as HTMLElement;
    assert.equal(online.hidden, false);
    m.deliver({ type: 'connection', connection: { state: 'closed' }, me: null });
    assert.equal(online.hidden, true);
    // A room list arriving meanwhile does not bring it back.
    m.deliver({ type: 'rooms', rooms: [{ room: 'team', online: 2, unread: 0, more: false }], active: 'team' });
    assert.equal(online.hidden, true);
    m.deliver({ type: 'connection', connection: { state: 'reconnecting', detail: 'The server closed the connection.' }, me: null });
    assert.equal(online.hidden, true);
    m.deliver({ type: 'connection', connection: { state: 'joined' }, me: null });
    assert.equal(online.hidden, false);
  });

  it('shows the banner while not joined and hides it when joined', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const banner = m.root.querySelector('[data-testid="banner"]') as HTMLElement;
    assert.equal(banner.hidden, true);
    m.deliver({ type: 'connection', connection: { state: 'reconnecting', detail: 'The server closed the connection.' }, me: null });
    assert.equal(banner.hidden, false);
    assert.equal(banner.getAttribute('data-state'), 'reconnecting');
    assert.match(banner.textContent ?? '', /Reconnecting/);
    assert.equal(m.root.querySelector('[data-testid="message-list"] [role="feed"]')!.getAttribute('aria-label'), 'Messages');
    assert.equal(m.root.querySelector('[data-testid="announcer"]')!.getAttribute('aria-live'), 'polite');
  });

  it('asks for older messages once at a time and puts them on top', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(51, 'newest')], true) });
    const older = m.root.querySelector('[data-testid="load-older"]') as HTMLElement;
    assert.equal(older.hidden, false);
    older.click();
    older.click();
    assert.equal(m.posted.filter((p) => p.type === 'loadOlder').length, 1);
    m.deliver({ type: 'older', room: 'team', items: [textItem(49, 'older 49'), textItem(50, 'older 50')], more: false });
    assert.deepEqual(messageTexts(m), ['older 49', 'older 50', 'newest']);
    assert.equal(older.hidden, true);
  });

  it('after hide and show (a reload that gets one snapshot) shows exactly what it showed before', async () => {
    // The host model produces both the live updates and the snapshot, as the extension does.
    const host = new ChatState();
    const send = (msg: HostMessage): void => m.deliver(msg);
    send({ type: 'snapshot', snapshot: host.snapshot() });
    host.setActive('team');
    host.addRoom('ops');
    send({ type: 'rooms', rooms: host.summaries(), active: host.active });
    const page = [textItem(1, 'one'), textItem(2, '<b>two</b>'), imageItem(3)];
    host.prependOlder('team', page, true);
    send({ type: 'older', room: 'team', items: page, more: true });
    for (const item of [textItem(4, 'four'), { ...textItem(5, 'pending', { own: true }), id: null, pending: true }]) {
      host.upsert('team', item, true);
      send({ type: 'upsert', room: 'team', items: [item] });
    }
    host.upsert('ops', textItem(6, 'in ops'), true);
    send({ type: 'upsert', room: 'ops', items: [textItem(6, 'in ops')] });
    send({ type: 'rooms', rooms: host.summaries(), active: host.active });
    const before = { cids: messageCids(m), texts: messageTexts(m), tabs: m.root.querySelector('[data-testid="rooms"]')!.textContent };
    await m.close();

    m = mount();
    m.deliver({ type: 'snapshot', snapshot: host.snapshot() });
    assert.deepEqual({ cids: messageCids(m), texts: messageTexts(m), tabs: m.root.querySelector('[data-testid="rooms"]')!.textContent }, before);
    assert.equal(m.root.querySelectorAll('[data-testid="message-image"]').length, 1);
    assert.equal(m.root.querySelector('[data-room="ops"] [data-testid="room-unread"]')!.textContent, '1');
  });
});

describe('webview kind renderers (webview/kinds)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('has a renderer for every view item kind, and each draws its kind without HTML from the message', async () => {
    const { RENDERERS, renderBody } = await import('../../webview/kinds/index');
    assert.deepEqual(Object.keys(RENDERERS).sort(), ['code', 'file', 'image', 'line', 'placeholder', 'reply', 'text']);
    const urls: string[] = [];
    const context = {
      doc: m.document,
      imageUrl: (image: { ref: { cid: string } }) => (urls.push(image.ref.cid), `blob:test/${image.ref.cid}`),
      openLink: () => undefined,
      copy: () => undefined,
      highlight: (_lang: string, text: string) => Object.assign(m.document.createElement('code'), { textContent: text }),
      openCode: () => undefined,
    };
    const text = renderBody(textItem(1, HOSTILE[0] ?? ''), context);
    assert.equal(text.textContent, HOSTILE[0]);
    assert.equal(text.querySelector('img'), null);
    const image = renderBody(imageItem(2), context);
    assert.equal(image.querySelector('img')?.getAttribute('src'), `blob:test/${imageItem(2).cid}`);
    assert.deepEqual(urls, [imageItem(2).cid]);
    // A file card: icon, name and size as text (a hostile name stays text), a save button naming the cid; nothing fetched.
    const fileItem = { ...imageItem(4), kind: 'file' as const, cid: 'file-000004', file: { name: HOSTILE[0] ?? '', size: 52_428_800, mime: 'application/pdf' } };
    const { image: _unused, ...fileView } = fileItem;
    void _unused;
    const card = renderBody(fileView, context);
    assert.equal(card.getAttribute('data-testid'), 'file-card');
    assert.equal(card.querySelector('[data-testid="file-name"]')?.textContent, HOSTILE[0]);
    assert.equal(card.querySelector('[data-testid="file-size"]')?.textContent, '50 MB');
    assert.ok(card.querySelector('.codicon-file-pdf'));
    assert.equal(card.querySelector('img, script'), null);
    assert.equal(card.querySelector('[data-testid="save-file"]')?.getAttribute('data-save-file-cid'), 'file-000004');
    assert.deepEqual(urls, [imageItem(2).cid]);
    const placeholder = renderBody({ kind: 'placeholder', id: 3, cid: 'cccccccccc', ts: 3, reason: 'unsupported' }, context);
    assert.equal(placeholder.getAttribute('data-testid'), 'placeholder');
    assert.ok((placeholder.textContent ?? '').length > 0);
 
    // A reply: its text as text nodes, under a quote of the target (sender and preview as the host found them).
    const hostile = HOSTILE[0] ?? '';
    const replyTo = { id: 1, sender: { name: 'Ada', fingerprint: 'ab' }, preview: hostile };
    const reply = renderBody({ ...textItem(4, hostile), kind: 'reply', replyTo }, context);
    const quote = reply.querySelector('[data-testid="reply-quote"]');
    assert.equal(quote?.getAttribute('data-reply-to'), '1');
    assert.equal(quote?.textContent, `Ada: ${hostile}`);
    assert.equal(quote?.tagName, 'BUTTON', 'the quote jumps to the message answered');
    assert.equal(reply.querySelector('[data-testid="message-text"]')?.textContent, hostile);
    assert.equal(reply.querySelector('img, script'), null);
    const unloaded = renderBody({ ...textItem(6, 'ok'), kind: 'reply', replyTo: { id: 2, sender: null, preview: null } }, context);
    assert.equal(unloaded.querySelector('[data-testid="reply-quote"]')?.textContent, 'a message that is not loaded');
    const deleted = renderBody({ kind: 'placeholder', id: 5, cid: 'dddddddddd', ts: 5, reason: 'deleted' }, context);
    assert.equal(deleted.textContent, 'message deleted');
  });
});
