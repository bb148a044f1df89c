// Mentions (PROTOCOL.md section 10): the vectors, the parse rules (malformed is ignored, never fatal),
// names shown as pinned here rather than as the sender says, a round trip through the real server,
// and `chat send --mention` / `chat edit --mention` / `chat read` as users run them.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../protocol/codec';
import { openEnvelope, sealEnvelope } from '../../client/envelope';
import { fingerprint, generateIdentity, identityFromSeed } from '../../client/keys';
import { checkOutgoing, parseMentions, resolveMentions } from '../../client/mentions';
import { toCliJson, toViewItem } from '../../client/kinds/index';
import { buildMentionVectors, type MentionVectors } from '../support/mention-vectors';
import { makeClient, runChat, sharedServer, tempDir } from './helpers';

const shared = sharedServer({ beforeAll, afterAll });
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('mention vectors (test/vectors/protocol-v1-mentions.json)', () => {
  const v = JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1-mentions.json'), 'utf8')) as MentionVectors;

  test('the committed file is what the generator builds (nothing edited by hand)', () => {
    expect(buildMentionVectors()).toEqual(v);
  });

  for (const c of v.cases) {
    test(`${c.expect.mentions ? 'kept' : 'ignored'}: ${c.about}`, () => {
      const opened = openEnvelope({ room: v.room, encKey: unhex(v.enc_key), cid: String(c.body.cid), env: unhex(c.env) });
      // Malformed mentions never cost the message itself.
      if (!opened.ok) throw new Error(`should open: ${JSON.stringify(opened)}`);
      expect(opened.body.k).toBe(c.expect.k as never);
      const kept = opened.body.mentions?.map((m) => ({ name: m.name, fingerprint: fingerprint(m.key) })) ?? null;
      expect(kept).toEqual(c.expect.mentions);
      if (!c.expect.mentions) return;
      // This implementation writes the same bytes: mentions last, {key, name} each.
      const identity = identityFromSeed(unhex(v.identity_seed));
      const env = sealEnvelope({ room: v.room, encKey: unhex(v.enc_key), identity, body: opened.body, nonce: unhex(c.nonce) });
      expect(Buffer.from(env).toString('hex')).toBe(c.env);
      const keys = Object.keys(decodeBody(unhex(c.body_msgpack)) as Record<string, unknown>);
      expect(keys[keys.length - 1]).toBe('mentions');
    });
  }
});

describe('parse and show', () => {
  const bob = generateIdentity().publicKey;
  const me = generateIdentity().publicKey;

  test('a name that is not a display name, a control character or a non-map entry makes the whole field ignored', () => {
    expect(parseMentions([{ key: bob, name: 'a\u0000b' }])).toBeUndefined();
    expect(parseMentions([{ key: bob, name: 'x'.repeat(65) }])).toBeUndefined();
    expect(parseMentions(['Bob'])).toBeUndefined();
    expect(parseMentions([{ key: 'not bytes', name: 'Bob' }])).toBeUndefined();
    expect(parseMentions(undefined)).toBeUndefined();
    expect(parseMentions([{ key: bob, name: ' Bob ' }])).toEqual([{ key: bob, name: 'Bob' }]);
  });

  test('the name shown is the one pinned here for the key, not the one the sender wrote; me by key only', () => {
    const shown = resolveMentions(
      [
        { key: bob, name: 'Alice' },
        { key: me, name: 'Someone Else' },
        { key: generateIdentity().publicKey, name: 'Ada\u200b' },
      ],
      me,
      (keyHex) => (keyHex === Buffer.from(bob).toString('hex') ? 'Bob' : keyHex === Buffer.from(me).toString('hex') ? 'Me' : undefined),
    );
    expect(shown?.map((m) => [m.name, m.me, m.pinned])).toEqual([
      ['Bob', false, true],
      ['Me', true, true],
      // Nobody pinned for that key: the sender's word, with its invisible character shown escaped.
      ['Ada\\u{200B}', false, false],
    ]);
    expect(shown?.[0]?.fingerprint).toBe(fingerprint(bob));
  });

  test('outgoing mentions are checked with the receivers\' rules', () => {
    expect(checkOutgoing([{ key: bob, name: 'Bob' }])).toBeNull();
    expect(checkOutgoing([{ key: bob, name: 'Bob' }, { key: bob, name: 'Bob' }])).toContain('no one twice');
    expect(checkOutgoing(Array.from({ length: 33 }, () => ({ key: generateIdentity().publicKey, name: 'X' })))).toContain('at most 32');
  });
});

