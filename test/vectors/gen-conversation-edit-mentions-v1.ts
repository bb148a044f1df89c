// Builds test/vectors/conversation-edit-mentions-v1.json: edits carrying `mentions` (PROTOCOL.md section 13,
// "An edit is a modifier"), well-formed, empty, absent and malformed, and folded sequences with the mentions
// a receiver shows. Sealed with fixed nonces on the keys of protocol-v1.json (Ed25519 signs deterministically),
// so the committed file is checked against a fresh build.
// Regenerate: npx bun test/vectors/gen-conversation-edit-mentions-v1.ts > test/vectors/conversation-edit-mentions-v1.json

import { fingerprint, identityFromSeed } from '../../client/keys';
import { hex, readBaseVectors, sealRawBody, toJson, unknownKindBody } from '../support/kinds-vectors';

type Shown = { name: string; fingerprint: string }[];

export interface EditMentionCase {
  /** Named by the sequences. */
  label: string;
  about: string;
  /** The body as JSON, byte strings in hex. */
  body: Record<string, unknown>;
  body_msgpack: string;
  nonce: string;
  env: string;
  /**
   * What opening it gives: an edit's text and the mentions it carries (null: no field, absent or
   * ignored as malformed); for the original, its kind `text`.
   */
  expect: { k: 'text' | 'edit'; text: string; mentions: Shown | null };
}

export interface EditMentionSequence {
  about: string;
  /** Cases by label with the server id each got, in the order a receiver meets them (paging backwards: edits first). */
  arrive: { label: string; id: number }[];
  /** What the receiver shows for the original: the newest applying text and its mentions ([]: none). */
  shown: { text: string; edited: boolean; mentions: Shown };
}

export interface EditMentionVectors {
  about: string;
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
  /** Identity seeds of the other members (each byte repeated 32 times): Bob mentioned and forging, Cy mentioned. */
  members: { name: string; seed_byte: number; key: string; fingerprint: string }[];
  cases: EditMentionCase[];
  sequences: EditMentionSequence[];
}

