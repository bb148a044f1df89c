// The typed frames of PROTOCOL.md section 5: one union per direction, and the
// guards that turn a decoded MessagePack value into one of them.

import {
  CHALLENGE_BYTES,
  DELETION_HASH_BYTES,
  DELETION_TOKEN_BYTES,
  MAX_MESSAGE_BLOBS,
  MAX_SIGNAL_BYTES,
  PUBLIC_KEY_BYTES,
  SALT_BYTES,
  SIGNATURE_BYTES,
  isErrorCode,
  type ErrorCode,
} from './constants';
import { isBytes, isCount, isFields, isString, type Fields } from './guards';
import { isCid, isRoomName } from './names';
import { ENVELOPE_V2, envelopeEpoch } from './epoch-header';

export interface KdfParams {
  n: number;
  r: number;
  p: number;
}

/** A stored message as the server keeps and pages it: the envelope stays opaque. */
export interface StoredMessage {
  id: number;
  ts: number;
  cid: string;
  env: Uint8Array;
  /** Section 10.4: a tombstone (its `env` is empty). */
  deleted?: true;
}

export type ServerFrame =
  | { t: 'hello'; v: number; challenge: Uint8Array; max: number }
  | { t: 'room'; room: string; exists: boolean; salt?: Uint8Array; kdf?: KdfParams; epoch?: number }
  // Section 12.7: `epoch` is the room's current one (absent: 0); with `upto` the connection is joined at an older epoch.
  | { t: 'joined'; room: string; last: number; online: number; epoch?: number; upto?: number }
  | { t: 'ack'; room: string; cid: string; id: number; ts: number }
  | ({ t: 'msg'; room: string } & StoredMessage)
  | { t: 'page'; room: string; msgs: StoredMessage[]; more: boolean }
  | { t: 'presence'; room: string; online: number }
  | { t: 'pong'; n: number }
  | { t: 'error'; code: ErrorCode; msg: string; room?: string; cid?: string; blob?: string; id?: number; epoch?: number }
  // Section 8 (files).
  | { t: 'blob_state'; room: string; blob: string; size: number; chunk: number; have: number; done: boolean }
  | { t: 'blob_ack'; room: string; blob: string; i: number; have: number; done: boolean }
  | { t: 'blob_data'; room: string; blob: string; offset: number; data: Uint8Array; last: boolean }
  // Section 10 (conversation).
  | { t: 'deleted'; room: string; id: number }
  | { t: 'signal'; room: string; env: Uint8Array }
  // Section 12 (per-user keys).
  | { t: 'owner_added'; room: string; owner: Uint8Array }
  | ({ t: 'rotated'; room: string; id: number } & RotateParams);

/** The signed parameters of a rotation (section 12.4), as `rotate` carries them and `rotated` repeats them. */
export interface RotateParams {
  epoch: number;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
  owner: Uint8Array;
  sig: Uint8Array;
}

export type ClientFrame =
  | { t: 'room'; room: string }
  | { t: 'create'; room: string; salt: Uint8Array; kdf: KdfParams; auth: Uint8Array; proof: Uint8Array; owner?: Uint8Array }
  | { t: 'join'; room: string; proof: Uint8Array; epoch?: number }
  | { t: 'leave'; room: string }
  | { t: 'send'; room: string; cid: string; env: Uint8Array; del?: Uint8Array; blobs?: string[] }
  | { t: 'history'; room: string; before?: number; after?: number; limit?: number }
  | { t: 'ping'; n: number }
  // Section 8 (files).
  | { t: 'blob_put'; room: string; blob: string; size: number; chunk: number }
  | { t: 'blob_chunk'; room: string; blob: string; i: number; data: Uint8Array }
  | { t: 'blob_get'; room: string; blob: string; offset?: number; length?: number }
  // Section 10 (conversation).
  | { t: 'delete'; room: string; id: number; token: Uint8Array }
  | { t: 'signal'; room: string; env: Uint8Array }
  // Section 12 (per-user keys).
  | { t: 'owner_add'; room: string; owner: Uint8Array; by: Uint8Array; sig: Uint8Array }
  | ({ t: 'rotate'; room: string; cid: string; link: Uint8Array } & RotateParams);

