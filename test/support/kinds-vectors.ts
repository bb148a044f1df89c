// Builds test/vectors/protocol-v1-kinds.json: envelopes of kinds a v1 client does not
// know (PROTOCOL.md section 4, "Kinds a client does not know"). Deterministic (fixed
// nonces, Ed25519 signs deterministically), so the committed file can be checked
// against a fresh build. Regenerate: npx bun test/support/kinds-vectors.ts > test/vectors/protocol-v1-kinds.json

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBody } from '../../protocol/codec';
import { sealPlaintext, signBody } from '../../client/envelope';
import { identityFromSeed, type Identity } from '../../client/keys';

export type KindExpectation = 'placeholder_unsupported' | 'ignored' | 'text';

export interface KindVector {
  about: string;
  /** The body as JSON, byte strings in hex. */
  body: Record<string, unknown>;
  body_msgpack: string;
  signature: string;
  nonce: string;
  env: string;
  expect: KindExpectation;
}

export interface KindVectors {
  about: string;
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
  cases: KindVector[];
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** The room, room key and identity every generated vector file reuses, from test/vectors/protocol-v1.json. */
export interface BaseVectorKeys {
  room: string;
  enc_key: string;
  identity_seed: string;
  identity_pub: string;
}

export function readBaseVectors<T extends BaseVectorKeys = BaseVectorKeys>(): { base: T; identity: Identity; encKey: Uint8Array } {
  const base = JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1.json'), 'utf8')) as T;
  return { base, identity: identityFromSeed(unhex(base.identity_seed)), encKey: unhex(base.enc_key) };
}

/** A body map in wire order (cid, ts, from, k, then the kind's fields) for `from`. */
export function unknownKindBody(identity: Identity, name: string, cid: string, ts: number, k: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { cid, ts, from: { name, key: identity.publicKey }, k, ...fields };
}

/** Signs and seals any body map: the way a newer client would send a kind this one does not know. */
export function sealRawBody(room: string, encKey: Uint8Array, identity: Identity, body: Record<string, unknown>, nonce?: Uint8Array): { bodyBytes: Uint8Array; signature: Uint8Array; env: Uint8Array } {
  const bodyBytes = encodeBody(body);
  const signature = signBody(identity, room, bodyBytes);
  return { bodyBytes, signature, env: sealPlaintext(room, encKey, new Uint8Array([...signature, ...bodyBytes]), nonce) };
}

/** A body map as JSON: byte strings in hex. */
export function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

/** The vectors, on the room, room key and identity of test/vectors/protocol-v1.json. */
export function buildKindVectors(): KindVectors {
  const { base, identity, encKey } = readBaseVectors<BaseVectorKeys & { messages: { body: { cid: string } }[] }>();
  const target = base.messages[0]?.body.cid ?? 'AAECAwQFBgcICQoLDA0ODw';
  const ts = 1764230500000;
  const specs: { about: string; body: Record<string, unknown>; expect: KindExpectation }[] = [
    {
      about: 'a message of an unknown kind (no rel): shown as the "this version cannot show it" placeholder',
      body: unknownKindBody(identity, 'Ada', 'EBESExQVFhcYGRobHB0eHw', ts, 'poll', { question: 'Lunch?', options: ['yes', 'no'] }),
      expect: 'placeholder_unsupported',
    },
    {
      about: 'a modifier of an unknown kind (rel names the target by sender key and cid): ignored silently',
      body: unknownKindBody(identity, 'Ada', 'ICEiIyQlJicoKSorLC0uLw', ts + 1, 'reaction', { rel: { key: identity.publicKey, cid: target }, emoji: '👍' }),
      expect: 'ignored',
    },
    {
      about: 'an unknown kind whose rel is not even a map is still a modifier: ignored, not a placeholder',
      body: unknownKindBody(identity, 'Ada', 'MDEyMzQ1Njc4OTo7PD0-Pw', ts + 2, 'delete', { rel: 7 }),
      expect: 'ignored',
    },
    {
      about: 'a known kind (text) carrying rel: a v1 receiver ignores rel and shows the text',
      body: unknownKindBody(identity, 'Ada', 'QEFCQ0RFRkdISUpLTE1OTw', ts + 3, 'text', { text: 'edited?', rel: { key: identity.publicKey, cid: target } }),
      expect: 'text',
    },
  ];
  const cases = specs.map((spec, i): KindVector => {
    const nonce = new Uint8Array(12).fill(0xa0 + i);
    const sealed = sealRawBody(base.room, encKey, identity, spec.body, nonce);
    return {
      about: spec.about,
      body: toJson(spec.body) as Record<string, unknown>,
      body_msgpack: hex(sealed.bodyBytes),
      signature: hex(sealed.signature),
      nonce: hex(nonce),
      env: hex(sealed.env),
      expect: spec.expect,
    };
  });
  return {
    about: 'message-app protocol v1: kinds a client does not know (PROTOCOL.md section 4); byte strings are hex; keys from protocol-v1.json',
    room: base.room,
    enc_key: base.enc_key,
    identity_seed: base.identity_seed,
    identity_pub: base.identity_pub,
    cases,
  };
}

if (import.meta.main) process.stdout.write(`${JSON.stringify(buildKindVectors(), null, 2)}\n`);
