// Per-room notifications (all / mentions / none): kept per server and room, a
// mention is "@name" as a word, and the notifier toasts by the room's level while
// the badge keeps counting every unread message.

import { strict as assert } from 'node:assert';
import { Notifier } from '../../extension/notifier';
import { ChatState } from '../../extension/state/chat-state';
import { mentionsName, ROOM_NOTIFY_KEY, roomAllowsToast, roomNotifyPicks, RoomNotifySettings } from '../../extension/state/room-notify';
import { NOTIFY_GAP_MS } from '../../extension/state/notify';
import { imageItem, textItem } from '../webview/fixtures';
import { InMemoryMemento } from './fakes';

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

  it('takes "@Name" as a word of its own, in any case, for a mention', () => {
    assert.equal(mentionsName('@ann can you look?', 'Ann'), true);
    assert.equal(mentionsName('thanks, @Ann!', 'Ann'), true);
    assert.equal(mentionsName('ping @Ann.', 'Ann'), true);
    assert.equal(mentionsName('@Anna can you look?', 'Ann'), false);
    assert.equal(mentionsName('mail me at x@Ann', 'Ann'), false);
    assert.equal(mentionsName('Ann, look', 'Ann'), false);
    assert.equal(mentionsName('hi @Ann.B', 'Ann.B'), true, 'a name with regex characters is matched literally');
    assert.equal(mentionsName('hi @AnnxB', 'Ann.B'), false);
    assert.equal(mentionsName('@ here', ''), false);
  });

  it('lets all through, none never, and mentions only a text that names me', () => {
    assert.equal(roomAllowsToast('all', imageItem(1), 'Ann'), true);
    assert.equal(roomAllowsToast('none', textItem(1, '@Me urgent'), 'Me'), false);
    assert.equal(roomAllowsToast('mentions', textItem(1, '@Me urgent'), 'Me'), true);
    assert.equal(roomAllowsToast('mentions', textItem(2, 'no name here'), 'Me'), false);
    assert.equal(roomAllowsToast('mentions', imageItem(3), 'Me'), false);
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
      roomAllows: (room, item) => roomAllowsToast(levels.get('h:1', room), item, 'Me'),
    });
    const state = new ChatState();
    state.setActive('team');
    const arrive = async (room: string, id: number, text: string): Promise<void> => {
      const item = textItem(id, text);
      const { unread } = state.upsert(room, item, true);
      await n.incoming(room, item, unread, () => undefined);
      clock += NOTIFY_GAP_MS;
    };
    await arrive('quiet', 1, 'hello @Me');
    await arrive('ops', 2, 'deploy done');
    await arrive('ops', 3, '@me can you check?');
    await arrive('team', 4, 'lunch?');
    assert.deepEqual(toasts, ['Ann in ops: @me can you check?', 'Ann in team: lunch?']);
    n.refresh(state);
    assert.deepEqual(badge, [4], 'the muted rooms still count on the badge');
  });
});
