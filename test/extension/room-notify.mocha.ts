// Per-room notifications (all / mentions / none): kept per server and room, a
// mention is one by my identity key (not "@name" typed in the text), and the notifier toasts by the room's level while
// the badge keeps counting every unread message.

import { strict as assert } from 'node:assert';
import { Notifier } from '../../extension/notifier';
import { ChatState } from '../../extension/state/chat-state';
import { ROOM_NOTIFY_KEY, roomAllowsToast, roomNotifyPicks, RoomNotifySettings } from '../../extension/state/room-notify';
import { NOTIFY_GAP_MS } from '../../extension/state/notify';
import { imageItem, textItem } from '../webview/fixtures';
import { InMemoryMemento } from './fakes';
import type { ViewMention } from '../../protocol/webview';

/** A mention of the reader, as the host puts it on an item (PROTOCOL.md section 10). */
const ME: ViewMention = { name: 'Me', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF', me: true, pinned: true };

describe('extension: per-room notifications', () => {
  it('keeps a level per server and room, all by default, and forgets rooms set back to all', async () => {
    const memento = new InMemoryMemento();
    const s = new RoomNotifySettings(memento);
    assert.equal(s.get('a:1', 'team'), 'all');
    await s.set('a:1', 'team', 'none');
    await s.set('a:1', 'ops', 'mentions');
    assert.equal(s.get('a:1', 'team'), 'none');
    assert.equal(s.get('b:2', 'team'), 'all', 'another server: its own setting');
    // A new object over the same memento (another window, a restart) reads the same.
    assert.equal(new RoomNotifySettings(memento).get('a:1', 'ops'), 'mentions');
    await s.set('a:1', 'team', 'all');
    assert.deepEqual(Object.keys(memento.get<Record<string, string>>(ROOM_NOTIFY_KEY)!), ['a:1\u0000ops']);
  });

  it('reads a saved value it does not know, or a broken record, as all', async () => {
    const memento = new InMemoryMemento();
    await memento.update(ROOM_NOTIFY_KEY, { 'a:1\u0000team': 'loud' });
    assert.equal(new RoomNotifySettings(memento).get('a:1', 'team'), 'all');
    await memento.update(ROOM_NOTIFY_KEY, ['none']);
    assert.equal(new RoomNotifySettings(memento).get('a:1', 'team'), 'all');
  });

  it('lets all through, none never, and mentions only a message that mentions my key', () => {
    assert.equal(roomAllowsToast('all', imageItem(1)), true);
    assert.equal(roomAllowsToast('none', textItem(1, '@Me urgent', { mentions: [ME] })), false);
    assert.equal(roomAllowsToast('mentions', textItem(1, '@Me urgent', { mentions: [ME] })), true);
    assert.equal(roomAllowsToast('mentions', textItem(2, '@Me typed, not picked')), false, 'a typed name is not a mention');
    assert.equal(roomAllowsToast('mentions', textItem(3, '@Bob', { mentions: [{ ...ME, name: 'Bob', me: false }] })), false);
    assert.equal(roomAllowsToast('mentions', imageItem(4)), false);
  });

  it('marks the current level in the quick pick', () => {
    const picks = roomNotifyPicks('mentions');
    assert.deepEqual(picks.map((p) => p.level), ['all', 'mentions', 'none']);
    assert.deepEqual(picks.map((p) => p.description), ['', 'current', '']);
    assert.match(picks[2]!.detail, /badge still counts/);
  });

  it('toasts by the room level while the badge still counts every unread message', async () => {
    const memento = new InMemoryMemento();
    const levels = new RoomNotifySettings(memento);
    await levels.set('h:1', 'quiet', 'none');
    await levels.set('h:1', 'ops', 'mentions');
    let clock = 100_000;
    const toasts: string[] = [];
    const badge: number[] = [];
    const n = new Notifier({
      viewVisible: () => false,
      setBadge: (count) => badge.push(count),
      setStatus: () => undefined,
      toast: async (text) => {
        toasts.push(text);
        return false;
      },
      notice: () => undefined,
      setting: () => 'all',
      now: () => clock,
      roomAllows: (room, item) => roomAllowsToast(levels.get('h:1', room), item),
    });
    const state = new ChatState();
    state.setActive('team');
    const arrive = async (room: string, id: number, text: string, mentions?: ViewMention[]): Promise<void> => {
      const item = textItem(id, text, mentions ? { mentions } : {});
      const { unread } = state.upsert(room, item, true);
      await n.incoming(room, item, unread, () => undefined);
      clock += NOTIFY_GAP_MS;
    };
    await arrive('quiet', 1, 'hello @Me', [ME]);
    await arrive('ops', 2, 'deploy done');
    await arrive('ops', 3, '@Me can you check?', [ME]);
    await arrive('team', 4, 'lunch?');
    assert.deepEqual(toasts, ['Ann mentioned you in ops: @Me can you check?', 'Ann in team: lunch?']);
    n.refresh(state);
    assert.deepEqual(badge, [4], 'the muted rooms still count on the badge');
  });
});