describe('mentions through a real server', () => {
  test('Ada mentions Bob: Bob sees a mention of himself under his pinned name; the view and CLI lines carry no key', async () => {
    const room = 'mentions-live';
    const ada = shared.track(makeClient(shared.server.address, 'Ada'));
    const bob = shared.track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom(room, 'secret', { create: true });
    await bob.client.joinRoom(room, 'secret');
    // Ada must have seen Bob to complete his name: members() lists who was seen verified.
    const hello = await bob.client.sendText(room, 'hello');
    await ada.waitFor((e) => e.some((x) => x.type === 'message' && x.item.cid === hello), 5000, 'Bob\'s hello');
    const members = ada.client.mentionable(room);
    expect(members.map((m) => [m.name, m.fingerprint])).toEqual([['Bob', bob.client.fingerprint]]);
    const cid = await ada.client.sendText(room, '@Bob look', [{ key: members[0]!.key, name: 'Bob' }]);
    await bob.waitFor((e) => e.some((x) => x.type === 'message' && x.item.cid === cid), 5000, 'the mention');
    const item = bob.items(room).find((i) => i.cid === cid);
    if (!item || item.kind !== 'text') throw new Error('no text item');
    expect(item.mentions).toEqual([{ key: bob.identity.publicKey, name: 'Bob', fingerprint: bob.client.fingerprint, me: true, pinned: true }]);
    const view = toViewItem(item);
    expect(view).toMatchObject({ mentions: [{ name: 'Bob', me: true }] });
    expect(JSON.stringify(view)).not.toContain(Buffer.from(bob.identity.publicKey).toString('hex'));
    expect(toCliJson(item)).toMatchObject({ mentions: [{ name: 'Bob', fingerprint: bob.client.fingerprint }] });
    // Ada's own pending copy shows the mention too (not of her).
    const pending = ada.events.find((e) => e.type === 'pending' && e.cid === cid);
    expect(pending?.type === 'pending' ? pending.item.mentions : undefined).toEqual([{ key: bob.identity.publicKey, name: 'Bob', fingerprint: bob.client.fingerprint, me: false, pinned: true }]);
  });
});

describe('chat send --mention and chat read', () => {
  const PASS = { MESSAGE_APP_PASSPHRASE: 'correct horse battery staple' };
  const dir = tempDir('message-app-cli-mention-');
  const common = (room: string, who: string): string[] => ['--server', shared.server.address, '--room', room, '--identity', join(dir, `${who}.json`), '--insecure'];

  test('a name pinned in the room becomes a mention; read prints "mentions":[{"name","fingerprint"}]; an unknown name exits 1', async () => {
    const room = 'cli-mention';
    const first = await runChat(['send', ...common(room, 'ada'), '--name', 'Ada', '--text', 'hi all'], PASS);
    expect(first.code).toBe(0);
    // Bob has not read the room: nobody is pinned for him yet.
    const unknown = await runChat(['send', ...common(room, 'bob'), '--name', 'Bob', '--text', '@Ada', '--mention', 'Ada'], PASS);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No one named "Ada" is pinned in room "cli-mention"');
    const seen = await runChat(['read', ...common(room, 'bob')], PASS);
    expect(seen.code).toBe(0);
    const adaPrint = String((seen.lines[0]?.from as { fingerprint?: string } | undefined)?.fingerprint);
    const sent = await runChat(['send', ...common(room, 'bob'), '--name', 'Bob', '--text', '@Ada thanks', '--mention', 'Ada', '--mention', 'Ada'], PASS);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const nobody = await runChat(['send', ...common(room, 'bob'), '--name', 'Bob', '--text', 'x', '--mention', 'Zed'], PASS);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('No one named "Zed"');
    const read = await runChat(['read', ...common(room, 'ada')], PASS);
    expect(read.code).toBe(0);
    expect(read.lines.map((l) => [l.text, l.mentions ?? null])).toEqual([
      ['hi all', null],
      ['@Ada thanks', [{ name: 'Ada', fingerprint: adaPrint }]],
    ]);
  });
  test('edit --mention: the message\'s mentions become those named, none without --mention; read and --raw print them', async () => {
    const room = 'cli-edit-mention';
    expect((await runChat(['send', ...common(room, 'ada'), '--name', 'Ada', '--text', 'lunch?'], PASS)).code).toBe(0);
    // Bob reads first, so Ada is pinned for him.
    const seen = await runChat(['read', ...common(room, 'bob')], PASS);
    const adaPrint = String((seen.lines[0]?.from as { fingerprint?: string } | undefined)?.fingerprint);
    const sent = await runChat(['send', ...common(room, 'bob'), '--name', 'Bob', '--text', 'thanks'], PASS);
    const id = String(sent.lines[0]?.id);
    const added = await runChat(['edit', ...common(room, 'bob'), '--name', 'Bob', '--id', id, '--text', '@Ada thanks', '--mention', 'Ada'], PASS);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    let read = await runChat(['read', ...common(room, 'ada')], PASS);
    expect(read.lines[1]).toMatchObject({ text: '@Ada thanks', edited: true, mentions: [{ name: 'Ada', fingerprint: adaPrint }] });
    const unknown = await runChat(['edit', ...common(room, 'bob'), '--name', 'Bob', '--id', id, '--text', '@Zed', '--mention', 'Zed'], PASS);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No one named "Zed"');
    expect((await runChat(['edit', ...common(room, 'bob'), '--name', 'Bob', '--id', id, '--text', 'thanks all'], PASS)).code).toBe(0);
    read = await runChat(['read', ...common(room, 'ada')], PASS);
    expect(read.lines[1]).toMatchObject({ text: 'thanks all', edited: true });
    expect(read.lines[1]?.mentions).toBeUndefined();
    const raw = await runChat(['read', ...common(room, 'ada'), '--raw'], PASS);
    const edits = raw.lines.filter((l) => l.kind === 'edit');
    expect(edits.map((l) => l.mentions)).toEqual([[{ name: 'Ada', fingerprint: adaPrint }], []]);
  }, 60_000);
});
