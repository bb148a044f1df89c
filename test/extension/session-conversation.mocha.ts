// The host's conversation state against the REAL server (a Bun child process on 127.0.0.1 with a real
// SQLite file), through two ChatSessions: view items carry the reply quote, reactions, "(edited)" with
// earlier versions and "message deleted"; typing names reach the view and go when a message comes.
// The typing roster's 6 s expiry is checked on its own with a short expiry.

import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { ChatSession } from '../../extension/session';
import { TypingRoster } from '../../extension/state/typing';
import type { HostMessage, ViewItem, ViewSender } from '../../protocol/webview';
import { until } from '../support/until';
import { sessionsOnRealServer, testSession, type SessionHarness } from './session-harness';

type Harness = SessionHarness;

function itemById(h: Harness, room: string, id: number): ViewItem | undefined {
  return h.session.state.room(room)?.items.find((i) => i.id === id);
}

function textOf(h: Harness, room: string, text: string): ViewItem | undefined {
  return h.session.state.room(room)?.items.find((i) => (i.kind === 'text' || i.kind === 'reply') && i.text === text && i.id !== null);
}

function lastTyping(h: Harness, room: string): string[] | undefined {
  const posts = h.posts.filter((p): p is Extract<HostMessage, { type: 'typing' }> => p.type === 'typing' && p.room === room);
  return posts.at(-1)?.who.map((w) => w.name);
}