/** A blob id (section 9.1): the same characters and length as a cid, so it is also a safe file name. */
export const isBlobId = isCid;


/** Why a client frame was refused; `room` and `cid` are echoed when they could be read. */
export interface FrameRejection {
  code: 'bad_frame' | 'bad_room';
  msg: string;
  room?: string;
  cid?: string;
}

export type ParseResult<F> = { ok: true; frame: F } | { ok: false; rejection: FrameRejection };

function reject(msg: string, fields?: Fields, code: FrameRejection['code'] = 'bad_frame'): ParseResult<never> {
  const rejection: FrameRejection = { code, msg };
  if (fields && isRoomName(fields.room)) rejection.room = fields.room;
  if (fields && isCid(fields.cid)) rejection.cid = fields.cid;
  return { ok: false, rejection };
}

export function isKdfParams(value: unknown): value is KdfParams {
  return isFields(value) && isPositive(value.n) && isPositive(value.r) && isPositive(value.p);
}

/** Only n, r and p of checked KDF parameters: a peer's extra keys go no further. */
function kdfOf(kdf: KdfParams): KdfParams {
  return { n: kdf.n, r: kdf.r, p: kdf.p };
}

function isPositive(value: unknown): value is number {
  return isCount(value) && value > 0;
}

/** Validates a decoded body as a client frame (the server's inbound boundary). */
export function parseClientFrame(value: unknown): ParseResult<ClientFrame> {
  if (!isFields(value)) return reject('a frame body must be a map');
  const f = value;
  if (!isString(f.t)) return reject('missing frame type t');
  const t = f.t;
  if (t === 'ping') {
    return isCount(f.n) ? { ok: true, frame: { t, n: f.n } } : reject('ping needs an integer n', f);
  }
  if (!(['room', 'create', 'join', 'leave', 'send', 'history', 'blob_put', 'blob_chunk', 'blob_get', 'delete', 'signal', 'owner_add', 'rotate'] as const).includes(t as never)) {
    return reject(`unknown frame type ${JSON.stringify(t.slice(0, 32))}`);
  }
  if (!isString(f.room)) return reject(`${t} needs a room`, f);
  if (!isRoomName(f.room)) return reject('room names are 1-64 of a-z 0-9 . _ - and start with a letter or digit', f, 'bad_room');
  const room = f.room;
  switch (t) {
    case 'room':
    case 'leave':
      return { ok: true, frame: { t, room } };
    case 'create':
      if (!isBytes(f.salt, SALT_BYTES)) return reject('create needs a 16-byte salt', f);
      if (!isKdfParams(f.kdf)) return reject('create needs kdf {n, r, p} as positive integers', f);
      if (!isBytes(f.auth, PUBLIC_KEY_BYTES)) return reject('create needs a 32-byte auth key', f);
      if (!isBytes(f.proof, SIGNATURE_BYTES)) return reject('create needs a 64-byte proof', f);
      if (!isAbsent(f.owner) && !isBytes(f.owner, PUBLIC_KEY_BYTES)) return reject('create owner must be a 32-byte key', f);
      return {
        ok: true,
        frame: {
          t,
          room,
          salt: f.salt,
          kdf: kdfOf(f.kdf),
          auth: f.auth,
          proof: f.proof,
          ...(isAbsent(f.owner) ? {} : { owner: f.owner }),
        },
      };
    case 'join':
      if (!isBytes(f.proof, SIGNATURE_BYTES)) return reject('join needs a 64-byte proof', f);
      if (!isAbsent(f.epoch) && !isEpoch(f.epoch)) return reject('join epoch must be an integer of 0 to 2^32-1', f);
      return { ok: true, frame: { t, room, proof: f.proof, ...(isAbsent(f.epoch) ? {} : { epoch: f.epoch }) } };
    case 'send':
      if (!isCid(f.cid)) return reject('send needs a cid of 8-64 characters A-Z a-z 0-9 _ -', f);
      if (!isBytes(f.env) || f.env.length === 0) return reject('send needs a non-empty env', f);
      return parseSendExtras({ t, room, cid: f.cid, env: f.env }, f);
    case 'history': {
      const frame: ClientFrame & { t: 'history' } = { t, room };
      for (const key of ['before', 'after', 'limit'] as const) {
        const v = f[key];
        if (v === undefined || v === null) continue;
        if (!isCount(v)) return reject(`history ${key} must be a non-negative integer`, f);
        frame[key] = v;
      }
      if (frame.before !== undefined && frame.after !== undefined) return reject('history takes before or after, not both', f);
      if (frame.limit === 0) return reject('history limit must be at least 1', f);
      return { ok: true, frame };
    }
    case 'blob_put':
    case 'blob_chunk':
    case 'blob_get':
      return parseBlobFrame(t, room, f);
    case 'delete':
      if (!isCount(f.id) || f.id === 0) return reject('delete needs a positive integer id', f);
      if (!isBytes(f.token, DELETION_TOKEN_BYTES)) return reject(`delete needs a ${DELETION_TOKEN_BYTES}-byte token`, f);
      return { ok: true, frame: { t, room, id: f.id, token: f.token } };
    case 'signal':
      if (!isBytes(f.env) || f.env.length === 0 || f.env.length > MAX_SIGNAL_BYTES) {
        return reject(`signal needs an env of 1-${MAX_SIGNAL_BYTES} bytes`, f);
      }
      return { ok: true, frame: { t, room, env: f.env } };
    case 'owner_add':
      if (!isBytes(f.owner, PUBLIC_KEY_BYTES)) return reject('owner_add needs a 32-byte owner key', f);
      if (!isBytes(f.by, PUBLIC_KEY_BYTES)) return reject('owner_add needs a 32-byte by key', f);
      if (!isBytes(f.sig, SIGNATURE_BYTES)) return reject('owner_add needs a 64-byte sig', f);
      return { ok: true, frame: { t, room, owner: f.owner, by: f.by, sig: f.sig } };
    case 'rotate':
      return parseRotate(room, f);
  }
  return reject('unreachable');
}

