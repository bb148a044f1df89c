// Writes test/vectors/epochs-v1.json (PROTOCOL.md section 12) from node:crypto, @msgpack/msgpack and @hpke/core, without the project's client code: `npx tsx test/vectors/gen-epochs-v1.ts`.

import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { encode } from '@msgpack/msgpack';
import { createCipheriv, createPrivateKey, createPublicKey, hkdfSync, scryptSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hex = (b: Uint8Array | Buffer) => Buffer.from(b).toString('hex');
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};
const hkdf = (ikm: Buffer, info: string) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, 32));
const edPrivate = (seed: Buffer) =>
  createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const xPrivate = (raw: Buffer) =>
  createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
const rawPublic = (key: ReturnType<typeof createPrivateKey>) => {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return spki.subarray(spki.length - 32);
};

const seedA = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const seedB = Buffer.alloc(32, 0xff);
const seedC = Buffer.alloc(32, 0x42);

function identity(name: string, seed: Buffer, room: string) {
  const x = hkdf(seed, 'message-app/v1/x25519-key');
  const ownerSeed = hkdf(seed, 'message-app/v1/owner:' + room);
  return {
    name,
    seed: hex(seed),
    room,
    identity_public: hex(rawPublic(edPrivate(seed))),
    x25519_private: hex(x),
    x25519_public: hex(rawPublic(xPrivate(x))),
    owner_seed: hex(ownerSeed),
    owner_public: hex(rawPublic(edPrivate(ownerSeed))),
  };
}

// Epoch keys: section 3 unchanged (scrypt -> HKDF). Test-sized scrypt (N = 2^10) so suites stay fast.
function epochKeys(name: string, passphrase: string, room: string, salt: Buffer) {
  const kdf = { n: 1024, r: 8, p: 1 };
  const secret = scryptSync(Buffer.from(passphrase.normalize('NFKC')), salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p });
  const authSeed = hkdf(secret, 'message-app/v1/auth:' + room);
  return {
    name,
    passphrase,
    room,
    salt: hex(salt),
    kdf,
    room_secret: hex(secret),
    enc_key: hex(hkdf(secret, 'message-app/v1/enc:' + room)),
    auth_seed: hex(authSeed),
    auth: hex(rawPublic(edPrivate(authSeed))),
  };
}

function rotateSig(name: string, seed: Buffer, room: string, epoch: number, salt: Buffer, kdf: { n: number; r: number; p: number }, auth: Buffer) {
  const owner = edPrivate(hkdf(seed, 'message-app/v1/owner:' + room));
  const signed = Buffer.concat([Buffer.from('message-app/v1/rotate:' + room), Buffer.from([0]), u32(epoch), salt, u32(kdf.n), u32(kdf.r), u32(kdf.p), auth]);
  return { name, seed: hex(seed), room, epoch, salt: hex(salt), kdf, auth: hex(auth), owner: hex(rawPublic(owner)), signed: hex(signed), sig: hex(sign(null, signed, owner)) };
}

function ownerAdd(name: string, bySeed: Buffer, newSeed: Buffer, room: string) {
  const by = edPrivate(hkdf(bySeed, 'message-app/v1/owner:' + room));
  const owner = rawPublic(edPrivate(hkdf(newSeed, 'message-app/v1/owner:' + room)));
  const signed = Buffer.concat([Buffer.from('message-app/v1/owner-add:' + room), Buffer.from([0]), owner]);
  return { name, by_seed: hex(bySeed), room, by: hex(rawPublic(by)), owner: hex(owner), sig: hex(sign(null, signed, by)) };
}

function envelope(name: string, room: string, epoch: number, encKey: Buffer, nonce: Buffer, senderSeed: Buffer, body: Record<string, unknown>) {
  const bodyBytes = Buffer.from(encode(body));
  const signature = sign(null, Buffer.concat([Buffer.from('message-app/v1/sig:' + room), Buffer.from([0]), bodyBytes]), edPrivate(senderSeed));
  const aad = Buffer.concat([Buffer.from('message-app/v2/env:' + room), Buffer.from([0]), u32(epoch)]);
  const cipher = createCipheriv('aes-256-gcm', encKey, nonce);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(Buffer.concat([signature, bodyBytes])), cipher.final(), cipher.getAuthTag()]);
  return { name, room, epoch, enc_key: hex(encKey), nonce: hex(nonce), sender_seed: hex(senderSeed), body: hex(bodyBytes), aad: hex(aad), env: hex(Buffer.concat([Buffer.from([2]), u32(epoch), nonce, ct])) };
}

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const ab = (b: Buffer) => new Uint8Array(b).slice().buffer;