describe('extension session: conversation against the real server', function () {
  this.timeout(30_000);
  const suite = sessionsOnRealServer();
  const open = suite.open;

  async function pair(room: string): Promise<{ ada: Harness; bob: Harness }> {
    const ada = testSession(suite.server.address, 'Ada');
    const bob = testSession(suite.server.address, 'Bob');
    open.push(ada.session, bob.session);
    await ada.session.connect();
    await bob.session.connect();
    await ada.session.join(room, 'pass', { create: true });
    await bob.session.join(room, 'pass');
    return { ada, bob };
  }

  it('folds replies, reactions and edits into view items on both sides', async () => {
    const room = 'host-fold';
    const { ada, bob } = await pair(room);
    await ada.session.sendText(room, 'lunch at noon?');
    const question = await until('the question at Bob', () => textOf(bob, room, 'lunch at noon?'));
    const qid = question.id ?? 0;

    // Bob replies: Ada's view item is a reply quoting Ada's message by sender and preview.
    await bob.session.sendReply(room, qid, 'yes');
    const reply = await until('the reply at Ada', () => textOf(ada, room, 'yes'));
    assert.equal(reply.kind, 'reply');
    if (reply.kind !== 'reply') return;
    assert.deepEqual(reply.replyTo, { id: qid, sender: { name: 'Ada', fingerprint: ada.session.identity.fingerprint }, preview: 'lunch at noon?' });

    // Reactions: Bob's, then Ada's own (folded at its ack); "mine" is per side.
    await bob.session.react(room, qid, '👍', false);
    await until("Bob's reaction at Ada", () => {
      const i = itemById(ada, room, qid);
      return i?.kind === 'text' && i.reactions?.[0]?.count === 1;
    });
    await ada.session.react(room, qid, '👍', false);
    await until('two reactions at Ada', () => {
      const i = itemById(ada, room, qid);
      return i?.kind === 'text' && i.reactions?.[0]?.count === 2;
    });
    const atAda = itemById(ada, room, qid);
    assert.ok(atAda?.kind === 'text');
    assert.deepEqual(atAda.reactions, [{ emoji: '👍', count: 2, names: ['Bob', 'Ada'], mine: true }]);
    await until('two reactions at Bob, not his alone', () => {
      const i = itemById(bob, room, qid);
      return i?.kind === 'text' && i.reactions?.[0]?.count === 2 && i.reactions[0].mine;
    });
    // Taking it back: Bob's goes, Ada's stays.
    await bob.session.react(room, qid, '👍', true);
    await until('one reaction left at Ada', () => {
      const i = itemById(ada, room, qid);
      return i?.kind === 'text' && i.reactions?.[0]?.count === 1 && i.reactions[0].names[0] === 'Ada';
    });

    // Ada edits: Bob sees the new text, "(edited)", the original among the versions, and his reply's quote follows.
    await ada.session.edit(room, qid, 'lunch at 12:30?');
    const edited = await until('the edit at Bob', () => {
      const i = itemById(bob, room, qid);
      return i?.kind === 'text' && i.edited ? i : undefined;
    });
    assert.ok(edited.kind === 'text');
    assert.equal(edited.text, 'lunch at 12:30?');
    assert.deepEqual(edited.versions, ['lunch at noon?']);
    await until("the reply's quote at Bob shows the new text", () => {
      const r = bob.session.state.room(room)?.items.find((i) => i.kind === 'reply');
      return r?.kind === 'reply' && r.replyTo.preview === 'lunch at 12:30?';
    });
    // Bob cannot edit Ada's message: a sentence, and nothing is sent.
    await assert.rejects(bob.session.edit(room, qid, 'hijacked'), /Only your own messages can be edited/);
  });

  it('deletes for everyone: "message deleted" in both models, quotes say so, and others cannot delete it', async () => {
    const room = 'host-delete';
    const { ada, bob } = await pair(room);
    await ada.session.sendText(room, 'secret plan');
    const shown = await until('the message at Bob', () => textOf(bob, room, 'secret plan'));
    const id = shown.id ?? 0;
    await bob.session.sendReply(room, id, 'nice');
    await until('the reply at Ada', () => textOf(ada, room, 'nice'));
    await bob.session.react(room, id, '🎉', false);
    await assert.rejects(bob.session.deleteMessage(room, id), /Only your own messages can be deleted/);

    await ada.session.deleteMessage(room, id);
    for (const h of [ada, bob]) {
      const gone = await until('the tombstone', () => {
        const i = itemById(h, room, id);
        return i?.kind === 'placeholder' ? i : undefined;
      });
      assert.equal(gone.kind === 'placeholder' && gone.reason, 'deleted');
      // No copy of the text is left in the model.
      assert.ok(!JSON.stringify(h.session.state.room(room)?.items).includes('secret plan'));
    }
    await until("the reply's quote at Bob says deleted", () => {
      const r = bob.session.state.room(room)?.items.find((i) => i.kind === 'reply');
      return r?.kind === 'reply' && r.replyTo.preview === 'message deleted' && r.replyTo.sender === null;
    });
  });

  it('shows who types, and drops the name when their message arrives', async () => {
    const room = 'host-typing';
    const { ada, bob } = await pair(room);
    bob.session.typing(room);
    await until('Bob typing at Ada', () => lastTyping(ada, room)?.join() === 'Bob');
    assert.deepEqual(ada.session.typingIn(room).map((w) => w.name), ['Bob']);
    // Our own signal never shows to ourselves.
    assert.equal(lastTyping(bob, room), undefined);
    await bob.session.sendText(room, 'done typing');
    await until('the name gone at Ada', () => lastTyping(ada, room)?.length === 0);
  });
});

describe('typing roster (extension/state/typing.ts)', () => {
  it('tells the view when a name comes and when it expires, once per change', async () => {
    const changes: string[] = [];
    const roster = new TypingRoster((room, who: ViewSender[]) => changes.push(`${room}:${who.map((w) => w.name).join(',')}`), Date.now, 60);
    try {
      roster.typing('team', { name: 'Ada', fingerprint: 'aa' });
      roster.typing('team', { name: 'Ada', fingerprint: 'aa' }); // a repeat extends, no new change
      roster.typing('team', { name: 'Bob', fingerprint: 'bb' });
      assert.deepEqual(changes, ['team:Ada', 'team:Ada,Bob']);
      await until('both expired', () => changes.at(-1) === 'team:', 2000);
      assert.deepEqual(roster.list('team'), []);
    } finally {
      roster.dispose();
    }
  });
});
