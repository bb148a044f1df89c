// test/vectors/conversation-bodies-v1.json and conversation-edit-mentions-v1.json: the committed files equal a fresh
// build, each envelope opens as its kind, and an edit's mentions fold as section 13 says.

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { openEnvelope } from '../../client/envelope';
import { openTyping } from '../../client/conversation/typing';
import { buildConversationVectors } from '../vectors/gen-conversation-bodies-v1';
import { buildEditMentionVectors, type EditMentionCase, type EditMentionVectors } from '../vectors/gen-conversation-edit-mentions-v1';
import { decodeBody } from '../../protocol/codec';
import { sealEnvelope } from '../../client/envelope';
import { ModifierFold, targetKey, withShownMentions } from '../../client/conversation/fold';
import { bodyToItem, type RoomItem } from '../../client/kinds/index';
import type { ModifierItem } from '../../client/kinds/modifiers';
import type { Sender } from '../../client/kinds/types';
import { fingerprint, identityFromSeed } from '../../client/keys';
import { resolveMentions, type ItemMention, type Mention } from '../../client/mentions';

const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

interface Vectors {
  room: string;
  enc_key: string;
  identity_pub: string;
  cases: { body: { cid: string }; env: string; expect: string }[];
}

describe('conversation body vectors (test/vectors/conversation-bodies-v1.json)', () => {
  const v = JSON.parse(readFileSync('test/vectors/conversation-bodies-v1.json', 'utf8')) as Vectors;

  test('the committed file is what the generator builds', () => {
    expect(buildConversationVectors()).toEqual(v as unknown as Record<string, unknown>);
  });

  test('each envelope opens as its kind', () => {
    const encKey = unhex(v.enc_key);
    for (const c of v.cases) {
      const env = unhex(c.env);
      if (c.expect === 'typing') {
        expect(Buffer.from(openTyping(v.room, encKey, env)?.key ?? []).toString('hex')).toBe(v.identity_pub);
        continue;
      }
      const opened = openEnvelope({ room: v.room, encKey, cid: c.body.cid, env });
      if (c.expect === 'reply') {
        expect(opened).toMatchObject({ ok: true, body: { k: 'reply', to: 1, text: 'yes, noon' } });
      } else if (c.expect === 'edit') {
        expect(opened).toMatchObject({ ok: false, reason: 'modifier', modifier: { k: 'edit', text: 'meet at 4' } });
      } else {
        expect(opened).toMatchObject({ ok: false, reason: 'modifier', modifier: { k: 'reaction', emoji: '👍' } });
        if (!opened.ok && opened.reason === 'modifier') expect(opened.modifier?.k === 'reaction' && opened.modifier.remove === true).toBe(c.expect === 'reaction_remove');
      }
    }
  });
});

describe('edit mention vectors (test/vectors/conversation-edit-mentions-v1.json)', () => {
  const v = JSON.parse(readFileSync('test/vectors/conversation-edit-mentions-v1.json', 'utf8')) as EditMentionVectors;
  const encKey = unhex(v.enc_key);
  // The reader is Cy: a mention of Cy is a mention of "me".
  const cy = v.members.find((m) => m.name === 'Cy');
  const reader = unhex(cy?.key ?? '');
  const shownOf = (mentions: readonly Mention[] | undefined): ItemMention[] | undefined => resolveMentions(mentions, reader, () => undefined);
  const brief = (mentions: readonly ItemMention[] | undefined): { name: string; fingerprint: string }[] => (mentions ?? []).map(({ name, fingerprint }) => ({ name, fingerprint }));

  /** Opens a case as a client does: the original as a room item, an edit as a modifier item (mentions resolved here). */
  function open(c: EditMentionCase, id: number): { item?: RoomItem; modifier?: ModifierItem } {
    const opened = openEnvelope({ room: v.room, encKey, cid: String(c.body.cid), env: unhex(c.env) });
    const from = (key: Uint8Array, name: string): Sender => ({ name, key, fingerprint: fingerprint(key) });
    if (opened.ok) {
      const mentions = shownOf(opened.body.mentions);
      const base = { id, ts: id, cid: opened.body.cid, from: from(opened.body.from.key, opened.body.from.name), verified: true, own: false, sentAt: opened.body.ts, ...(mentions ? { mentions } : {}) };
      const item = bodyToItem(opened.body, base, { checkImage: (image) => image, received: true });
      if (typeof item === 'string') throw new Error(item);
      return { item };
    }
    if (opened.reason !== 'modifier' || !opened.modifier) throw new Error(`should open as a modifier: ${JSON.stringify(opened)}`);
    const body = opened.modifier;
    const modifier: ModifierItem = { id, ts: id, cid: body.cid, from: from(body.from.key, body.from.name), body };
    if (body.k === 'edit' && body.mentions !== undefined) modifier.mentions = shownOf(body.mentions) ?? [];
    return { modifier };
  }

  test('the committed file is what the generator builds (nothing edited by hand)', () => {
    expect(buildEditMentionVectors()).toEqual(v);
  });

  for (const c of v.cases) {
    test(`${c.label}: ${c.about}`, () => {
      const { item, modifier } = open(c, 1);
      if (c.expect.k === 'text') {
        expect(item).toMatchObject({ kind: 'text', text: c.expect.text });
        expect(item?.kind === 'text' ? brief(item.mentions) : null).toEqual(c.expect.mentions ?? []);
        return;
      }
      // A malformed field never costs the edit itself.
      if (modifier?.body.k !== 'edit') throw new Error('should open as an edit');
      expect(modifier.body.text).toBe(c.expect.text);
      expect(modifier.mentions === undefined ? null : brief(modifier.mentions)).toEqual(c.expect.mentions);
      expect(modifier.body.mentions === undefined).toBe(c.expect.mentions === null);
      if (c.expect.mentions === null || c.label === 'forged') return;
      // This implementation writes the same bytes (an empty array too): mentions last, {key, name} each.
      const env = sealEnvelope({ room: v.room, encKey, identity: identityFromSeed(unhex(v.identity_seed)), body: modifier.body, nonce: unhex(c.nonce) });
      expect(Buffer.from(env).toString('hex')).toBe(c.env);
      const keys = Object.keys(decodeBody(unhex(c.body_msgpack)) as Record<string, unknown>);
      expect(keys.slice(-3)).toEqual(['rel', 'text', 'mentions']);
    });
  }

  for (const s of v.sequences) {
    test(`folded: ${s.about}`, () => {
      const fold = new ModifierFold();
      let original: RoomItem | undefined;
      for (const { label, id } of s.arrive) {
        const c = v.cases.find((x) => x.label === label);
        if (!c) throw new Error(`no case ${label}`);
        const { item, modifier } = open(c, id);
        if (item) {
          original = item;
          fold.addTarget(item);
        }
        if (modifier) fold.addModifier(modifier);
      }
      if (!original) throw new Error('the sequence has no original');
      const state = fold.state(targetKey(original.kind === 'text' ? original.from.key : new Uint8Array(), original.cid));
      expect(state?.versions.at(-1)?.text).toBe(s.shown.text);
      expect(state?.edited).toBe(s.shown.edited);
      const shown = withShownMentions(original, state);
      const mentions = shown.kind === 'text' ? shown.mentions : undefined;
      expect(brief(mentions)).toEqual(s.shown.mentions);
      // "me" by key: the reader is Cy.
      expect(mentions?.some((m) => m.me) ?? false).toBe(s.shown.mentions.some((m) => m.name === 'Cy'));
    });
  }
});
