// Per-user key crypto (client/epochs/, PROTOCOL.md section 12) as runner-neutral cases against
// test/vectors/epochs-v1.json, with a negative case for every "must not"; run on Bun and on Node.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../../protocol/codec';
import { envelopeEpoch } from '../../protocol/epoch-header';
import { isFields } from '../../protocol/guards';
import { openEnvelope } from '../../client/envelope';
import { deriveRoomKeys, identityFromSeed } from '../../client/keys';
import { encodeEpochBody, guardEpochBody, type LinkBody } from '../../client/epochs/bodies';
import { openV2Plaintext, sealV2Body } from '../../client/epochs/envelope-v2';
import { openGrant, sealGrant } from '../../client/epochs/grant';
import {
  ownerKeyFromSeed,
  signOwnerAdd,
  signRotate,
  verifyOwnerAdd,
  verifyRotate,
  x25519FromSeed,
  x25519Shared,
} from '../../client/epochs/keys';

interface Kdf { n: number; r: number; p: number }
interface Vectors {
  identities: { name: string; seed: string; room: string; identity_public: string; x25519_private: string; x25519_public: string; owner_public: string }[];
  epoch_keys: { name: string; passphrase: string; room: string; salt: string; kdf: Kdf; enc_key: string; auth: string }[];
  rotate: { name: string; seed: string; room: string; epoch: number; salt: string; kdf: Kdf; auth: string; owner: string; sig: string }[];
  owner_add: { name: string; by_seed: string; room: string; by: string; owner: string; sig: string }[];
  envelopes: { name: string; room: string; epoch: number; enc_key: string; nonce: string; sender_seed: string; body: string; env: string }[];
  grants: { name: string; room: string; epoch: number; recipient_seed: string; x: string; passphrase: string; ikm_e: string; enc: string; ct: string }[];
}

const v = JSON.parse(readFileSync(join(__dirname, '../vectors/epochs-v1.json'), 'utf8')) as Vectors;
const h = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const hx = (b: Uint8Array) => Buffer.from(b).toString('hex');
const TEST_FLOOR = { n: 1024, r: 8, p: 1 };

export interface Case { name: string; run: () => void | Promise<void> }