/** Absent and nil both mean "not given" for an optional field. */
function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** An epoch number: it travels as u32 inside signed and authenticated bytes (section 12). */
export function isEpoch(value: unknown): value is number {
  return isCount(value) && value <= 0xffffffff;
}

/** Section 12.4: every field is required; `link` must be a v2 envelope naming the epoch it opens. */
function parseRotate(room: string, f: Fields): ParseResult<ClientFrame> {
  if (!isEpoch(f.epoch) || f.epoch === 0) return reject('rotate needs an epoch of 1 to 2^32-1', f);
  if (!isBytes(f.salt, SALT_BYTES)) return reject('rotate needs a 16-byte salt', f);
  if (!isKdfParams(f.kdf)) return reject('rotate needs kdf {n, r, p} as positive integers', f);
  if (!isBytes(f.auth, PUBLIC_KEY_BYTES)) return reject('rotate needs a 32-byte auth key', f);
  if (!isBytes(f.owner, PUBLIC_KEY_BYTES)) return reject('rotate needs a 32-byte owner key', f);
  if (!isBytes(f.sig, SIGNATURE_BYTES)) return reject('rotate needs a 64-byte sig', f);
  if (!isCid(f.cid)) return reject('rotate needs a cid of 8-64 characters A-Z a-z 0-9 _ -', f);
  if (!isBytes(f.link) || f.link[0] !== ENVELOPE_V2 || envelopeEpoch(f.link) !== f.epoch) {
    return reject('rotate needs a link: a version 2 envelope of the new epoch', f);
  }
  return {
    ok: true,
    frame: {
      t: 'rotate',
      room,
      epoch: f.epoch,
      salt: f.salt,
      kdf: kdfOf(f.kdf),
      auth: f.auth,
      owner: f.owner,
      sig: f.sig,
      cid: f.cid,
      link: f.link,
    },
  };
}

