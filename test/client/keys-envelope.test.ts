// Keys and envelopes offline: KDF limits, NFKC, base32 (RFC 4648 vectors), identities,
// and every way an envelope can be wrong (it must become a placeholder, never a throw).

import { describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { encodeBody } from '../../protocol/codec';
import { Dedupe, openEnvelope, Pins, sealEnvelope, sealPlaintext, type Body } from '../../client/envelope';
import { backoffDelay, parseAddress } from '../../client/connection';
import { KdfRefusedError, serverErrorSentence } from '../../client/errors';
import { ERROR_CODES } from '../../protocol/constants';
import { FileStateStore } from '../../client/file-store';
import {
  base32,
  checkKdf,
  DEFAULT_KDF,
  deriveRoomKeys,
  fingerprint,
  generateIdentity,
  identityFromSeed,
  KDF_CEILING,
  KDF_FLOOR,
} from '../../client/keys';
import { tempDir, TEST_KDF } from './helpers';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('KDF parameters', () => {
  test('the default, the floor and the ceiling are accepted', () => {
    for (const kdf of [DEFAULT_KDF, KDF_FLOOR, KDF_CEILING]) expect(() => checkKdf(kdf)).not.toThrow();
  });

  test('must not go below the floor: N=2^14, r=7 or p=0 are refused', () => {
    for (const kdf of [{ n: 2 ** 14, r: 8, p: 1 }, { n: 2 ** 17, r: 7, p: 1 }, { n: 2 ** 17, r: 8, p: 0 }]) {
      expect(() => checkKdf(kdf)).toThrow(KdfRefusedError);
    }
  });

  test('must not go above the ceiling: N=2^21, r=17 or p=5 are refused before any work', async () => {
    for (const kdf of [{ n: 2 ** 21, r: 8, p: 1 }, { n: 2 ** 17, r: 17, p: 1 }, { n: 2 ** 17, r: 8, p: 5 }]) {
      expect(() => checkKdf(kdf)).toThrow(KdfRefusedError);
      await expect(deriveRoomKeys('pw', 'room', new Uint8Array(16), kdf)).rejects.toBeInstanceOf(KdfRefusedError);
    }
  });

  test('N must be a power of two', () => {
    expect(() => checkKdf({ n: 100_000, r: 8, p: 1 })).toThrow('not a power of two');
  });

  test('only an explicit test floor admits cheap parameters', () => {
    expect(() => checkKdf(TEST_KDF)).toThrow(KdfRefusedError);
    expect(() => checkKdf(TEST_KDF, { floor: TEST_KDF })).not.toThrow();
  });

  test('the passphrase is NFKC-normalised and the room name separates keys', async () => {
    const salt = new Uint8Array(16).fill(1);
    const a = await deriveRoomKeys('\uFB01', 'room', salt, TEST_KDF, { floor: TEST_KDF }); // "ﬁ" ligature
    const b = await deriveRoomKeys('fi', 'room', salt, TEST_KDF, { floor: TEST_KDF });
    const c = await deriveRoomKeys('fi', 'other', salt, TEST_KDF, { floor: TEST_KDF });
    expect(a.encKey).toEqual(b.encKey);
    expect(a.roomSecret).toEqual(c.roomSecret);
    expect(a.encKey).not.toEqual(c.encKey);
    expect(a.authPublic).not.toEqual(c.authPublic);
  });
});

describe('identities and fingerprints', () => {
  test('base32 matches the RFC 4648 section 10 vectors (without padding)', () => {
    const cases: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [input, output] of cases) expect(base32(utf8(input))).toBe(output);
  });

  test('a fingerprint is 24 base32 characters in six groups of four', () => {
    const id = generateIdentity();
    expect(id.fingerprint).toMatch(/^([A-Z2-7]{4} ){5}[A-Z2-7]{4}$/);
    expect(fingerprint(id.publicKey)).toBe(id.fingerprint);
  });

  test('an identity restored from its seed is the same identity, and JSON never shows the seed', () => {
    const id = generateIdentity();
    const again = identityFromSeed(id.exportSeed());
    expect(again.publicKey).toEqual(id.publicKey);
    const json = JSON.stringify(id);
    expect(json).not.toContain(Buffer.from(id.exportSeed()).toString('hex'));
    expect(json).not.toContain(Buffer.from(id.exportSeed()).toString('base64'));
  });
});