export function epochCases(): Case[] {
  const cases: Case[] = [];
  for (const id of v.identities) {
    cases.push({
      name: `identity keys: ${id.name}`,
      run: () => {
        const x = x25519FromSeed(h(id.seed));
        assert.equal(hx(x.privateKey), id.x25519_private);
        assert.equal(hx(x.publicKey), id.x25519_public);
        assert.equal(hx(identityFromSeed(h(id.seed)).publicKey), id.identity_public);
        assert.equal(hx(ownerKeyFromSeed(h(id.seed), id.room).publicKey), id.owner_public);
        assert.notEqual(id.owner_public, id.identity_public, 'the owner key must not be the identity key');
      },
    });
  }
  cases.push({
    name: 'one seed gives one X25519 key but a different owner key per room (the server cannot link rooms)',
    run: () => {
      const [a, b] = v.identities;
      assert.ok(a && b && a.seed === b.seed && a.room !== b.room);
      assert.equal(a.x25519_public, b.x25519_public);
      assert.notEqual(a.owner_public, b.owner_public);
    },
  });
  cases.push({
    name: 'X25519 pairs agree (A with B public = B with A public)',
    run: () => {
      const a = x25519FromSeed(h(v.identities[0]!.seed));
      const b = x25519FromSeed(h(v.identities[2]!.seed));
      assert.equal(hx(x25519Shared(a.privateKey, b.publicKey)), hx(x25519Shared(b.privateKey, a.publicKey)));
    },
  });
  for (const e of v.epoch_keys) {
    cases.push({
      name: `epoch keys derive exactly as section 3: ${e.name}`,
      run: async () => {
        const keys = await deriveRoomKeys(e.passphrase, e.room, h(e.salt), e.kdf, { floor: TEST_FLOOR });
        assert.equal(hx(keys.encKey), e.enc_key);
        assert.equal(hx(keys.authPublic), e.auth);
      },
    });
  }
  for (const r of v.rotate) {
    cases.push({
      name: `rotate signature: ${r.name}`,
      run: () => {
        const owner = ownerKeyFromSeed(h(r.seed), r.room);
        const fields = { room: r.room, epoch: r.epoch, salt: h(r.salt), kdf: r.kdf, auth: h(r.auth) };
        assert.equal(hx(owner.publicKey), r.owner);
        assert.equal(hx(signRotate(owner, fields)), r.sig);
        assert.ok(verifyRotate(h(r.owner), fields, h(r.sig)));
        assert.ok(!verifyRotate(h(r.owner), { ...fields, epoch: r.epoch + 1 }, h(r.sig)), 'must not verify for another epoch');
        assert.ok(!verifyRotate(h(r.owner), { ...fields, auth: new Uint8Array(32) }, h(r.sig)), 'must not verify for another auth key');
        const other = ownerKeyFromSeed(new Uint8Array(32).fill(9), r.room);
        assert.ok(!verifyRotate(h(r.owner), fields, signRotate(other, fields)), 'must not verify a non-owner signature');
      },
    });
  }
  for (const a of v.owner_add) {
    cases.push({
      name: `owner_add signature: ${a.name}`,
      run: () => {
        const by = ownerKeyFromSeed(h(a.by_seed), a.room);
        assert.equal(hx(by.publicKey), a.by);
        assert.equal(hx(signOwnerAdd(by, h(a.owner))), a.sig);
        assert.ok(verifyOwnerAdd(a.room, h(a.by), h(a.owner), h(a.sig)));
        assert.ok(!verifyOwnerAdd(a.room + 'x', h(a.by), h(a.owner), h(a.sig)), 'must not verify in another room');
      },
    });
  }
  for (const e of v.envelopes) {
    cases.push({
      name: `v2 envelope: ${e.name}`,
      run: () => {
        const identity = identityFromSeed(h(e.sender_seed));
        const env = sealV2Body(e.room, e.epoch, h(e.enc_key), identity, h(e.body), h(e.nonce));
        assert.equal(hx(env), e.env);
        assert.equal(envelopeEpoch(env), e.epoch);
        const keyOf = (n: number) => (n === e.epoch ? h(e.enc_key) : undefined);
        const plain = openV2Plaintext(e.room, env, keyOf);
        assert.ok(plain);
        assert.equal(hx(plain.subarray(64)), e.body);
        // A version 1 client shows it as a placeholder, never content, never a crash.
        assert.deepEqual(openEnvelope({ room: e.room, encKey: h(e.enc_key), cid: 'zzzzzzzz', env }), { ok: false, reason: 'undecryptable' });
      },
    });
  }
  cases.push({
    name: 'a v2 envelope must not open with its epoch relabelled, in another room, or under another key',
    run: () => {
      const e = v.envelopes[0]!;
      const relabelled = h(e.env);
      relabelled[4] = (relabelled[4] ?? 0) + 1;
      const anyKey = () => h(e.enc_key);
      assert.equal(openV2Plaintext(e.room, h(e.env), anyKey) !== null, true);
      assert.equal(openV2Plaintext(e.room, relabelled, anyKey), null);
      assert.equal(openV2Plaintext(e.room + 'x', h(e.env), anyKey), null);
      assert.equal(openV2Plaintext(e.room, h(e.env), () => new Uint8Array(32)), null);
      assert.equal(openV2Plaintext(e.room, h(e.env), () => undefined), null);
      assert.equal(openV2Plaintext(e.room, h(e.env).subarray(0, 20), anyKey), null);
    },
  });
  cases.push({
    name: 'the header epoch: v1 is epoch 0, a short or unknown version is none (the server refuses those in a rotated room)',
    run: () => {
      assert.equal(envelopeEpoch(new Uint8Array([0x01, 9, 9])), 0);
      assert.equal(envelopeEpoch(h(v.envelopes[2]!.env)), 7);
      assert.equal(envelopeEpoch(new Uint8Array([0x02, 0, 0, 1])), null);
      assert.equal(envelopeEpoch(new Uint8Array([0x03, 0, 0, 0, 1])), null);
      assert.equal(envelopeEpoch(new Uint8Array(0)), null);
      assert.equal(envelopeEpoch(new Uint8Array([0x02, 0xff, 0xff, 0xff, 0xff])), 0xffffffff);
    },
  });
  cases.push({
    name: 'the back-link body encodes to the vector bytes and gives the previous epoch key',
    run: () => {
      const e = v.envelopes[1]!;
      const decoded = decodeBody(h(e.body));
      assert.ok(isFields(decoded));
      const from = decoded.from as { name: string; key: Uint8Array };
      const base = { cid: decoded.cid as string, ts: decoded.ts as number, from: { name: from.name, key: new Uint8Array(from.key) } };
      const body = guardEpochBody(decoded, base);
      assert.ok(body && body.k === 'link');
      const link = body as LinkBody;
      assert.equal(hx(link.prev.key), v.epoch_keys[0]!.enc_key);
      assert.equal(hx(encodeEpochBody(link)), e.body);
      assert.equal(guardEpochBody({ ...decoded, rel: { key: new Uint8Array(32), cid: base.cid } }, base), null, 'a rel not pointing at itself must be refused');
      assert.equal(guardEpochBody({ ...decoded, prev: { ...(decoded.prev as object), epoch: 5 } }, base), null, 'a link must point one epoch back');
    },
  });
  for (const g of v.grants) {
    cases.push({
      name: `grant (HPKE base, X25519/HKDF-SHA256/AES-256-GCM): ${g.name}`,
      run: async () => {
        const own = x25519FromSeed(h(g.recipient_seed));
        assert.equal(hx(own.publicKey), g.x);
        const entry = await sealGrant(g.room, g.epoch, own.publicKey, g.passphrase, h(g.ikm_e));
        assert.equal(hx(entry.enc), g.enc);
        assert.equal(hx(entry.ct), g.ct);
        assert.equal(await openGrant(g.room, g.epoch, own, [{ x: h(g.x), enc: h(g.enc), ct: h(g.ct) }]), g.passphrase);
        // A fresh (random ephemeral) seal opens too.
        const fresh = await sealGrant(g.room, g.epoch, own.publicKey, g.passphrase);
        assert.notEqual(hx(fresh.enc), g.enc);
        assert.equal(await openGrant(g.room, g.epoch, own, [fresh]), g.passphrase);
      },
    });
  }
  cases.push({
    name: 'a grant must not open for a removed member, for another epoch or room, or when tampered with',
    run: async () => {
      const g = v.grants[0]!;
      const own = x25519FromSeed(h(g.recipient_seed));
      const entry = { x: h(g.x), enc: h(g.enc), ct: h(g.ct) };
      const carol = x25519FromSeed(new Uint8Array(32).fill(0x42));
      assert.equal(await openGrant(g.room, g.epoch, carol, [entry]), null, 'no entry for her key');
      assert.equal(await openGrant(g.room, g.epoch, carol, [{ ...entry, x: carol.publicKey }]), null, 'relabelled entry');
      assert.equal(await openGrant(g.room, g.epoch + 1, own, [entry]), null);
      assert.equal(await openGrant('other', g.epoch, own, [entry]), null);
      const ct = h(g.ct);
      ct[0] = (ct[0] ?? 0) ^ 1;
      assert.equal(await openGrant(g.room, g.epoch, own, [{ ...entry, ct }]), null);
    },
  });
  return cases;
}
