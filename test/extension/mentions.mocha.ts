// Mentions end to end in the extension host against the REAL server (a Bun child process on
// 127.0.0.1 with a real SQLite file): Bob completes Ann from the room's members, sends through the
// view's `send` with a fingerprint, and Ann, whose view is hidden and whose setting is "mentions",
// gets a toast for the mention and none for Bob's other messages; "off" stays silent; a mention
// skips the gap between toasts under "all"; an edit's mentions change the chips but never toast (section 13).
// The VS Code surfaces are the only fakes (the notifier's boundary).

import { strict as assert } from 'node:assert';
import type { NotificationSetting } from '../../extension/config';
import { Notifier } from '../../extension/notifier';
import type { ChatSession } from '../../extension/session';
import { routeWebviewMessage, type RouterActions } from '../../extension/webview-router';
import type { HostMessage, ViewItem } from '../../protocol/webview';
import { until } from '../support/until';
import { sessionsOnRealServer, testSession } from './session-harness';

const makeSession = (server: string, name: string): ChatSession => testSession(server, name).session;

/** Ann's notifier with her view hidden; the toasts it would show. */
function annNotifier(setting: () => NotificationSetting, clock: () => number): { notifier: Notifier; toasts: string[] } {
  const toasts: string[] = [];
  const notifier = new Notifier({
    viewVisible: () => false,
    setBadge: () => undefined,
    setStatus: () => undefined,
    toast: async (text) => {
      toasts.push(text);
      return false;
    },
    notice: () => undefined,
    setting,
    now: clock,
  });
  return { notifier, toasts };
}

/** The router as the view provider wires it, for Bob's session: what it posts back to his view. */
function bobRouter(session: ChatSession, posts: HostMessage[]): RouterActions {
  const unused = async (): Promise<never> => {
    throw new Error('not used here');
  };
  return {
    session: () => ({
      sendText: (room, text, mentions) => session.sendText(room, text, mentions),
      mentionable: (room) => session.mentionable(room),
      loadOlder: (room) => session.loadOlder(room),
      selectRoom: (room) => session.selectRoom(room),
      image: () => undefined,
      typing: () => undefined,
      sendReply: (room, to, text, mentions) => session.sendReply(room, to, text, mentions),
      react: unused,
      edit: (room, id, text, mentions) => session.edit(room, id, text, mentions),
      deleteMessage: unused,
    }),
    post: (m) => posts.push(m),
    notice: (_level, text) => posts.push({ type: 'notice', level: 'error', text }),
    rememberRoom: () => undefined,
    openExternal: unused,
    openImage: () => undefined,
    saveImage: unused,
    sendImageBytes: unused,
    runCommand: unused,
    highlight: unused,
    openCode: unused,
    copyText: unused,
    saveFile: unused,
    sendDroppedUri: unused,
    sendDroppedBytes: unused,
  };
}

