// The frame guards of PROTOCOL.md section 5: what the server accepts from clients and what clients accept from the server.

import { describe, expect, test } from 'bun:test';
import { parseClientFrame, parseServerFrame } from '../../protocol/frames';
import { CID_PATTERN, isCid, isRoomName, normalizeDisplayName } from '../../protocol/names';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);
const CID = 'AAECAwQFBgcICQoLDA0ODw';

describe('names (section 2)', () => {
  test.each(['general', '0', 'a.b_c-d', 'x'.repeat(64)])('room %p is valid', (room) => expect(isRoomName(room)).toBe(true));
  test.each(['', 'General', '-lead', '.hidden', 'x'.repeat(65), 'a b', 'ü', 7])('room %p is refused', (room) =>
    expect(isRoomName(room)).toBe(false),
  );
  test.each([CID, '12345678', 'a'.repeat(64)])('cid %p is valid', (cid) => expect(isCid(cid)).toBe(true));
  test.each(['1234567', 'a'.repeat(65), 'has space1', 'plus+slash/', null])('cid %p is refused', (cid) => expect(isCid(cid)).toBe(false));
  test('isCid agrees with the pattern of section 2 on random strings', () => {
    const alphabet = 'AZaz09_-+/=. é\u0000';
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(next() * 70);
      let s = '';
      for (let k = 0; k < length; k++) s += next() < 0.9 ? 'bQ7_-x'[Math.floor(next() * 6)] : alphabet[Math.floor(next() * alphabet.length)];
      expect(isCid(s)).toBe(CID_PATTERN.test(s));
    }
  });

  test('display names are trimmed, 1-64 characters, without control characters', () => {
    expect(normalizeDisplayName('  Ada ')).toBe('Ada');
    expect(normalizeDisplayName('🔐'.repeat(64))).toBe('🔐'.repeat(64));
    expect(normalizeDisplayName('x'.repeat(65))).toBeNull();
    expect(normalizeDisplayName('   ')).toBeNull();
    expect(normalizeDisplayName('a\nb')).toBeNull();
    expect(normalizeDisplayName('a\u2028b')).toBeNull();
  });
});

describe('parseClientFrame', () => {
  const valid = {
    room: { t: 'room', room: 'general' },
    create: { t: 'create', room: 'general', salt: bytes(16), kdf: { n: 131072, r: 8, p: 1 }, auth: bytes(32), proof: bytes(64) },
    join: { t: 'join', room: 'general', proof: bytes(64) },
    leave: { t: 'leave', room: 'general' },
    send: { t: 'send', room: 'general', cid: CID, env: bytes(40) },
    history: { t: 'history', room: 'general', before: 10, limit: 20 },
    ping: { t: 'ping', n: 0 },
  };

  for (const [name, frame] of Object.entries(valid)) {
    test(`accepts a valid ${name}, ignoring unknown keys`, () => {
      const result = parseClientFrame({ ...frame, future: 'ignored' });
      expect(result).toEqual({ ok: true, frame: frame as never });
    });
  }

  test.each([
    ['not a map', [1, 2]],
    ['bytes', bytes(3)],
    ['no t', { room: 'general' }],
    ['unknown t', { t: 'teleport', room: 'general' }],
    ['server-only t', { t: 'ack', room: 'general' }],
    ['ping without n', { t: 'ping' }],
    ['ping with negative n', { t: 'ping', n: -1 }],
    ['create with a 15-byte salt', { ...valid.create, salt: bytes(15) }],
    ['create with kdf n=0', { ...valid.create, kdf: { n: 0, r: 8, p: 1 } }],
    ['create with a 31-byte auth', { ...valid.create, auth: bytes(31) }],
    ['join with a 63-byte proof', { ...valid.join, proof: bytes(63) }],
    ['join with a string proof', { ...valid.join, proof: 'x'.repeat(64) }],
    ['send with a short cid', { ...valid.send, cid: 'short' }],
    ['send with an empty env', { ...valid.send, env: new Uint8Array(0) }],
    ['send with a string env', { ...valid.send, env: 'abc' }],
    ['history with before and after', { t: 'history', room: 'general', before: 5, after: 1 }],
    ['history with limit 0', { t: 'history', room: 'general', limit: 0 }],
    ['history with a fractional before', { t: 'history', room: 'general', before: 1.5 }],
    ['a room frame without a room', { t: 'room' }],
  ])('refuses %s as bad_frame', (_, value) => {
    const result = parseClientFrame(value);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection.code).toBe('bad_frame');
  });

  test('an invalid room name is bad_room', () => {
    const result = parseClientFrame({ t: 'join', room: 'No Caps', proof: bytes(64) });
    expect(result).toEqual({ ok: false, rejection: expect.objectContaining({ code: 'bad_room' }) });
  });

  test('a refused send echoes room and cid when they are valid, so the client can match it', () => {
    const result = parseClientFrame({ t: 'send', room: 'general', cid: CID, env: 5 });
    expect(result).toEqual({ ok: false, rejection: expect.objectContaining({ room: 'general', cid: CID }) });
  });
});

