// The protocol-v1 test vectors as runner-neutral cases, shared by the bun:test suite and
// the mocha suite that proves the same code on Node 20 (the extension host's runtime).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../protocol/codec';
import type { KdfParams } from '../../protocol/frames';
import {
  encodeEnvelopeBody,
  openEnvelope,
  sealEnvelope,
  signBody,
  verifyBody,
  type Body,
} from '../../client/envelope';
import { deriveRoomKeys, fingerprint, identityFromSeed, joinProof, type RoomKeys } from '../../client/keys';

interface VectorMessage {
  body: Record<string, unknown> & { from: { name: string; key: string } };
  body_msgpack: string;
  signature: string;
  nonce: string;
  env: string;
}

interface Vectors {
  passphrase: string;
  room: string;
  salt: string;
  kdf: KdfParams;
  room_secret: string;
  enc_key: string;
  auth_seed: string;
  auth_pub: string;
  challenge: string;
  join_proof: string;
  identity_seed: string;
  identity_pub: string;
  fingerprint: string;
  messages: VectorMessage[];
}

/** Source: test/vectors/protocol-v1.json, computed by an independent implementation. */
export function loadVectors(): Vectors {
  // Tests run from the repository root (bun test and mocha both do).
  return JSON.parse(readFileSync(join(process.cwd(), 'test/vectors/protocol-v1.json'), 'utf8')) as Vectors;
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** The vector's JSON body as a typed Body (hex byte strings turned into bytes). */
export function vectorBody(m: VectorMessage): Body {
  const b = m.body;
  const from = { name: m.body.from.name, key: unhex(m.body.from.key) };
  if (b.k === 'text') return { cid: String(b.cid), ts: Number(b.ts), from, k: 'text', text: String(b.text) };
  const body: Body = {
    cid: String(b.cid),
    ts: Number(b.ts),
    from,
    k: 'image',
    mime: b.mime === 'image/png' ? 'image/png' : 'image/jpeg',
    w: Number(b.w),
    h: Number(b.h),
    data: unhex(String(b.data)),
  };
  if (typeof b.name === 'string') body.name = b.name;
  return body;
}

export interface VectorCase {
  name: string;
  run: () => Promise<void> | void;
}

/** Every value in the vectors file, each as its own case. The scrypt (N=2^17) runs once. */
export function vectorCases(): VectorCase[] {
  const v = loadVectors();
  let keysPromise: Promise<RoomKeys> | undefined;
  const keys = (): Promise<RoomKeys> =>
    (keysPromise ??= deriveRoomKeys(v.passphrase, v.room, unhex(v.salt), v.kdf));
  const identity = identityFromSeed(unhex(v.identity_seed));

  const cases: VectorCase[] = [
    { name: 'room_secret is scrypt of the NFKC passphrase with the default KDF', run: async () => assert.equal(hex((await keys()).roomSecret), v.room_secret) },
    { name: 'enc_key is HKDF-SHA256 with info message-app/v1/enc:room', run: async () => assert.equal(hex((await keys()).encKey), v.enc_key) },
    { name: 'auth_seed is HKDF-SHA256 with info message-app/v1/auth:room', run: async () => assert.equal(hex((await keys()).authSeed), v.auth_seed) },
    { name: 'auth_pub is the Ed25519 public key of auth_seed', run: async () => assert.equal(hex((await keys()).authPublic), v.auth_pub) },
    {
      name: 'join_proof signs the challenge with the room auth key',
      run: async () => assert.equal(hex(joinProof(await keys(), unhex(v.challenge))), v.join_proof),
    },
    { name: 'identity_pub is the Ed25519 public key of identity_seed', run: () => assert.equal(hex(identity.publicKey), v.identity_pub) },
    {
      name: 'fingerprint is base32 of the first 15 bytes of SHA-256(identity_pub), in groups of four',
      run: () => {
        assert.equal(identity.fingerprint, v.fingerprint);
        assert.equal(fingerprint(unhex(v.identity_pub)), v.fingerprint);
      },
    },
  ];

  v.messages.forEach((m, i) => {
    const kind = String(m.body.k);
    const label = `message ${i + 1} (${kind})`;
    cases.push(
      {
        name: `${label}: body_msgpack is the body with keys in protocol order`,
        run: () => assert.equal(hex(encodeEnvelopeBody(vectorBody(m))), m.body_msgpack),
      },
      {
        name: `${label}: signature signs message-app/v1/sig:room 0x00 body and verifies`,
        run: () => {
          const bodyBytes = unhex(m.body_msgpack);
          assert.equal(hex(signBody(identity, v.room, bodyBytes)), m.signature);
          assert.equal(verifyBody(identity.publicKey, v.room, bodyBytes, unhex(m.signature)), true);
        },
      },
      {
        name: `${label}: env is sealed with the given nonce`,
        run: async () => {
          const env = sealEnvelope({ room: v.room, encKey: (await keys()).encKey, identity, body: vectorBody(m), nonce: unhex(m.nonce) });
          assert.equal(hex(env), m.env);
        },
      },
      {
        name: `${label}: env opens to the same body`,
        run: async () => {
          const opened = openEnvelope({ room: v.room, encKey: (await keys()).encKey, cid: String(m.body.cid), env: unhex(m.env) });
          assert.equal(opened.ok, true);
          if (!opened.ok) return;
          assert.deepEqual(opened.body, vectorBody(m));
          assert.equal(hex(opened.bodyBytes), m.body_msgpack);
          assert.deepEqual(decodeBody(opened.bodyBytes), decodeBody(unhex(m.body_msgpack)));
        },
      },
    );
  });
  return cases;
}
