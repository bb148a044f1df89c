// Issue 11's client modules alone: names (invisible characters, TR39 skeletons), passphrases, invites,
// room-parameter pins, the replay memory, the trust decision and the time shown for a message.

import { describe, expect, test } from 'bun:test';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatInvite, parseInvite } from '../../client/invite';
import { assertSendableName, escapeName, invisibleIn, looksLike, pinKeyOf, skeleton } from '../../client/names';
import { checkNewPassphrase, generatePassphrase, MIN_GUESSES } from '../../client/passphrase';
import { MemoryReplayStore, ReplayFileStore, ReplayMemory } from '../../client/replay';
import { checkRoomParams, checkRoomVanished, MemoryRoomParamStore, RoomParamsChangedError, RoomParamsFile } from '../../client/room-params';
import { messageTimes } from '../../client/signed-time';
import { KnownServersFile, MemoryTrustStore } from '../../client/trust/known-servers';
import { CertificateChangedError, decideTrust, fingerprintOfDer, parseFingerprint } from '../../client/trust/tls';
import { certificateFingerprint } from '../../server/tls';
import { REPO_ROOT } from '../support/server';
import { tempDir } from './helpers';

const FP_A = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const FP_B = 'SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

describe('names', () => {
  test.each(['Ada\u200B', 'Ada\u200D', '\u202EadA', 'A\u2066da', 'Ada\uFEFF', 'Ada\u00AD', 'Ada\u3164', 'Ada\u00A0L', 'Ada\uFE0F'])(
    'refuses %j at send',
    (name) => {
      expect(invisibleIn(name).length).toBeGreaterThan(0);
      expect(() => assertSendableName(name)).toThrow(/invisible or text-direction characters/);
    },
  );

  test.each(['Ada', 'Ada Lovelace', 'Zoë', 'Łukasz', '山田', 'José-María'])('accepts %j', (name) => {
    expect(invisibleIn(name)).toEqual([]);
    expect(() => assertSendableName(name)).not.toThrow();
  });

  test('look-alikes share a skeleton (UTS #39 confusables), so pins meet them', () => {
    expect(looksLike('\u0410da', 'Ada')).toBe(true); // Cyrillic A
    expect(looksLike('Ad\u0430', 'Ada')).toBe(true); // Cyrillic a
    expect(looksLike('Ada\u200B', 'Ada')).toBe(true);
    expect(looksLike('rn', 'm')).toBe(true);
    expect(looksLike('Ada', 'Ada')).toBe(false); // the same name is not a look-alike
    expect(looksLike('Bob', 'Ada')).toBe(false);
    expect(pinKeyOf('\u0410da')).toBe(pinKeyOf('Ada'));
    expect(skeleton('Ada')).toBe(skeleton('Ada'.normalize('NFD')));
  });

  test('a received name shows its invisible characters escaped', () => {
    expect(escapeName('Ada\u200B')).toBe('Ada\\u{200B}');
    expect(escapeName('\u202EadA')).toBe('\\u{202E}adA');
    expect(escapeName('Ada')).toBe('Ada');
  });
});

describe('passphrases', () => {
  test('generated: six distinct-looking words from the 7776-word EFF list, strong enough', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const p = generatePassphrase();
      expect(p).toMatch(/^[a-z-]+( [a-z-]+){5}$/);
      expect(checkNewPassphrase(p).ok).toBe(true);
      seen.add(p);
    }
    expect(seen.size).toBe(20);
  });

  test.each(['waffles', 'correct horse', 'password123', 'Tr0ub4dor&3', 'qwertyuiop', 'aaaaaaaaaaaa'])('refuses %j for a new room, saying why', (p) => {
    const verdict = checkNewPassphrase(p);
    expect(verdict.ok).toBe(false);
    expect(verdict.guesses).toBeLessThan(MIN_GUESSES);
    if (!verdict.ok) expect(verdict.sentence).toContain('too easy to guess for a new room');
  });

  test('the room name counts as known to an attacker', () => {
    expect(checkNewPassphrase('teamroom-alpha-2024', ['teamroom-alpha-2024']).ok).toBe(false);
  });
});

