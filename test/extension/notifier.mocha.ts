// The notifier (extension/notifier.ts): the badge counts unread messages only
// while the view is hidden, the status bar follows connection and room, a toast
// comes for someone else's unread message at most once per few seconds and only
// when the setting allows, its text never becomes a link, "Open Chat" opens the
// room, and lost connections are left to the banner.

import { strict as assert } from 'node:assert';
import { Notifier, type NotifierSurfaces } from '../../extension/notifier';
import { ChatState } from '../../extension/state/chat-state';
import { NOTIFY_GAP_MS } from '../../extension/state/notify';
import type { NoticeLevel, ViewItem } from '../../protocol/webview';
import { textItem } from '../webview/fixtures';

interface Fake extends NotifierSurfaces {
  visible: boolean;
  clock: number;
  notifications: 'all' | 'off';
  clickOpen: boolean;
  badge: number[];
  status: string[];
  toasts: string[];
  notices: string[];
}

function fake(): Fake {
  const f: Fake = {
    visible: false,
    clock: 100_000,
    notifications: 'all',
    clickOpen: false,
    badge: [],
    status: [],
    toasts: [],
    notices: [],
    viewVisible: () => f.visible,
    setBadge: (n) => f.badge.push(n),
    setStatus: (c, room, rooms) => f.status.push(`${c.state} ${room ?? '-'} ${rooms.map((r) => `${r.room}:${r.unread}`).join(',')}`),
    toast: async (text) => {
      f.toasts.push(text);
      return f.clickOpen;
    },
    notice: (level: NoticeLevel, text) => f.notices.push(`${level} ${text}`),
    setting: () => f.notifications,
    now: () => f.clock,
  };
  return f;
}

function stateWithUnread(n: number): ChatState {
  const s = new ChatState();
  s.setActive('team');
  s.connection = { state: 'joined', server: 'h:1' };
  for (let i = 1; i <= n; i++) s.upsert('team', textItem(i, `m${i}`), true);
  return s;
}

describe('extension notifier', () => {
  it('shows the unread count on the badge only while the view is hidden, and always in the status bar', () => {
    const f = fake();
    const n = new Notifier(f);
    n.refresh(stateWithUnread(2));
    f.visible = true;
    n.refresh(stateWithUnread(2));
    n.refresh(undefined);
    assert.deepEqual(f.badge, [2, 0, 0]);
    assert.deepEqual(f.status, ['joined team team:2', 'joined team team:2', 'idle - ']);
  });

  it("toasts someone else's unread message while the view is hidden, at most once per gap", async () => {
    const f = fake();
    const n = new Notifier(f);
    const open = (): void => assert.fail('not clicked');
    await n.incoming('team', textItem(1, 'hello there'), true, open);
    f.clock += NOTIFY_GAP_MS - 1;
    await n.incoming('team', textItem(2, 'too soon'), true, open);
    f.clock += 1;
    await n.incoming('team', textItem(3, 'later'), true, open);
    assert.deepEqual(f.toasts, ['Ann in team: hello there', 'Ann in team: later']);
  });

  it('says so in the toast when the sender is not verified (a changed key or a look-alike name)', async () => {
    const f = fake();
    const n = new Notifier(f);
    const item = { ...textItem(1, 'send me the keys'), verified: false, why: 'changed key' };
    await n.incoming('team', item, true, () => undefined);
    f.clock += NOTIFY_GAP_MS;
    const lookalike = { ...textItem(2, 'me again'), from: { name: '\u0410nn', fingerprint: 'EVE' }, verified: false, why: 'looks like Ann' };
    await n.incoming('team', lookalike, true, () => undefined);
    assert.deepEqual(f.toasts, ['Ann (NOT VERIFIED: changed key) in team: send me the keys', '\u0410nn (NOT VERIFIED: looks like Ann) in team: me again']);
  });

  it('offers "Trust New Key..." on a changed-key toast only (never for a look-alike or a verified sender), and runs it when clicked', async () => {
    const f = fake();
    const offered: boolean[] = [];
    const trusted: string[] = [];
    const opened: string[] = [];
    f.toast = async (text, trustAction) => {
      f.toasts.push(text);
      offered.push(trustAction === true);
      return trustAction === true ? 'trust' : false;
    };
    const n = new Notifier(f);
    const trust = (room: string, item: ViewItem): void => void trusted.push(`${room} ${item.kind === 'placeholder' || item.kind === 'line' ? '' : item.from.fingerprint}`);
    await n.incoming('team', { ...textItem(1, 'new laptop'), verified: false, why: 'changed key' }, true, (r) => void opened.push(r), trust);
    f.clock += NOTIFY_GAP_MS;
    await n.incoming('team', { ...textItem(2, 'me'), from: { name: '\u0410nn', fingerprint: 'EVE' }, verified: false, why: 'looks like Ann' }, true, (r) => void opened.push(r), trust);
    f.clock += NOTIFY_GAP_MS;
    await n.incoming('team', textItem(3, 'fine'), true, (r) => void opened.push(r), trust);
    assert.deepEqual(offered, [true, false, false]);
    assert.deepEqual(trusted, [`team ${textItem(1, '').from.fingerprint}`]);
    assert.deepEqual(opened, []);
  });

  it('does not toast a read message, while the view is visible, or when notifications are off', async () => {
    const f = fake();
    const n = new Notifier(f);
    const open = (): void => assert.fail('not clicked');
    await n.incoming('team', textItem(1, 'read'), false, open);
    f.visible = true;
    await n.incoming('team', textItem(2, 'seen'), true, open);
    f.visible = false;
    f.notifications = 'off';
    await n.incoming('team', textItem(3, 'off'), true, open);
    assert.deepEqual(f.toasts, []);
  });

  it("keeps a sender's markdown link plain in the toast, and opens the room on \"Open Chat\"", async () => {
    const f = fake();
    f.clickOpen = true;
    const n = new Notifier(f);
    const opened: string[] = [];
    await n.incoming('ops', textItem(1, 'see [here](command:workbench.action.quit)', { from: { name: 'Eve', fingerprint: 'E' } }), true, (room) => opened.push(room));
    assert.equal(f.toasts.length, 1);
    assert.ok(!f.toasts[0]!.includes(']('), f.toasts[0]);
    assert.deepEqual(opened, ['ops']);
  });

  it('notices client errors except lost connections (the banner shows those)', () => {
    const f = fake();
    const n = new Notifier(f);
    for (const code of ['disconnected', 'unreachable', 'busy', 'timeout', 'closed']) n.clientError(code, `lost: ${code}`);
    n.clientError('too_large', 'The message is too large.');
    assert.deepEqual(f.notices, ['error The message is too large.']);
  });
});
