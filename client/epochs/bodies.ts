// The section 12 modifier bodies (PROTOCOL.md 12.2, 12.5, 12.6): `keys`, `grant`, `link`, encoded in wire order and guarded on the way in.

import { encodeBody } from '../../protocol/codec';
import { isKdfParams, type KdfParams } from '../../protocol/frames';
import { isBytes, isCount, isFields, type Fields } from '../../protocol/guards';
import { normalizeDisplayName } from '../../protocol/names';
import type { BodyBase } from '../kinds/types';
import type { GrantEntry } from './grant';

export interface KeysBody extends BodyBase {
  k: 'keys';
  x25519: Uint8Array;
  owner: Uint8Array;
}

export interface GrantBody extends BodyBase {
  k: 'grant';
  epoch: number;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
  to: GrantEntry[];
  /** Optional: who this rotation removes (informational; `to` decides), for the room line. */
  removed?: RemovedMember[];
}

export interface RemovedMember {
  name: string;
  key: Uint8Array;
}

/** Section 12.3: an owner names a new owner's identity key so members know who the owners are. */
export interface OwnerBody extends BodyBase {
  k: 'owner';
  add: Uint8Array;
}

export interface LinkBody extends BodyBase {
  k: 'link';
  epoch: number;
  prev: { epoch: number; key: Uint8Array; salt: Uint8Array; kdf: KdfParams };
}

export type EpochBody = KeysBody | GrantBody | LinkBody | OwnerBody;

export const EPOCH_KINDS: readonly string[] = ['keys', 'grant', 'link', 'owner'];

/** A self-pointing `rel` (sender key and the body's own cid) marks these as modifiers for clients that do not know them. */
function head(body: EpochBody): Fields {
  return { cid: body.cid, ts: body.ts, from: { name: body.from.name, key: body.from.key }, k: body.k, rel: { key: body.from.key, cid: body.cid } };
}

/** Wire order: cid, ts, from, k, rel, then the kind's fields in the order of section 12's tables. */
export function encodeEpochBody(body: EpochBody): Uint8Array {
  switch (body.k) {
    case 'keys':
      return encodeBody({ ...head(body), x25519: body.x25519, owner: body.owner });
    case 'grant':
      return encodeBody({
        ...head(body),
        epoch: body.epoch,
        salt: body.salt,
        kdf: { n: body.kdf.n, r: body.kdf.r, p: body.kdf.p },
        auth: body.auth,
        to: body.to.map((e) => ({ x: e.x, enc: e.enc, ct: e.ct })),
        ...(body.removed && body.removed.length > 0 ? { removed: body.removed.map((r) => ({ name: r.name, key: r.key })) } : {}),
      });
    case 'owner':
      return encodeBody({ ...head(body), add: body.add });
    case 'link':
      return encodeBody({
        ...head(body),
        epoch: body.epoch,
        prev: { epoch: body.prev.epoch, key: body.prev.key, salt: body.prev.salt, kdf: { n: body.prev.kdf.n, r: body.prev.kdf.r, p: body.prev.kdf.p } },
      });
    default: {
      const never: never = body;
      throw new TypeError(`unknown epoch body ${String((never as { k: unknown }).k)}`);
    }
  }
}

function selfRel(f: Fields, base: BodyBase): boolean {
  const rel = f.rel;
  return isFields(rel) && isBytes(rel.key, 32) && Buffer.from(rel.key).equals(Buffer.from(base.from.key)) && rel.cid === base.cid;
}

function isGrantEntry(v: unknown): v is GrantEntry {
  return isFields(v) && isBytes(v.x, 32) && isBytes(v.enc, 32) && isBytes(v.ct) && v.ct.length >= 16 && v.ct.length <= 1024;
}

function isRemoved(v: unknown): v is RemovedMember {
  return isFields(v) && typeof v.name === 'string' && normalizeDisplayName(v.name) === v.name && isBytes(v.key, 32);
}

/** Checks a decoded, signature-verified body of one of these kinds; null when its fields are wrong. */
export function guardEpochBody(f: Fields, base: BodyBase): EpochBody | null {
  if (!selfRel(f, base)) return null;
  switch (f.k) {
    case 'keys':
      return isBytes(f.x25519, 32) && isBytes(f.owner, 32) ? { ...base, k: 'keys', x25519: f.x25519, owner: f.owner } : null;
    case 'grant': {
      const to = f.to;
      if (!isCount(f.epoch) || f.epoch < 1 || !isBytes(f.salt, 16) || !isKdfParams(f.kdf) || !isBytes(f.auth, 32)) return null;
      if (!Array.isArray(to) || !to.every(isGrantEntry)) return null;
      const removed = f.removed;
      if (removed !== undefined && removed !== null && !(Array.isArray(removed) && removed.length <= 256 && removed.every(isRemoved))) return null;
      const grant: GrantBody = { ...base, k: 'grant', epoch: f.epoch, salt: f.salt, kdf: f.kdf, auth: f.auth, to };
      if (Array.isArray(removed) && removed.length > 0) grant.removed = (removed as RemovedMember[]).map((r) => ({ name: r.name, key: r.key }));
      return grant;
    }
    case 'owner':
      return isBytes(f.add, 32) ? { ...base, k: 'owner', add: f.add } : null;
    case 'link': {
      const prev = f.prev;
      if (!isCount(f.epoch) || f.epoch < 1 || !isFields(prev)) return null;
      if (!isCount(prev.epoch) || prev.epoch !== f.epoch - 1 || !isBytes(prev.key, 32) || !isBytes(prev.salt, 16) || !isKdfParams(prev.kdf)) return null;
      return { ...base, k: 'link', epoch: f.epoch, prev: { epoch: prev.epoch, key: prev.key, salt: prev.salt, kdf: prev.kdf } };
    }
    default:
      return null;
  }
}
