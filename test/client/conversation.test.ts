// Replies, reactions and edits (PROTOCOL.md section 13) between real clients through the real server
// (127.0.0.1, real SQLite file): what each side folds, a forged edit ignored, modifiers before their targets,
// and the mentions an edit carries (added, kept by an old-style edit, cleared, forged, malformed).

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { newCid, type ChatEvent } from '../../client/chat-client';
import { ModifierFold, targetKey, withShownMentions } from '../../client/conversation/fold';
import { sealEnvelope } from '../../client/envelope';
import { deriveRoomKeys, generateIdentity, joinProof } from '../../client/keys';
import type { ModifierItem } from '../../client/kinds/modifiers';
import { makeClient, sharedServer, TEST_KDF, type TestClient } from './helpers';
import { WireClient } from '../support/wire';
import { sealRawBody } from '../support/kinds-vectors';

const shared = sharedServer({ beforeAll, afterAll });
const { track } = shared;

function ackOf(c: TestClient, cid: string): { id: number; ts: number } | undefined {
  const e = c.events.find((x): x is Extract<ChatEvent, { type: 'acked' }> => x.type === 'acked' && x.cid === cid);
  return e && { id: e.id, ts: e.ts };
}

async function sentId(c: TestClient, cid: string): Promise<number> {
  await c.waitFor(() => ackOf(c, cid) !== undefined, 5000, `ack of ${cid}`);
  return ackOf(c, cid)?.id ?? 0;
}

function modifiers(c: TestClient, room: string): ModifierItem[] {
  return c.events.flatMap((e) => (e.type === 'modifier' && e.room === room ? [e.modifier] : []));
}

/** A member speaking raw frames (it signs whatever body it likes), joined to an existing room with the pairs' passphrase. */
async function rawMember(room: string): Promise<{ peer: WireClient; keys: Awaited<ReturnType<typeof deriveRoomKeys>> }> {
  const peer = await WireClient.connect(shared.server);
  peer.send({ t: 'room', room });
  const info = await peer.next('room');
  if (!info.salt || !info.kdf) throw new Error('the room should exist');
  const keys = await deriveRoomKeys('pass', room, info.salt, info.kdf, { floor: TEST_KDF });
  peer.send({ t: 'join', room, proof: joinProof(keys, peer.challenge) });
  await peer.next('joined');
  return { peer, keys };
}

/** Both clients in one room, Ada first. */
async function pair(room: string): Promise<{ ada: TestClient; bob: TestClient }> {
  const ada = track(makeClient(shared.server.address, 'Ada'));
  const bob = track(makeClient(shared.server.address, 'Bob'));
  await ada.client.connect();
  await bob.client.connect();
  await ada.client.joinRoom(room, 'pass', { create: true });
  await bob.client.joinRoom(room, 'pass');
  return { ada, bob };
}