describe('parseServerFrame', () => {
  test.each([
    [{ t: 'hello', v: 1, challenge: bytes(32), max: 16777216 }],
    [{ t: 'room', room: 'general', exists: false }],
    [{ t: 'room', room: 'general', exists: true, salt: bytes(16), kdf: { n: 131072, r: 8, p: 1 } }],
    [{ t: 'joined', room: 'general', last: 0, online: 1 }],
    [{ t: 'ack', room: 'general', cid: CID, id: 1, ts: 1764230400123 }],
    [{ t: 'msg', room: 'general', id: 2, ts: 1764230400123, cid: CID, env: bytes(30) }],
    [{ t: 'page', room: 'general', msgs: [{ id: 2, ts: 1, cid: CID, env: bytes(3) }], more: true }],
    [{ t: 'presence', room: 'general', online: 3 }],
    [{ t: 'pong', n: 9 }],
    [{ t: 'error', code: 'bad_proof', msg: 'wrong passphrase', room: 'general' }],
  ])('accepts %p', (frame) => {
    expect(parseServerFrame(frame)).toEqual(frame as never);
  });

  test.each([
    [{ t: 'hello', v: 1, challenge: bytes(31), max: 1 }],
    [{ t: 'room', room: 'general', exists: true }],
    [{ t: 'ack', room: 'general', cid: CID, id: -1, ts: 0 }],
    [{ t: 'page', room: 'general', msgs: [{ id: 1 }], more: false }],
    [{ t: 'error', code: 'made_up', msg: 'x' }],
    [{ t: 'future-frame' }],
    [null],
  ])('returns null for %p', (value) => {
    expect(parseServerFrame(value)).toBeNull();
  });
});

describe('section 11 frames (conversation)', () => {
  const send = { t: 'send', room: 'general', cid: CID, env: bytes(10) };
  const token = bytes(32, 7);

  test('send takes an optional 32-byte del and a list of blob ids; an old send stays as it was', () => {
    expect(parseClientFrame(send)).toEqual({ ok: true, frame: send as never });
    expect(parseClientFrame({ ...send, del: bytes(32), blobs: [CID, 'blob0001', CID] })).toEqual({
      ok: true,
      frame: { ...send, del: bytes(32), blobs: [CID, 'blob0001'] } as never,
    });
    expect(parseClientFrame({ ...send, del: null, blobs: [] })).toEqual({ ok: true, frame: send as never });
  });

  test.each([
    ['a 31-byte del', { ...send, del: bytes(31) }],
    ['a string del', { ...send, del: 'x'.repeat(32) }],
    ['blobs that is not a list', { ...send, blobs: CID }],
    ['a bad blob id', { ...send, blobs: ['short'] }],
    ['more than 16 blobs', { ...send, blobs: Array.from({ length: 17 }, (_, i) => `blob${String(i).padStart(4, '0')}`) }],
  ])('send with %s is bad_frame, echoing room and cid', (_name, frame) => {
    const parsed = parseClientFrame(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection).toMatchObject({ code: 'bad_frame', room: 'general', cid: CID });
  });

  test('delete {room, id, token} and signal {room, env} are accepted', () => {
    const del = { t: 'delete', room: 'general', id: 5, token };
    expect(parseClientFrame(del)).toEqual({ ok: true, frame: del as never });
    const signal = { t: 'signal', room: 'general', env: bytes(4096) };
    expect(parseClientFrame(signal)).toEqual({ ok: true, frame: signal as never });
  });

  test.each([
    ['delete without id', { t: 'delete', room: 'general', token }],
    ['delete with id 0', { t: 'delete', room: 'general', id: 0, token }],
    ['delete with a negative id', { t: 'delete', room: 'general', id: -3, token }],
    ['delete with a 31-byte token', { t: 'delete', room: 'general', id: 1, token: bytes(31) }],
    ['delete with a 33-byte token', { t: 'delete', room: 'general', id: 1, token: bytes(33) }],
    ['signal with an empty env', { t: 'signal', room: 'general', env: new Uint8Array(0) }],
    ['signal with a 4097-byte env', { t: 'signal', room: 'general', env: bytes(4097) }],
    ['signal with a string env', { t: 'signal', room: 'general', env: 'typing' }],
  ])('%s is bad_frame', (_name, frame) => {
    const parsed = parseClientFrame(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection.code).toBe('bad_frame');
  });

  test('a delete or signal with a bad room name is bad_room', () => {
    for (const frame of [
      { t: 'delete', room: 'Bad Room', id: 1, token },
      { t: 'signal', room: 'Bad Room', env: bytes(3) },
    ]) {
      const parsed = parseClientFrame(frame);
      expect(parsed.ok ? null : parsed.rejection.code).toBe('bad_room');
    }
  });

  test.each([
    [{ t: 'deleted', room: 'general', id: 4 }],
    [{ t: 'signal', room: 'general', env: bytes(20) }],
    [{ t: 'error', code: 'forbidden', msg: 'not yours', room: 'general', id: 4 }],
    [{ t: 'page', room: 'general', msgs: [{ id: 4, ts: 1, cid: CID, env: new Uint8Array(0), deleted: true }], more: false }],
  ])('a client accepts %p', (frame) => {
    expect(parseServerFrame(frame)).toEqual(frame as never);
  });

  test('a page entry marks a tombstone only with deleted: true; other values are ignored like unknown keys', () => {
    const page = parseServerFrame({ t: 'page', room: 'general', msgs: [{ id: 4, ts: 1, cid: CID, env: bytes(2), deleted: 'yes' }], more: false });
    expect(page).toEqual({ t: 'page', room: 'general', msgs: [{ id: 4, ts: 1, cid: CID, env: bytes(2) }], more: false });
  });

  test.each([
    [{ t: 'deleted', room: 'general' }],
    [{ t: 'deleted', room: 'general', id: -1 }],
    [{ t: 'signal', room: 'general', env: new Uint8Array(0) }],
    [{ t: 'signal', room: 'general' }],
  ])('a client refuses %p', (value) => {
    expect(parseServerFrame(value)).toBeNull();
  });
});