describe('envelopes', () => {
  const encKey = new Uint8Array(randomBytes(32));
  const ada = generateIdentity();
  const body = (cid = 'cid-0123456789', text = 'hi'): Body => ({ cid, ts: 1, from: { name: 'Ada', key: ada.publicKey }, k: 'text', text });

  test('seal then open gives the body back', () => {
    const env = sealEnvelope({ room: 'r', encKey, identity: ada, body: body() });
    const opened = openEnvelope({ room: 'r', encKey, cid: 'cid-0123456789', env });
    expect(opened.ok && opened.body).toEqual(body());
  });

  test('must not open in another room (the room is in the AAD)', () => {
    const env = sealEnvelope({ room: 'r', encKey, identity: ada, body: body() });
    expect(openEnvelope({ room: 'r2', encKey, cid: 'cid-0123456789', env })).toEqual({ ok: false, reason: 'undecryptable' });
  });

  test('every single flipped bit makes it undecryptable', () => {
    const env = sealEnvelope({ room: 'r', encKey, identity: ada, body: body() });
    for (let i = 0; i < env.length; i++) {
      const copy = env.slice();
      copy[i] = (copy[i] ?? 0) ^ (1 << i % 8);
      expect(openEnvelope({ room: 'r', encKey, cid: 'cid-0123456789', env: copy })).toEqual({ ok: false, reason: 'undecryptable' });
    }
  });

  test('a forged signature is bad_signature; a cid other than the frame is cid_mismatch', () => {
    const mallory = generateIdentity();
    const bytes = encodeBody({ cid: 'cid-0123456789', ts: 1, from: { name: 'Ada', key: ada.publicKey }, k: 'text', text: 'forged' });
    const forged = sealPlaintext('r', encKey, new Uint8Array([...mallory.sign(bytes), ...bytes]));
    expect(openEnvelope({ room: 'r', encKey, cid: 'cid-0123456789', env: forged })).toEqual({ ok: false, reason: 'bad_signature' });
    const env = sealEnvelope({ room: 'r', encKey, identity: ada, body: body() });
    expect(openEnvelope({ room: 'r', encKey, cid: 'another-cid-123', env })).toMatchObject({ ok: false, reason: 'cid_mismatch' });
  });

  test('malformed bodies read as undecryptable and unknown kinds as unsupported', () => {
    const signed = (value: unknown): Uint8Array => {
      const bytes = encodeBody(value);
      return sealPlaintext('r', encKey, new Uint8Array([...ada.sign(new Uint8Array([...utf8('message-app/v1/sig:r'), 0, ...bytes])), ...bytes]));
    };
    const from = { name: 'Ada', key: ada.publicKey };
    const open = (value: unknown) => openEnvelope({ room: 'r', encKey, cid: 'cid-0123456789', env: signed(value) });
    expect(open([1, 2, 3]).ok).toBe(false);
    expect(open({ cid: 'cid-0123456789', ts: 1, from, k: 'text', text: 'fine' }).ok).toBe(true);
    expect(open({ cid: 'cid-0123456789', from, k: 'text', text: 'no ts' })).toEqual({ ok: false, reason: 'undecryptable' });
    expect(open({ cid: 'cid-0123456789', ts: 1, from: { name: 'Ada', key: new Uint8Array(5) }, k: 'text', text: 'x' })).toEqual({ ok: false, reason: 'undecryptable' });
    expect(open({ cid: 'cid-0123456789', ts: 1, from: { name: 'bad\nname', key: ada.publicKey }, k: 'text', text: 'x' })).toEqual({ ok: false, reason: 'undecryptable' });
    expect(open({ cid: 'cid-0123456789', ts: 1, from, k: 'poll', q: '?' })).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(open({ cid: 'cid-0123456789', ts: 1, from, k: 'image', mime: 'image/svg+xml', w: 1, h: 1, data: new Uint8Array(3) })).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(open({ cid: 'cid-0123456789', ts: 1, from, k: 'text', text: 'x'.repeat(64 * 1024 + 1) })).toMatchObject({ ok: false, reason: 'unsupported' });
  });

  test('random bytes never throw (fuzz, 2000 inputs)', () => {
    for (let i = 0; i < 2000; i++) {
      const env = new Uint8Array(randomBytes(i % 200));
      if (i % 3 === 0 && env.length > 0) env[0] = 1;
      const opened = openEnvelope({ room: 'r', encKey, cid: 'cid-0123456789', env });
      expect(opened.ok).toBe(false);
    }
  });

  test('dedupe drops a repeated (sender key, cid) pair per room', () => {
    const dedupe = new Dedupe();
    expect(dedupe.add('r', ada.publicKey, 'c1-aaaaaaa')).toBe(true);
    expect(dedupe.add('r', ada.publicKey, 'c1-aaaaaaa')).toBe(false);
    expect(dedupe.add('r', generateIdentity().publicKey, 'c1-aaaaaaa')).toBe(true);
    expect(dedupe.add('other', ada.publicKey, 'c1-aaaaaaa')).toBe(true);
  });

  test('pins: first key per name wins, another key is a changed key, and pins survive a restart', async () => {
    const store = new FileStateStore(tempDir());
    const pins = new Pins(store);
    await pins.load('r');
    const impostor = generateIdentity();
    expect(pins.check('r', 'Ada', ada.publicKey)).toBe(true);
    expect(pins.check('r', 'Ada', impostor.publicKey)).toBe(false);
    expect(pins.check('r', 'Ada', ada.publicKey)).toBe(true);
    expect(pins.check('other', 'Ada', impostor.publicKey)).toBe(true); // per room
    await new Promise((r) => setTimeout(r, 50)); // saves are fire-and-forget
    const restarted = new Pins(new FileStateStore(store.dir));
    await restarted.load('r');
    expect(restarted.check('r', 'Ada', impostor.publicKey)).toBe(false);
    expect(restarted.check('r', 'Ada', ada.publicKey)).toBe(true);
  });
});