describe('invites', () => {
  test('round trip, with and without a fingerprint', () => {
    const withFp = { server: 'chat.example.org:7443', room: 'team', fingerprint: FP_A };
    expect(formatInvite(withFp)).toBe(`message-app://chat.example.org:7443/team#${FP_A}`);
    expect(parseInvite(formatInvite(withFp))).toEqual(withFp);
    expect(parseInvite('  message-app://[::1]:7443/team \n')).toEqual({ server: '[::1]:7443', room: 'team' });
  });

  test.each([
    ['https://chat.example.org/team', /should start with/],
    ['message-app://chat.example.org:7443', /no room/],
    ['message-app://chat.example.org:7443/Team', /not a room name/],
    ['message-app://chat.example.org/team', /HOST:PORT/],
    ['message-app://h:1/team#SHA256:short', /fingerprint is damaged/],
  ])('refuses %j', (text, message) => {
    expect(() => parseInvite(text)).toThrow(message);
  });

  test('never carries a passphrase: only server, room and fingerprint fields exist', () => {
    expect(Object.keys(parseInvite(`message-app://h:1/r#${FP_A}`)).sort()).toEqual(['fingerprint', 'room', 'server']);
  });
});

describe('room-parameter pins', () => {
  const salt = new Uint8Array(16).fill(7);
  const kdf = { n: 131072, r: 8, p: 1 };

  test('nothing pinned: anything passes; pinned: the same passes, a swap or lower N throws', async () => {
    const store = new MemoryRoomParamStore();
    await checkRoomParams(store, 'h:1', 'r', { salt, kdf });
    await store.set('h:1', 'r', { salt, kdf });
    await checkRoomParams(store, 'h:1', 'r', { salt: new Uint8Array(salt), kdf: { ...kdf } });
    await expect(checkRoomParams(store, 'h:1', 'r', { salt: new Uint8Array(16), kdf })).rejects.toThrow(RoomParamsChangedError);
    await expect(checkRoomParams(store, 'h:1', 'r', { salt, kdf: { ...kdf, n: 32768 } })).rejects.toThrow(/N 131072 -> 32768/);
    // Per server: the same room name elsewhere is another room.
    await checkRoomParams(store, 'h:2', 'r', { salt: new Uint8Array(16), kdf });
    await store.forget('h:1', 'r');
    await checkRoomParams(store, 'h:1', 'r', { salt: new Uint8Array(16), kdf });
  });

  test('the file store keeps pins across instances, mode 0600', async () => {
    const path = join(tempDir(), 'room-params.json');
    await new RoomParamsFile(path).set('h:1', 'r', { salt, kdf });
    expect(await new RoomParamsFile(path).get('h:1', 'r')).toEqual({ salt, kdf });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('replay memory', () => {
  test('the same (key, cid) under the same id passes again; under another id it is a replay', () => {
    const memory = new ReplayMemory(new MemoryReplayStore());
    expect(memory.accept('r', 'aa', 'cid00001', 5)).toBe(true);
    expect(memory.accept('r', 'aa', 'cid00001', 5)).toBe(true);
    expect(memory.accept('r', 'aa', 'cid00001', 9)).toBe(false);
    expect(memory.accept('r', 'bb', 'cid00001', 9)).toBe(true); // another sender's cid
    expect(memory.accept('other', 'aa', 'cid00001', 9)).toBe(true); // another room
  });

  test('is bounded per room: the oldest entries go first', () => {
    const memory = new ReplayMemory(new MemoryReplayStore(), 3);
    for (let i = 1; i <= 4; i++) memory.accept('r', 'aa', `cid0000${i}`, i);
    expect(memory.accept('r', 'aa', 'cid00001', 100)).toBe(true); // forgotten
    expect(memory.accept('r', 'aa', 'cid00004', 100)).toBe(false); // remembered
  });

  test('survives a restart through its file store', async () => {
    const store = new ReplayFileStore(join(tempDir(), 'replay'));
    const before = new ReplayMemory(store);
    await before.load('r');
    before.accept('r', 'aa', 'cid00001', 5);
    await before.flush();
    const after = new ReplayMemory(store);
    await after.load('r');
    expect(after.accept('r', 'aa', 'cid00001', 6)).toBe(false);
  });
});

describe('trust decision', () => {
  test('no pin: a CA-valid certificate passes unpinned, another is asked about', async () => {
    const store = new MemoryTrustStore();
    expect(await decideTrust(store, 'h:1', { fingerprint: FP_A, caValid: true })).toEqual({ kind: 'ca' });
    expect(await decideTrust(store, 'h:1', { fingerprint: FP_A, caValid: false, caError: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toEqual({
      kind: 'ask',
      fingerprint: FP_A,
    });
  });

  test('a pin wins over any CA: same passes, different throws with both fingerprints', async () => {
    const store = new MemoryTrustStore();
    await store.set('h:1', FP_A);
    expect(await decideTrust(store, 'h:1', { fingerprint: FP_A, caValid: false })).toEqual({ kind: 'pinned', pin: FP_A });
    const changed = decideTrust(store, 'h:1', { fingerprint: FP_B, caValid: true });
    await expect(changed).rejects.toThrow(CertificateChangedError);
    await expect(changed).rejects.toThrow(new RegExp(`${FP_A.replace(/[+/]/g, '.')}.*${FP_B.replace(/[+/]/g, '.')}`));
  });

  test('fingerprints are checked when pasted; the known-servers file refuses to be read when damaged', async () => {
    expect(parseFingerprint(` ${FP_A} `)).toBe(FP_A);
    expect(parseFingerprint('SHA256:abc')).toBeNull();
    expect(parseFingerprint('aa:bb')).toBeNull();
    const path = join(tempDir(), 'known-servers.json');
    const file = new KnownServersFile(path);
    await file.set('h:1', FP_A);
    expect(await new KnownServersFile(path).get('h:1')).toBe(FP_A);
    await Bun.write(path, '{"h:1": "not a fingerprint"}');
    await expect(file.get('h:1')).rejects.toThrow(/damaged/);
  });
});

describe('signed time', () => {
  test('both times only when they differ by more than five minutes', () => {
    expect(messageTimes(1_000_000, 1_000_000 + 5 * 60_000)).toEqual({ signed: 1_000_000 });
    expect(messageTimes(1_000_000, 1_000_000 + 5 * 60_000 + 1)).toEqual({ signed: 1_000_000, server: 1_300_001 });
    expect(messageTimes(1_000_000 + 10 * 60_000, 1_000_000)).toEqual({ signed: 1_600_000, server: 1_000_000 });
  });
});

describe('vectors (test/vectors/trust-v1.json)', () => {
  const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'test/vectors/trust-v1.json'), 'utf8')) as {
    fingerprints: { certificate: string; opensslSha256: string; fingerprint: string }[];
    invites: { text: string; server: string; room: string; fingerprint?: string }[];
  };

  test.each(vectors.fingerprints)('fingerprint of $certificate', (v) => {
    const pem = readFileSync(join(REPO_ROOT, v.certificate), 'utf8');
    // The client (DER from the TLS socket) and the server (PEM on disk) compute the same string.
    expect(fingerprintOfDer(new X509Certificate(pem).raw)).toBe(v.fingerprint);
    expect(certificateFingerprint(pem)).toBe(v.fingerprint);
    expect(Buffer.from(v.fingerprint.slice(7), 'base64').toString('hex')).toBe(v.opensslSha256.replaceAll(':', '').toLowerCase());
  });

  test.each(vectors.invites)('invite $text', (v) => {
    const { text, ...expected } = v;
    expect(parseInvite(text)).toEqual(expected);
    expect(formatInvite(expected)).toBe(text);
  });
});

describe('room-parameter pins in the client core', () => {
  test('a pinned room that the server says is gone is not made again silently', async () => {
    const store = new MemoryRoomParamStore();
    await checkRoomVanished(store, 'h:1', 'r');
    await store.set('h:1', 'r', { salt: new Uint8Array(16), kdf: { n: 131072, r: 8, p: 1 } });
    await expect(checkRoomVanished(store, 'h:1', 'r')).rejects.toThrow(/does not exist any more/);
  });
});