async function grant(name: string, room: string, epoch: number, recipientSeed: Buffer, passphrase: string, ikmE: Buffer) {
  const xPub = rawPublic(xPrivate(hkdf(recipientSeed, 'message-app/v1/x25519-key')));
  const info = Buffer.concat([Buffer.from('message-app/v1/grant:' + room), Buffer.from([0]), u32(epoch)]);
  const sealed = await suite.seal(
    { recipientPublicKey: await suite.kem.importKey('raw', ab(xPub), true), info: ab(info), ekm: ab(ikmE) },
    ab(Buffer.from(passphrase.normalize('NFKC'))),
    ab(xPub),
  );
  return { name, room, epoch, recipient_seed: hex(recipientSeed), x: hex(xPub), passphrase, info: hex(info), ikm_e: hex(ikmE), enc: hex(new Uint8Array(sealed.enc)), ct: hex(new Uint8Array(sealed.ct)) };
}

const salt1 = Buffer.alloc(16, 0x11);
const salt0 = Buffer.alloc(16, 0x00);
const e0 = epochKeys('epoch 0 of room general (section 3 as today)', 'correct horse battery staple', 'general', salt0);
const e1 = epochKeys('epoch 1 of room general: a new passphrase and salt, the same derivation', 'tidy-otter-lamp-violet-seven', 'general', salt1);
const keyA = Buffer.from(rawPublic(edPrivate(seedA)));
const keyB = Buffer.from(rawPublic(edPrivate(seedB)));
const cidLink = 'bGluay1lcG9jaC0x';

async function main(): Promise<void> {
const out = {
  source:
    'PROTOCOL.md section 12; generated by test/vectors/gen-epochs-v1.ts with node:crypto (RFC 5869 HKDF, RFC 7914 scrypt, RFC 7748 X25519, RFC 8032 Ed25519, AES-256-GCM), @msgpack/msgpack and @hpke/core + @hpke/dhkem-x25519 (RFC 9180 base mode, fixed ephemeral key material ikmE through DeriveKeyPair)',
  identities: [identity('seed 00..1f, room general', seedA, 'general'), identity('same seed, room team-1: another owner key, same X25519 key', seedA, 'team-1'), identity('seed ff..ff, room general', seedB, 'general')],
  epoch_keys: [e0, e1],
  rotate: [
    rotateSig('owner A rotates general to epoch 1', seedA, 'general', 1, salt1, e1.kdf, Buffer.from(e1.auth, 'hex')),
    rotateSig('owner A names epoch 2 instead: another signature', seedA, 'general', 2, salt1, e1.kdf, Buffer.from(e1.auth, 'hex')),
  ],
  owner_add: [ownerAdd('owner A adds B as owner of general', seedA, seedB, 'general'), ownerAdd('a claim: C signs its own owner key', seedC, seedC, 'general')],
  envelopes: [
    envelope('epoch 1 text from A', 'general', 1, Buffer.from(e1.enc_key, 'hex'), Buffer.alloc(12, 0x01), seedA, {
      cid: 'AAECAwQFBgcICQoLDA0ODw',
      ts: 1767225600000,
      from: { name: 'Ada', key: keyA },
      k: 'text',
      text: 'after the rotation',
    }),
    envelope('the back-link: first message of epoch 1 carries epoch 0 enc_key', 'general', 1, Buffer.from(e1.enc_key, 'hex'), Buffer.alloc(12, 0x02), seedA, {
      cid: cidLink,
      ts: 1767225600001,
      from: { name: 'Ada', key: keyA },
      k: 'link',
      rel: { key: keyA, cid: cidLink },
      epoch: 1,
      prev: { epoch: 0, key: Buffer.from(e0.enc_key, 'hex'), salt: salt0, kdf: e0.kdf },
    }),
    envelope('epoch 7, a long room name, from B', 'r'.repeat(64), 7, Buffer.alloc(32, 0x77), Buffer.alloc(12, 0xff), seedB, {
      cid: 'zzzzzzzz',
      ts: 1,
      from: { name: 'Bob', key: keyB },
      k: 'text',
      text: 'seven',
    }),
  ],
  grants: [
    await grant('epoch 1 passphrase for B', 'general', 1, seedB, 'tidy-otter-lamp-violet-seven', Buffer.alloc(32, 0x0e)),
    await grant('same for A (the owner includes itself)', 'general', 1, seedA, 'tidy-otter-lamp-violet-seven', Buffer.alloc(32, 0x0f)),
  ],
};

writeFileSync(join(__dirname, 'epochs-v1.json'), JSON.stringify(out, null, 2) + '\n');
}

void main();