/** The optional `send` fields of section 11.2; absent and nil mean "not given". */
function parseSendExtras(frame: Extract<ClientFrame, { t: 'send' }>, f: Fields): ParseResult<ClientFrame> {
  if (f.del !== undefined && f.del !== null) {
    if (!isBytes(f.del, DELETION_HASH_BYTES)) return reject(`send del must be ${DELETION_HASH_BYTES} bytes`, f);
    frame.del = f.del;
  }
  if (f.blobs !== undefined && f.blobs !== null) {
    if (!Array.isArray(f.blobs) || f.blobs.length > MAX_MESSAGE_BLOBS) {
      return reject(`send blobs must be a list of at most ${MAX_MESSAGE_BLOBS} blob ids`, f);
    }
    const blobs: string[] = [];
    for (const blob of f.blobs as unknown[]) {
      if (!isBlobId(blob)) return reject('send blobs must hold blob ids of 8-64 characters A-Z a-z 0-9 _ -', f);
      if (!blobs.includes(blob)) blobs.push(blob);
    }
    if (blobs.length > 0) frame.blobs = blobs;
  }
  return { ok: true, frame };
}

/** The blob frames of section 9.3, after `t` and `room` were checked. */
function parseBlobFrame(t: 'blob_put' | 'blob_chunk' | 'blob_get', room: string, f: Fields): ParseResult<ClientFrame> {
  if (!isBlobId(f.blob)) return reject(`${t} needs a blob id of 8-64 characters A-Z a-z 0-9 _ -`, f);
  const blob = f.blob;
  switch (t) {
    case 'blob_put':
      if (!isCount(f.size) || f.size === 0) return reject('blob_put needs a positive integer size', f);
      if (!isCount(f.chunk) || f.chunk === 0) return reject('blob_put needs a positive integer chunk', f);
      return { ok: true, frame: { t, room, blob, size: f.size, chunk: f.chunk } };
    case 'blob_chunk':
      if (!isCount(f.i)) return reject('blob_chunk needs a non-negative integer i', f);
      if (!isBytes(f.data) || f.data.length === 0) return reject('blob_chunk needs non-empty data', f);
      return { ok: true, frame: { t, room, blob, i: f.i, data: f.data } };
    case 'blob_get': {
      const frame: ClientFrame & { t: 'blob_get' } = { t, room, blob };
      for (const key of ['offset', 'length'] as const) {
        const v = f[key];
        if (v === undefined || v === null) continue;
        if (!isCount(v)) return reject(`blob_get ${key} must be a non-negative integer`, f);
        frame[key] = v;
      }
      if (frame.length === 0) return reject('blob_get length must be at least 1', f);
      return { ok: true, frame };
    }
  }
}

function isStoredMessage(value: unknown): value is StoredMessage {
  return isFields(value) && isCount(value.id) && isCount(value.ts) && isCid(value.cid) && isBytes(value.env);
}

/**
 * Validates a decoded body as a server frame (the client's inbound boundary).
 * Returns null for anything malformed; an unknown `t` is also null, so a newer
 * server can add frame types without breaking older clients.
 */
