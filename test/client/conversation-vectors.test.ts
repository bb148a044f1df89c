// test/vectors/conversation-bodies-v1.json: the committed file equals a fresh build, and each envelope opens as its kind.

import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { openEnvelope } from '../../client/envelope';
import { openTyping } from '../../client/conversation/typing';
import { buildConversationVectors } from '../vectors/gen-conversation-bodies-v1';

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