describe('mentions in the extension host against the real server', function () {
  this.timeout(30_000);
  const suite = sessionsOnRealServer();
  const open = suite.open;

  it('a mention notifies Ann (view hidden, setting "mentions"); Bob\'s other messages and "off" do not; under "all" it skips the gap', async () => {
    const room = 'mention-notify';
    const ann = makeSession(suite.server.address, 'Ann');
    const bob = makeSession(suite.server.address, 'Bob');
    open.push(ann, bob);
    let setting: NotificationSetting = 'mentions';
    let clock = 1_000_000;
    const { notifier, toasts } = annNotifier(() => setting, () => clock);
    const seen: ViewItem[] = [];
    ann.onEvent((e) => {
      if (e.type !== 'incoming') return;
      seen.push(e.item);
      void notifier.incoming(e.room, e.item, e.unread, () => undefined);
    });
    await ann.connect();
    await bob.connect();
    await ann.join(room, 'pass', { create: true });
    await bob.join(room, 'pass');
    ann.setVisible(false);

    // Bob must have seen Ann before `@` can complete her: members come from verified senders.
    await ann.sendText(room, 'hi Bob');
    const posts: HostMessage[] = [];
    const actions = bobRouter(bob, posts);
    const members = await until('Ann among Bob\'s members', () => {
      const list = bob.mentionable(room);
      return list.length > 0 ? list : undefined;
    });
    await routeWebviewMessage({ type: 'members', room }, actions);
    assert.deepEqual(posts.at(-1), { type: 'members', room, members });
    assert.deepEqual(members.map((m) => m.name), ['Ann']);

    await routeWebviewMessage({ type: 'send', room, text: 'just chatting' }, actions);
    await until('Ann got the plain message', () => seen.length >= 1);
    await routeWebviewMessage({ type: 'send', room, text: '@Ann please review', mentions: [members[0]!.fingerprint] }, actions);
    await until('Ann got the mention', () => seen.length >= 2);
    await until('the toast', () => toasts.length >= 1);
    assert.deepEqual(toasts, ['Bob mentioned you in mention-notify: @Ann please review']);
    const mention = seen[1];
    assert.ok(mention && mention.kind === 'text');
    assert.deepEqual(mention.mentions, [{ name: 'Ann', fingerprint: ann.state.me?.fingerprint, me: true, pinned: true }]);

    // "off": nothing, mention or not.
    setting = 'off';
    await routeWebviewMessage({ type: 'send', room, text: '@Ann again', mentions: [members[0]!.fingerprint] }, actions);
    await until('Ann got the second mention', () => seen.length >= 3);
    // "all": a plain message toasts, and a mention right after it (inside the gap) still does.
    setting = 'all';
    clock += 60_000;
    await routeWebviewMessage({ type: 'send', room, text: 'plain' }, actions);
    await until('plain toast', () => toasts.length >= 2);
    clock += 10;
    await routeWebviewMessage({ type: 'send', room, text: 'and @Ann', mentions: [members[0]!.fingerprint] }, actions);
    await until('mention toast inside the gap', () => toasts.length >= 3);
    await routeWebviewMessage({ type: 'send', room, text: 'plain again' }, actions);
    await until('Ann got all six', () => seen.length >= 6);
    assert.deepEqual(toasts.slice(1), ['Bob in mention-notify: plain', 'Bob mentioned you in mention-notify: and @Ann']);

    // A reply (PROTOCOL.md section 13) carries its mentions too.
    const first = seen[0];
    assert.ok(first && first.kind === 'text' && first.id !== null);
    await routeWebviewMessage({ type: 'reply', room, to: first.id, text: '@Ann yes', mentions: [members[0]!.fingerprint] }, actions);
    await until('Ann got the reply', () => seen.length >= 7);
    const reply = seen[6];
    assert.ok(reply && reply.kind === 'reply', `a reply, got ${reply?.kind}`);
    assert.deepEqual(reply.mentions?.map((m) => m.me), [true]);
  });

  it('refuses a send whose mention is not a member of the room, and sends nothing', async () => {
    const room = 'mention-unknown';
    const bob = makeSession(suite.server.address, 'Bob');
    open.push(bob);
    await bob.connect();
    await bob.join(room, 'pass', { create: true });
    await assert.rejects(bob.sendText(room, '@Nobody', ['AAAA BBBB CCCC DDDD EEEE FFFF']), /not a known member of the room/);
    assert.equal(bob.state.room(room)?.items.length, 0);
  });
  it('an edit changes the chips and the mention-of-me mark but never toasts; a mention shown is kept by its key; [] clears them', async () => {
    const room = 'mention-edit';
    const ann = testSession(suite.server.address, 'Ann');
    const bob = testSession(suite.server.address, 'Bob');
    const cy = makeSession(suite.server.address, 'Cy');
    open.push(ann.session, bob.session, cy);
    const { notifier, toasts } = annNotifier(() => 'mentions', () => 1_000_000);
    const incoming: ViewItem[] = [];
    ann.session.onEvent((e) => {
      if (e.type !== 'incoming') return;
      incoming.push(e.item);
      void notifier.incoming(e.room, e.item, e.unread, () => undefined);
    });
    await ann.session.connect();
    await bob.session.connect();
    await cy.connect();
    await ann.session.join(room, 'pass', { create: true });
    await bob.session.join(room, 'pass');
    await cy.join(room, 'pass');
    ann.session.setVisible(false);
    await ann.session.sendText(room, 'hi');
    await cy.sendText(room, 'hey');
    const members = await until('Ann and Cy among Bob\'s members', () => {
      const list = bob.session.mentionable(room);
      return list.length === 2 ? list : undefined;
    });
    const print = (name: string): string => members.find((m) => m.name === name)!.fingerprint;
    const actions = bobRouter(bob.session, []);
    await routeWebviewMessage({ type: 'send', room, text: 'lunch?' }, actions);
    const shown = await until('Bob\'s message at Ann', () => ann.session.state.room(room)?.items.find((i) => i.kind === 'text' && i.text === 'lunch?' && i.id !== null));
    const id = shown.id!;
    const atAnn = (): ViewItem | undefined => ann.session.state.room(room)?.items.find((i) => i.id === id);
    const mentionsAt = (item: ViewItem | undefined): [string, boolean][] | undefined =>
      item && item.kind === 'text' ? item.mentions?.map((m) => [m.name, m.me]) : undefined;

    await routeWebviewMessage({ type: 'edit', room, id, text: '@Ann @Cy lunch?', mentions: [print('Ann'), print('Cy')] }, actions);
    await until('the edit at Ann', () => (atAnn()?.kind === 'text' && (atAnn() as { text: string }).text === '@Ann @Cy lunch?' ? true : undefined));
    assert.deepEqual(mentionsAt(atAnn()), [['Ann', true], ['Cy', false]]);
    // The view got the changed item (chips, highlight), and the edit was no new message: no toast, no unread.
    const posted = ann.posts.filter((p): p is Extract<HostMessage, { type: 'upsert' }> => p.type === 'upsert').flatMap((p) => p.items).filter((i) => i.id === id);
    assert.deepEqual(mentionsAt(posted.at(-1)), [['Ann', true], ['Cy', false]]);
    const fromBob = incoming.filter((i) => i.kind === 'text' && i.from.name === 'Bob');
    assert.equal(fromBob.length, 1, 'only the message itself came in');
    assert.deepEqual(toasts, []);
    await until('Bob\'s own view follows', () => (mentionsAt(bob.session.state.room(room)?.items.find((i) => i.id === id))?.length === 2 ? true : undefined));

    // Cy deletes her only message, and Bob opens a fresh window: Cy was not seen there, so `@` cannot
    // complete her, yet the mention the message shows is kept by its key; someone unknown is refused.
    const hey = await until('Cy\'s message at Cy', () => cy.state.room(room)?.items.find((i) => i.kind === 'text' && i.text === 'hey' && i.id !== null));
    await cy.deleteMessage(room, hey.id!);
    const again = testSession(suite.server.address, 'Bob', { identity: bob.session.identity });
    open.push(again.session);
    await again.session.connect();
    await again.session.join(room, 'pass');
    await until('the message in the new window', () => again.session.state.room(room)?.items.find((i) => i.id === id && i.kind === 'text' && i.edited));
    assert.deepEqual(again.session.mentionable(room).map((m) => m.name), ['Ann']);
    await assert.rejects(again.session.edit(room, id, '@Zed lunch?', ['AAAA BBBB CCCC DDDD EEEE FFFF']), /not a known member of the room/);
    await again.session.edit(room, id, '@Cy lunch?', [print('Cy')]);
    await until('only Cy left at Ann', () => (mentionsAt(atAnn())?.length === 1 ? true : undefined));
    assert.deepEqual(mentionsAt(atAnn()), [['Cy', false]]);
    await again.session.edit(room, id, 'lunch.', []);
    await until('no mention left at Ann', () => (atAnn()?.kind === 'text' && (atAnn() as { text: string }).text === 'lunch.' ? true : undefined));
    assert.equal(mentionsAt(atAnn()), undefined);
    assert.deepEqual(toasts, []);
  });
});