export function parseServerFrame(value: unknown): ServerFrame | null {
  if (!isFields(value) || !isString(value.t)) return null;
  const f = value;
  switch (f.t) {
    case 'hello':
      return isCount(f.v) && isBytes(f.challenge, CHALLENGE_BYTES) && isCount(f.max)
        ? { t: 'hello', v: f.v, challenge: f.challenge, max: f.max }
        : null;
    case 'room': {
      if (!isRoomName(f.room) || typeof f.exists !== 'boolean') return null;
      if (!f.exists) return { t: 'room', room: f.room, exists: false };
      if (!isBytes(f.salt, SALT_BYTES) || !isKdfParams(f.kdf)) return null;
      if (!isAbsent(f.epoch) && !isEpoch(f.epoch)) return null;
      return { t: 'room', room: f.room, exists: true, salt: f.salt, kdf: kdfOf(f.kdf), ...(isEpoch(f.epoch) ? { epoch: f.epoch } : {}) };
    }
    case 'joined': {
      if (!isRoomName(f.room) || !isCount(f.last) || !isCount(f.online)) return null;
      if ((!isAbsent(f.epoch) && !isEpoch(f.epoch)) || (!isAbsent(f.upto) && !isCount(f.upto))) return null;
      const frame: ServerFrame = { t: 'joined', room: f.room, last: f.last, online: f.online };
      if (isEpoch(f.epoch)) frame.epoch = f.epoch;
      if (isCount(f.upto)) frame.upto = f.upto;
      return frame;
    }
    case 'ack':
      return isRoomName(f.room) && isCid(f.cid) && isCount(f.id) && isCount(f.ts)
        ? { t: 'ack', room: f.room, cid: f.cid, id: f.id, ts: f.ts }
        : null;
    case 'msg':
      return isRoomName(f.room) && isStoredMessage(f)
        ? { t: 'msg', room: f.room, id: f.id, ts: f.ts, cid: f.cid, env: f.env }
        : null;
    case 'page': {
      if (!isRoomName(f.room) || !Array.isArray(f.msgs) || typeof f.more !== 'boolean') return null;
      const msgs: StoredMessage[] = [];
      for (const m of f.msgs) {
        if (!isStoredMessage(m)) return null;
        // Section 10.4: only `true` marks a tombstone; anything else is ignored like an unknown key.
        msgs.push(m.deleted === true ? { id: m.id, ts: m.ts, cid: m.cid, env: m.env, deleted: true } : { id: m.id, ts: m.ts, cid: m.cid, env: m.env });
      }
      return { t: 'page', room: f.room, msgs, more: f.more };
    }
    case 'presence':
      return isRoomName(f.room) && isCount(f.online) ? { t: 'presence', room: f.room, online: f.online } : null;
    case 'pong':
      return isCount(f.n) ? { t: 'pong', n: f.n } : null;
    case 'error': {
      if (!isErrorCode(f.code) || !isString(f.msg)) return null;
      const frame: ServerFrame = { t: 'error', code: f.code, msg: f.msg };
      if (isRoomName(f.room)) frame.room = f.room;
      if (isCid(f.cid)) frame.cid = f.cid;
      if (isBlobId(f.blob)) frame.blob = f.blob;
      if (isCount(f.id)) frame.id = f.id;
      if (isEpoch(f.epoch)) frame.epoch = f.epoch;
      return frame;
    }
    case 'blob_state':
      return isRoomName(f.room) && isBlobId(f.blob) && isCount(f.size) && isCount(f.chunk) && isCount(f.have) && typeof f.done === 'boolean'
        ? { t: 'blob_state', room: f.room, blob: f.blob, size: f.size, chunk: f.chunk, have: f.have, done: f.done }
        : null;
    case 'blob_ack':
      return isRoomName(f.room) && isBlobId(f.blob) && isCount(f.i) && isCount(f.have) && typeof f.done === 'boolean'
        ? { t: 'blob_ack', room: f.room, blob: f.blob, i: f.i, have: f.have, done: f.done }
        : null;
    case 'blob_data':
      return isRoomName(f.room) && isBlobId(f.blob) && isCount(f.offset) && isBytes(f.data) && typeof f.last === 'boolean'
        ? { t: 'blob_data', room: f.room, blob: f.blob, offset: f.offset, data: f.data, last: f.last }
        : null;
    case 'deleted':
      return isRoomName(f.room) && isCount(f.id) ? { t: 'deleted', room: f.room, id: f.id } : null;
    case 'signal':
      return isRoomName(f.room) && isBytes(f.env) && f.env.length > 0 && f.env.length <= MAX_SIGNAL_BYTES
        ? { t: 'signal', room: f.room, env: f.env }
        : null;
    case 'owner_added':
      return isRoomName(f.room) && isBytes(f.owner, PUBLIC_KEY_BYTES) ? { t: 'owner_added', room: f.room, owner: f.owner } : null;
    case 'rotated':
      return isRoomName(f.room) &&
        isCount(f.id) &&
        isEpoch(f.epoch) &&
        isBytes(f.salt, SALT_BYTES) &&
        isKdfParams(f.kdf) &&
        isBytes(f.auth, PUBLIC_KEY_BYTES) &&
        isBytes(f.owner, PUBLIC_KEY_BYTES) &&
        isBytes(f.sig, SIGNATURE_BYTES)
        ? {
            t: 'rotated',
            room: f.room,
            id: f.id,
            epoch: f.epoch,
            salt: f.salt,
            kdf: kdfOf(f.kdf),
            auth: f.auth,
            owner: f.owner,
            sig: f.sig,
          }
        : null;
    default:
      return null;
  }
}