describe('file store', () => {
  test('outbox entries, cursors and pins persist across instances; files are private', async () => {
    const dir = tempDir();
    const a = new FileStateStore(dir);
    await a.add({ room: 'r', cid: 'cid-bbbbbbbb', env: new Uint8Array([1, 2]), queuedAt: 20 });
    await a.add({ room: 'r', cid: 'cid-aaaaaaaa', env: new Uint8Array([3]), queuedAt: 10 });
    await a.setCursor('r', 41);
    await a.setCursor('r', 42);
    const b = new FileStateStore(dir);
    expect((await b.list()).map((e) => [e.cid, e.queuedAt, [...e.env]])).toEqual([['cid-aaaaaaaa', 10, [3]], ['cid-bbbbbbbb', 20, [1, 2]]]);
    expect(await b.getCursor('r')).toBe(42);
    await b.remove('r', 'cid-aaaaaaaa');
    expect((await new FileStateStore(dir).list()).map((e) => e.cid)).toEqual(['cid-bbbbbbbb']);
    const { statSync, readdirSync } = await import('node:fs');
    expect(statSync(`${dir}/cursors.json`).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('connection pieces', () => {
  test('reconnect backoff doubles from the minimum, is capped, and jitters between 50% and 100%', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 500, 30_000, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(10, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(1000, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(2000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, 500, 30_000);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });

  test('addresses are HOST:PORT (IPv6 in brackets); anything else is refused with a sentence', () => {
    expect(parseAddress('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
    expect(parseAddress('chat.example.org:443')).toEqual({ host: 'chat.example.org', port: 443 });
    expect(parseAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    for (const bad of ['localhost', ':7000', 'host:0', 'host:70000', 'a b:1', 'host:port']) {
      expect(() => parseAddress(bad)).toThrow('is not a server address of the form HOST:PORT.');
    }
  });

  test('every server error code has a full sentence for users', () => {
    for (const code of ERROR_CODES) {
      const sentence = serverErrorSentence(code, 'general');
      expect(sentence).toMatch(/^[A-Z].*[.]$/);
      if (code.includes('_')) expect(sentence).not.toContain(code); // never the raw code
    }
  });
});