describe('conversation against the real server', () => {
  test('a reply names its target by id and arrives as a reply', async () => {
    const { ada, bob } = await pair('conv-reply');
    const first = await sentId(ada, await ada.client.sendText('conv-reply', 'lunch at noon?'));
    await bob.waitFor(() => bob.items('conv-reply').length === 1, 5000, 'the question');
    await ada.client.sendReply('conv-reply', first, 'yes, noon');
    await bob.client.sendReply('conv-reply', first, 'make it 12:30');
    await ada.waitFor(() => ada.items('conv-reply').some((i) => i.kind === 'reply'), 5000, 'the reply');
    const reply = ada.items('conv-reply').find((i) => i.kind === 'reply');
    expect(reply).toMatchObject({ kind: 'reply', replyTo: first, text: 'make it 12:30', from: { name: 'Bob' } });
    await expect(ada.client.sendReply('conv-reply', 0, 'x')).rejects.toThrow('names the id');
  });

  test('react then unreact: one reaction per signer and emoji, the newest wins', async () => {
    const { ada, bob } = await pair('conv-react');
    const cid = await ada.client.sendText('conv-react', 'shipped!');
    const id = await sentId(ada, cid);
    await bob.waitFor(() => bob.items('conv-react').length === 1, 5000, 'the message');
    const target = { key: ada.identity.publicKey, cid };
    // Twice the same: still one reaction from Bob.
    await sentId(bob, await bob.client.sendReaction('conv-react', target, '🎉'));
    await sentId(bob, await bob.client.sendReaction('conv-react', target, '🎉'));
    await sentId(ada, await ada.client.sendReaction('conv-react', target, '🎉'));
    await ada.waitFor(() => modifiers(ada, 'conv-react').filter((m) => m.from.name === 'Bob').length === 2, 5000, "Bob's reactions");
    // Ada's own reaction comes back as a `modifier` event at its ack (so her view folds it at once), with its id.
    const own = modifiers(ada, 'conv-react').filter((m) => m.from.name === 'Ada');
    expect(own.map((m) => [m.body.k, m.id > id])).toEqual([['reaction', true]]);

    const fold = new ModifierFold();
    // Ada's own message and reaction come back in a page, not as events: read the room as a late joiner would.
    const page = await ada.client.fetchHistory('conv-react', { limit: 50 });
    expect(page.messages.map((m) => m.id)).toEqual([id]);
    const key = fold.addTarget(page.messages[0]!);
    for (const m of page.modifiers) fold.addModifier(m);
    expect(key).toBe(targetKey(ada.identity.publicKey, cid));
    expect(fold.state(key!)?.reactions.get('🎉')?.map((r) => r.name)).toEqual(['Bob', 'Ada']);

    await sentId(bob, await bob.client.sendReaction('conv-react', target, '🎉', { remove: true }));
    const again = await ada.client.fetchHistory('conv-react', { limit: 50 });
    for (const m of again.modifiers) fold.addModifier(m);
    expect(fold.state(key!)?.reactions.get('🎉')?.map((r) => r.name)).toEqual(['Ada']);
    await expect(bob.client.sendReaction('conv-react', target, 'a\u0007')).rejects.toThrow('one emoji');
  });

  test('an edit by the sender applies (newest by id); a forged edit from another key is ignored', async () => {
    const { ada, bob } = await pair('conv-edit');
    const cid = await ada.client.sendText('conv-edit', 'meet at 3');
    await sentId(ada, cid);
    const target = { key: ada.identity.publicKey, cid };
    await sentId(ada, await ada.client.sendEdit('conv-edit', target, 'meet at 4'));
    await sentId(ada, await ada.client.sendEdit('conv-edit', target, 'meet at 5'));
    await expect(bob.client.sendEdit('conv-edit', target, 'cancelled')).rejects.toThrow('your own');

    // Mallory is a member, so can sign and send an edit naming Ada's message: receivers must ignore it.
    const { peer, keys } = await rawMember('conv-edit');
    const mallory = generateIdentity();
    const forgedCid = newCid();
    const env = sealEnvelope({
      room: 'conv-edit',
      encKey: keys.encKey,
      identity: mallory,
      body: { cid: forgedCid, ts: Date.now(), from: { name: 'Ada', key: mallory.publicKey }, k: 'edit', rel: target, text: 'cancelled' },
    });
    peer.send({ t: 'send', room: 'conv-edit', cid: forgedCid, env });
    await peer.next('ack');
    peer.close();

    await bob.waitFor(() => modifiers(bob, 'conv-edit').length === 3, 5000, 'two edits and the forged one');
    const fold = new ModifierFold();
    const key = fold.addTarget(bob.items('conv-edit')[0]!);
    for (const m of modifiers(bob, 'conv-edit')) fold.addModifier(m);
    const state = fold.state(key!);
    expect(state?.edited).toBe(true);
    expect(state?.versions.map((v) => v.text)).toEqual(['meet at 3', 'meet at 4', 'meet at 5']);
  });

  test('modifiers met before their targets (paging backwards one at a time) wait and then apply', async () => {
    const { ada, bob } = await pair('conv-early');
    const cid = await ada.client.sendText('conv-early', 'v1');
    const id = await sentId(ada, cid);
    const target = { key: ada.identity.publicKey, cid };
    await sentId(ada, await ada.client.sendEdit('conv-early', target, 'v2'));
    await sentId(bob, await bob.client.sendReaction('conv-early', target, '👀'));
    await ada.client.sendText('conv-early', 'later');

    const fold = new ModifierFold();
    let before: number | undefined;
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await bob.client.fetchHistory('conv-early', before === undefined ? { limit: 1 } : { before, limit: 1 });
      for (const m of page.modifiers) {
        fold.addModifier(m);
        seen.push(m.body.k);
      }
      for (const item of page.messages) fold.addTarget(item);
      const ids = [...page.messages.map((m) => m.id), ...page.modifiers.map((m) => m.id)];
      if (!page.more || ids.length === 0) break;
      before = Math.min(...ids);
      if (before === id + 1) expect(fold.waitingSize).toBe(2);
    }
    expect(seen).toEqual(['reaction', 'edit']);
    expect(fold.waitingSize).toBe(0);
    const state = fold.state(targetKey(ada.identity.publicKey, cid));
    expect(state?.versions.at(-1)?.text).toBe('v2');
    expect(state?.reactions.get('👀')?.map((r) => r.name)).toEqual(['Bob']);
  });

  test('delete: the writer deletes for everyone (a tombstone in pages); another member is refused with forbidden', async () => {
    const { ada, bob } = await pair('conv-delete');
    const cid = await ada.client.sendText('conv-delete', 'oops, my password is hunter2');
    const id = await sentId(ada, cid);
    await bob.waitFor(() => bob.items('conv-delete').length === 1, 5000, 'the message');
    await expect(bob.client.deleteMessage('conv-delete', { id, cid })).rejects.toMatchObject({ code: 'forbidden' });
    await ada.client.deleteMessage('conv-delete', { id, cid });
    await bob.waitFor((events) => events.some((e) => e.type === 'deleted' && e.id === id), 5000, 'deleted at Bob');
    const page = await bob.client.fetchHistory('conv-delete', { limit: 10 });
    expect(page.messages).toEqual([{ kind: 'placeholder', id, ts: expect.any(Number), cid, error: 'deleted' }]);
    // Idempotent: deleting again answers deleted again.
    await ada.client.deleteMessage('conv-delete', { id, cid });
  });

  test('typing reaches the members joined now, at most one per 3 s, and is never stored', async () => {
    const { ada, bob } = await pair('conv-typing');
    expect(ada.client.sendTyping('conv-typing')).toBe(true);
    expect(ada.client.sendTyping('conv-typing')).toBe(false);
    await bob.waitFor((events) => events.some((e) => e.type === 'typing'), 5000, 'typing at Bob');
    const typing = bob.events.find((e) => e.type === 'typing');
    expect(typing).toEqual({ type: 'typing', room: 'conv-typing', from: { name: 'Ada', fingerprint: ada.identity.fingerprint } });
    // Ada does not hear herself; nothing is in the room's history.
    expect(ada.events.some((e) => e.type === 'typing')).toBe(false);
    const page = await bob.client.fetchHistory('conv-typing', { limit: 10 });
    expect(page.messages.length + page.modifiers.length).toBe(0);
    expect(ada.client.sendTyping('conv-typing', Date.now() + 3001)).toBe(true);
    // A sent message ends "is typing" at the receivers, so typing the next one signals again at once.
    expect(ada.client.sendTyping('conv-typing', Date.now() + 3002)).toBe(false);
    await ada.client.sendText('conv-typing', 'done');
    expect(ada.client.sendTyping('conv-typing', Date.now() + 3003)).toBe(true);
  });
});