export function buildEditMentionVectors(): EditMentionVectors {
  const { base, identity, encKey } = readBaseVectors();
  const bob = identityFromSeed(new Uint8Array(32).fill(0x01));
  const cy = identityFromSeed(new Uint8Array(32).fill(0x02));
  const ts = 1764230800000;
  const target = { key: identity.publicKey, cid: 'ZWRpdG1lbnRpb24wMDAwMA' };
  const shown = (...who: ['Bob' | 'Cy', Uint8Array][]): Shown => who.map(([name, key]) => ({ name, fingerprint: fingerprint(key) }));
  const many = Array.from({ length: 33 }, (_, i) => ({ key: identityFromSeed(new Uint8Array(32).fill(0x10 + i)).publicKey, name: `M${i}` }));
  const edit = (text: string, mentions?: unknown): Record<string, unknown> => (mentions === undefined ? { rel: target, text } : { rel: target, text, mentions });
  const specs: { label: string; about: string; signer?: typeof bob; name?: string; cid: string; k: 'text' | 'edit'; fields: Record<string, unknown>; expect: EditMentionCase['expect'] }[] = [
    {
      label: 'original',
      about: 'the message edited below: a text by Ada mentioning Bob (section 10)',
      cid: target.cid,
      k: 'text',
      fields: { text: '@Bob meet at 3', mentions: [{ key: bob.publicKey, name: 'Bob' }] },
      expect: { k: 'text', text: '@Bob meet at 3', mentions: shown(['Bob', bob.publicKey]) },
    },
    {
      label: 'adds',
      about: 'an edit that adds Cy: mentions last, after rel and text, each {key, name}',
      cid: 'ZWRpdG1lbnRpb24wMDAwMQ',
      k: 'edit',
      fields: edit('@Bob @Cy meet at 4', [{ key: bob.publicKey, name: 'Bob' }, { key: cy.publicKey, name: 'Cy' }]),
      expect: { k: 'edit', text: '@Bob @Cy meet at 4', mentions: shown(['Bob', bob.publicKey], ['Cy', cy.publicKey]) },
    },
    {
      label: 'clears',
      about: 'an edit with an EMPTY array: valid for an edit, the message mentions no one now',
      cid: 'ZWRpdG1lbnRpb24wMDAwMg',
      k: 'edit',
      fields: edit('meet at 4', []),
      expect: { k: 'edit', text: 'meet at 4', mentions: [] },
    },
    {
      label: 'old',
      about: 'an edit without the field (a client that knows only the earlier rules): it changes no mentions',
      cid: 'ZWRpdG1lbnRpb24wMDAwMw',
      k: 'edit',
      fields: edit('meet at 5'),
      expect: { k: 'edit', text: 'meet at 5', mentions: null },
    },
    {
      label: 'short-key',
      about: 'a key of 31 bytes: the field is ignored, the edit still applies as if it had none',
      cid: 'ZWRpdG1lbnRpb24wMDAwNA',
      k: 'edit',
      fields: edit('meet at 6', [{ key: cy.publicKey.subarray(0, 31), name: 'Cy' }]),
      expect: { k: 'edit', text: 'meet at 6', mentions: null },
    },
    {
      label: 'too-many',
      about: '33 entries (over 32): ignored',
      cid: 'ZWRpdG1lbnRpb24wMDAwNQ',
      k: 'edit',
      fields: edit('everyone', many),
      expect: { k: 'edit', text: 'everyone', mentions: null },
    },
    {
      label: 'not-array',
      about: 'not an array: ignored',
      cid: 'ZWRpdG1lbnRpb24wMDAwNg',
      k: 'edit',
      fields: edit('meet at 7', { key: cy.publicKey, name: 'Cy' }),
      expect: { k: 'edit', text: 'meet at 7', mentions: null },
    },
    {
      label: 'twice',
      about: 'the same key twice: ignored',
      cid: 'ZWRpdG1lbnRpb24wMDAwNw',
      k: 'edit',
      fields: edit('@Cy @Cy', [{ key: cy.publicKey, name: 'Cy' }, { key: cy.publicKey, name: 'Cyrus' }]),
      expect: { k: 'edit', text: '@Cy @Cy', mentions: null },
    },
    {
      label: 'forged',
      about: 'an edit of Ada\'s message signed by Bob (from.key is not rel.key): it opens, but never applies',
      signer: bob,
      name: 'Bob',
      cid: 'ZWRpdG1lbnRpb24wMDAwOA',
      k: 'edit',
      fields: edit('cancelled @Bob', [{ key: bob.publicKey, name: 'Bob' }, { key: cy.publicKey, name: 'Cy' }]),
      expect: { k: 'edit', text: 'cancelled @Bob', mentions: shown(['Bob', bob.publicKey], ['Cy', cy.publicKey]) },
    },
  ];
  const cases = specs.map((spec, i): EditMentionCase => {
    const signer = spec.signer ?? identity;
    const body = unknownKindBody(signer, spec.name ?? 'Ada', spec.cid, ts + i, spec.k, spec.fields);
    const nonce = new Uint8Array(12).fill(0xe0 + i);
    const sealed = sealRawBody(base.room, encKey, signer, body, nonce);
    return { label: spec.label, about: spec.about, body: toJson(body) as Record<string, unknown>, body_msgpack: hex(sealed.bodyBytes), nonce: hex(nonce), env: hex(sealed.env), expect: spec.expect };
  });
  const bobCy = shown(['Bob', bob.publicKey], ['Cy', cy.publicKey]);
  const justBob = shown(['Bob', bob.publicKey]);
  const sequences: EditMentionSequence[] = [
    { about: 'no edit: the original\'s mentions', arrive: [{ label: 'original', id: 1 }], shown: { text: '@Bob meet at 3', edited: false, mentions: justBob } },
    {
      about: 'an edit adds a mention: the applying edit\'s mentions are shown',
      arrive: [{ label: 'original', id: 1 }, { label: 'adds', id: 2 }],
      shown: { text: '@Bob @Cy meet at 4', edited: true, mentions: bobCy },
    },
    {
      about: 'an edit with an empty array removes them all',
      arrive: [{ label: 'original', id: 1 }, { label: 'adds', id: 2 }, { label: 'clears', id: 3 }],
      shown: { text: 'meet at 4', edited: true, mentions: [] },
    },
    {
      about: 'a single edit without the field keeps the original\'s',
      arrive: [{ label: 'original', id: 1 }, { label: 'old', id: 2 }],
      shown: { text: 'meet at 5', edited: true, mentions: justBob },
    },
    {
      about: 'an edit without the field keeps those shown before it (the newest version that carries mentions)',
      arrive: [{ label: 'original', id: 1 }, { label: 'adds', id: 2 }, { label: 'old', id: 3 }],
      shown: { text: 'meet at 5', edited: true, mentions: bobCy },
    },
    {
      about: 'a malformed field is ignored: the edit applies, the mentions before it stay',
      arrive: [{ label: 'original', id: 1 }, { label: 'clears', id: 2 }, { label: 'short-key', id: 3 }],
      shown: { text: 'meet at 6', edited: true, mentions: [] },
    },
    {
      about: 'a forged edit (another signer) changes neither text nor mentions',
      arrive: [{ label: 'original', id: 1 }, { label: 'forged', id: 2 }],
      shown: { text: '@Bob meet at 3', edited: false, mentions: justBob },
    },
    {
      about: 'paging backwards: the edit arrives before its target and applies when it comes',
      arrive: [{ label: 'adds', id: 2 }, { label: 'original', id: 1 }],
      shown: { text: '@Bob @Cy meet at 4', edited: true, mentions: bobCy },
    },
    {
      about: 'the newer edit (by id) wins whatever order they arrive in',
      arrive: [{ label: 'original', id: 1 }, { label: 'clears', id: 3 }, { label: 'adds', id: 2 }],
      shown: { text: 'meet at 4', edited: true, mentions: [] },
    },
  ];
  return {
    about: 'message-app: edits carrying mentions (PROTOCOL.md section 13); byte strings are hex; keys from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    members: [
      { name: 'Bob', seed_byte: 0x01, key: hex(bob.publicKey), fingerprint: fingerprint(bob.publicKey) },
      { name: 'Cy', seed_byte: 0x02, key: hex(cy.publicKey), fingerprint: fingerprint(cy.publicKey) },
    ],
    cases,
    sequences,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildEditMentionVectors(), null, 2)}\n`);