describe('section 12 frames (per-user keys)', () => {
  const kdf = { n: 1024, r: 8, p: 1 };
  const link = new Uint8Array([2, 0, 0, 0, 1, ...bytes(40)]);
  const rotate = { t: 'rotate', room: 'general', epoch: 1, salt: bytes(16), kdf, auth: bytes(32), owner: bytes(32, 2), sig: bytes(64), cid: CID, link };

  test.each([
    [rotate],
    [{ t: 'owner_add', room: 'general', owner: bytes(32), by: bytes(32, 2), sig: bytes(64) }],
    [{ t: 'join', room: 'general', proof: bytes(64), epoch: 0 }],
    [{ t: 'join', room: 'general', proof: bytes(64), epoch: 7 }],
    [{ t: 'create', room: 'general', salt: bytes(16), kdf, auth: bytes(32), proof: bytes(64), owner: bytes(32) }],
  ])('the server accepts %p', (frame) => {
    expect(parseClientFrame(frame)).toEqual({ ok: true, frame } as never);
  });

  test('old join and create (no epoch, no owner) parse as before, nil meaning absent', () => {
    expect(parseClientFrame({ t: 'join', room: 'general', proof: bytes(64), epoch: null })).toEqual({
      ok: true,
      frame: { t: 'join', room: 'general', proof: bytes(64) },
    });
    const create = { t: 'create', room: 'general', salt: bytes(16), kdf, auth: bytes(32), proof: bytes(64) };
    expect(parseClientFrame({ ...create, owner: null })).toEqual({ ok: true, frame: create } as never);
  });

  test.each([
    [{ ...rotate, epoch: 0 }],
    [{ ...rotate, epoch: 2 ** 32 }],
    [{ ...rotate, link: new Uint8Array([1, ...bytes(40)]) }],
    [{ ...rotate, link: new Uint8Array([2, 0, 0, 0, 2, ...bytes(40)]) }],
    [{ ...rotate, cid: 'short' }],
    [{ ...rotate, sig: bytes(63) }],
    [{ t: 'owner_add', room: 'general', owner: bytes(32), by: bytes(31), sig: bytes(64) }],
    [{ t: 'join', room: 'general', proof: bytes(64), epoch: -1 }],
    [{ t: 'create', room: 'general', salt: bytes(16), kdf, auth: bytes(32), proof: bytes(64), owner: 'me' }],
  ])('the server refuses %p as bad_frame', (value) => {
    const parsed = parseClientFrame(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection.code).toBe('bad_frame');
  });

  test.each([
    [{ t: 'rotated', room: 'general', epoch: 1, salt: bytes(16), kdf, auth: bytes(32), owner: bytes(32), sig: bytes(64), id: 9 }],
    [{ t: 'owner_added', room: 'general', owner: bytes(32) }],
    [{ t: 'joined', room: 'general', last: 4, online: 1, epoch: 2 }],
    [{ t: 'joined', room: 'general', last: 4, online: 1, epoch: 0, upto: 4 }],
    [{ t: 'room', room: 'general', exists: true, salt: bytes(16), kdf, epoch: 3 }],
    [{ t: 'error', code: 'stale_epoch', msg: 'newer keys', room: 'general', cid: CID, epoch: 2 }],
  ])('a client accepts %p', (frame) => {
    expect(parseServerFrame(frame)).toEqual(frame as never);
  });

  test.each([
    [{ t: 'rotated', room: 'general', epoch: 1, salt: bytes(16), kdf, auth: bytes(32), owner: bytes(32), sig: bytes(64) }],
    [{ t: 'owner_added', room: 'general', owner: bytes(3) }],
    [{ t: 'joined', room: 'general', last: 4, online: 1, epoch: 'two' }],
    [{ t: 'joined', room: 'general', last: 4, online: 1, upto: -1 }],
    [{ t: 'room', room: 'general', exists: true, salt: bytes(16), kdf, epoch: -3 }],
  ])('a client refuses %p', (value) => {
    expect(parseServerFrame(value)).toBeNull();
  });
});
