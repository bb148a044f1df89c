// Builds test/vectors/protocol-v1-mentions.json: bodies with a `mentions` field (PROTOCOL.md
// section 10), well-formed ones and malformed ones a receiver shows without mentions. Deterministic
// (fixed nonces, Ed25519 signs deterministically), so the committed file is checked against a fresh build.
// Regenerate: npx bun test/support/mention-vectors.ts > test/vectors/protocol-v1-mentions.json

import { fingerprint, identityFromSeed } from '../../client/keys';
import { hex, readBaseVectors, sealRawBody, toJson, unknownKindBody } from './kinds-vectors';

export interface MentionVector {
  about: string;
  /** The body as JSON, byte strings in hex. */
  body: Record<string, unknown>;
  body_msgpack: string;
  nonce: string;
  env: string;
  /** The message's kind, and the mentions a receiver keeps (null: the field is ignored, the message still shown). */
  expect: { k: string; mentions: { name: string; fingerprint: string }[] | null };
}

export interface MentionVectors {
  about: string;
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
  /** Two members' identity public keys the cases mention (seeds 0x01.. and 0x02..). */
  members: { name: string; key: string; fingerprint: string }[];
  cases: MentionVector[];
}

export function buildMentionVectors(): MentionVectors {
  const { base, identity, encKey } = readBaseVectors();
  const bob = identityFromSeed(new Uint8Array(32).fill(0x01)).publicKey;
  const cy = identityFromSeed(new Uint8Array(32).fill(0x02)).publicKey;
  const ts = 1764230700000;
  const body = (cid: string, i: number, k: string, fields: Record<string, unknown>): Record<string, unknown> => unknownKindBody(identity, 'Ada', cid, ts + i, k, fields);
  const kept = (...who: [string, Uint8Array][]): { name: string; fingerprint: string }[] => who.map(([name, key]) => ({ name, fingerprint: fingerprint(key) }));
  const many = Array.from({ length: 33 }, (_, i) => ({ key: identityFromSeed(new Uint8Array(32).fill(0x10 + i)).publicKey, name: `M${i}` }));
  const specs: { about: string; body: Record<string, unknown>; expect: MentionVector['expect'] }[] = [
    {
      about: 'a text mentioning one member: mentions after the kind fields, each {key, name}',
      body: body('bWVudGlvbjAwMDAwMDAwMA', 0, 'text', { text: '@Bob can you look?', mentions: [{ key: bob, name: 'Bob' }] }),
      expect: { k: 'text', mentions: kept(['Bob', bob]) },
    },
    {
      about: 'a code snippet mentioning two members',
      body: body('bWVudGlvbjAwMDAwMDAwMQ', 1, 'code', { lang: 'go', start: 1, end: 1, text: 'x := 1', mentions: [{ key: bob, name: 'Bob' }, { key: cy, name: 'Cy' }] }),
      expect: { k: 'code', mentions: kept(['Bob', bob], ['Cy', cy]) },
    },
    {
      about: 'a key of 31 bytes: the field is ignored, the text is shown without mentions',
      body: body('bWVudGlvbjAwMDAwMDAwMg', 2, 'text', { text: '@Bob', mentions: [{ key: bob.subarray(0, 31), name: 'Bob' }] }),
      expect: { k: 'text', mentions: null },
    },
    {
      about: 'the same key twice: ignored',
      body: body('bWVudGlvbjAwMDAwMDAwMw', 3, 'text', { text: '@Bob @Bob', mentions: [{ key: bob, name: 'Bob' }, { key: bob, name: 'Bobby' }] }),
      expect: { k: 'text', mentions: null },
    },
    {
      about: 'an empty name: ignored',
      body: body('bWVudGlvbjAwMDAwMDAwNA', 4, 'text', { text: 'hi', mentions: [{ key: bob, name: '' }] }),
      expect: { k: 'text', mentions: null },
    },
    {
      about: '33 entries (over 32): ignored',
      body: body('bWVudGlvbjAwMDAwMDAwNQ', 5, 'text', { text: 'everyone', mentions: many }),
      expect: { k: 'text', mentions: null },
    },
    {
      about: 'not an array: ignored',
      body: body('bWVudGlvbjAwMDAwMDAwNg', 6, 'text', { text: 'hi', mentions: { key: bob, name: 'Bob' } }),
      expect: { k: 'text', mentions: null },
    },
    {
      about: 'an empty array: ignored (a sender leaves the field out instead)',
      body: body('bWVudGlvbjAwMDAwMDAwNw', 7, 'text', { text: 'hi', mentions: [] }),
      expect: { k: 'text', mentions: null },
    },
  ];
  const cases = specs.map((spec, i): MentionVector => {
    const nonce = new Uint8Array(12).fill(0xd0 + i);
    const sealed = sealRawBody(base.room, encKey, identity, spec.body, nonce);
    return { about: spec.about, body: toJson(spec.body) as Record<string, unknown>, body_msgpack: hex(sealed.bodyBytes), nonce: hex(nonce), env: hex(sealed.env), expect: spec.expect };
  });
  return {
    about: 'message-app protocol v1: the mentions field (PROTOCOL.md section 10); byte strings are hex; keys from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    members: [
      { name: 'Bob', key: hex(bob), fingerprint: fingerprint(bob) },
      { name: 'Cy', key: hex(cy), fingerprint: fingerprint(cy) },
    ],
    cases,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildMentionVectors(), null, 2)}\n`);