describe('mentions in an edit (section 13) against the real server', () => {
  /** What `c` shows for message `cid`: its items and modifiers folded, as the host and the CLI fold them. */
  function shownAt(c: TestClient, room: string, cid: string): { text: string | undefined; mentions: { name: string; me: boolean }[] } {
    const fold = new ModifierFold();
    for (const item of c.items(room)) fold.addTarget(item);
    for (const m of modifiers(c, room)) fold.addModifier(m);
    const item = c.items(room).find((i) => i.cid === cid);
    if (!item || item.kind !== 'text') throw new Error(`no text ${cid}`);
    const state = fold.state(targetKey(item.from.key, cid));
    const shown = withShownMentions(item, state);
    return { text: state?.versions.at(-1)?.text, mentions: shown.kind === 'text' ? (shown.mentions ?? []).map(({ name, me }) => ({ name, me })) : [] };
  }

  test('an edit adds a mention (mentionsMe at the receiver), an old-style edit keeps them, an empty array removes them all, paging back agrees', async () => {
    const room = 'conv-edit-mentions';
    const { ada, bob } = await pair(room);
    const cy = track(makeClient(shared.server.address, 'Cy'));
    await cy.client.connect();
    await cy.client.joinRoom(room, 'pass');
    // Ada completes names she has seen: Bob and Cy say hello first.
    for (const c of [bob, cy]) {
      const hello = await c.client.sendText(room, 'hello');
      await ada.waitFor(() => ada.items(room).some((i) => i.cid === hello), 5000, 'a hello');
    }
    const known = ada.client.mentionable(room);
    const mention = (name: string): { key: Uint8Array; name: string } => ({ key: known.find((m) => m.name === name)!.key, name });
    const cid = await ada.client.sendText(room, '@Bob lunch?', [mention('Bob')]);
    await sentId(ada, cid);
    const target = { key: ada.identity.publicKey, cid };
    await cy.waitFor(() => cy.items(room).some((i) => i.cid === cid), 5000, 'the message');
    expect(shownAt(cy, room, cid).mentions).toEqual([{ name: 'Bob', me: false }]);

    await sentId(ada, await ada.client.sendEdit(room, target, '@Bob @Cy lunch?', [mention('Bob'), mention('Cy')]));
    await cy.waitFor(() => modifiers(cy, room).length === 1, 5000, 'the first edit');
    expect(shownAt(cy, room, cid)).toEqual({ text: '@Bob @Cy lunch?', mentions: [{ name: 'Bob', me: false }, { name: 'Cy', me: true }] });
    // The receiver's modifier item carries the mentions resolved by key.
    expect(modifiers(cy, room)[0]?.mentions?.map((m) => m.fingerprint)).toEqual([bob.client.fingerprint, cy.client.fingerprint]);

    // An edit without the field (what an older client sends) keeps what the message showed.
    await sentId(ada, await ada.client.sendEdit(room, target, '@Bob @Cy lunch at noon?'));
    await cy.waitFor(() => modifiers(cy, room).length === 2, 5000, 'the old-style edit');
    expect(shownAt(cy, room, cid)).toEqual({ text: '@Bob @Cy lunch at noon?', mentions: [{ name: 'Bob', me: false }, { name: 'Cy', me: true }] });

    await sentId(ada, await ada.client.sendEdit(room, target, 'lunch at noon?', []));
    await bob.waitFor(() => modifiers(bob, room).length === 3, 5000, 'the clearing edit');
    await cy.waitFor(() => modifiers(cy, room).length === 3, 5000, 'the clearing edit');
    expect(shownAt(cy, room, cid)).toEqual({ text: 'lunch at noon?', mentions: [] });
    expect(shownAt(bob, room, cid)).toEqual({ text: 'lunch at noon?', mentions: [] });

    // History, one entry per page backwards: each edit comes before its target and waits for it.
    const fold = new ModifierFold();
    let before: number | undefined;
    for (let i = 0; i < 12; i++) {
      const page = await bob.client.fetchHistory(room, before === undefined ? { limit: 1 } : { before, limit: 1 });
      for (const m of page.modifiers) fold.addModifier(m);
      for (const item of page.messages) fold.addTarget(item);
      const ids = [...page.messages.map((m) => m.id), ...page.modifiers.map((m) => m.id)];
      if (!page.more || ids.length === 0) break;
      before = Math.min(...ids);
    }
    const state = fold.state(targetKey(ada.identity.publicKey, cid));
    expect(state?.versions.map((v) => v.text)).toEqual(['@Bob lunch?', '@Bob @Cy lunch?', '@Bob @Cy lunch at noon?', 'lunch at noon?']);
    expect(state?.mentions).toEqual([]);
    // A mention cannot go on a reaction, and a bad one is refused before anything is sent.
    await expect(ada.client.sendBody(room, { k: 'reaction', rel: target, emoji: '👍' }, [mention('Bob')])).rejects.toThrow('cannot mention');
    await expect(ada.client.sendEdit(room, target, 'x', [mention('Bob'), mention('Bob')])).rejects.toThrow('no one twice');
  });

  test('a forged edit from another key changes no mentions; a malformed field is ignored and the edit still applies', async () => {
    const room = 'conv-edit-mentions-bad';
    const { ada, bob } = await pair(room);
    const cid = await ada.client.sendText(room, 'ship it');
    await sentId(ada, cid);
    const target = { key: ada.identity.publicKey, cid };
    await sentId(ada, await ada.client.sendEdit(room, target, '@Bob ship it', [{ key: bob.identity.publicKey, name: 'Bob' }]));
    const { peer, keys } = await rawMember(room);
    // Mallory names Ada's message and mentions herself and Bob: ignored, it is not Ada's signature.
    const mallory = generateIdentity();
    const forged = newCid();
    const forgedBody = { cid: forged, ts: Date.now(), from: { name: 'Ada', key: mallory.publicKey }, k: 'edit', rel: target, text: '@Bob cancelled', mentions: [{ key: mallory.publicKey, name: 'Mallory' }] };
    peer.send({ t: 'send', room, cid: forged, env: sealRawBody(room, keys.encKey, mallory, forgedBody).env });
    await peer.next('ack');
    // Ada's own key with a malformed field (a 31-byte key), as a buggy client might sign it: the text applies, the mentions stay.
    const bad = newCid();
    const badBody = { cid: bad, ts: Date.now(), from: { name: 'Ada', key: ada.identity.publicKey }, k: 'edit', rel: target, text: '@Bob ship it now', mentions: [{ key: bob.identity.publicKey.subarray(0, 31), name: 'Bob' }] };
    peer.send({ t: 'send', room, cid: bad, env: sealRawBody(room, keys.encKey, ada.identity, badBody).env });
    await peer.next('ack');
    peer.close();
    await bob.waitFor(() => modifiers(bob, room).length === 3, 5000, 'the edit, the forged one and the malformed one');
    const badItem = modifiers(bob, room).find((m) => m.cid === bad);
    expect(badItem?.body.k === 'edit' && badItem.body.mentions === undefined && badItem.mentions === undefined).toBe(true);
    expect(shownAt(bob, room, cid)).toEqual({ text: '@Bob ship it now', mentions: [{ name: 'Bob', me: true }] });
  });
});
