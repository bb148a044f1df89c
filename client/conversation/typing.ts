// The "typing" body (PROTOCOL.md section 13) sealed for and opened from a `signal` frame (section 11.6):
// signed like any body, but never stored, so it has a fresh cid that matches no frame.

import { randomBytes } from 'node:crypto';
import { decodeBody, encodeBody } from '../../protocol/codec';
import { SIGNATURE_BYTES } from '../../protocol/constants';
import { isBytes, isCount, isFields, isString } from '../../protocol/guards';
import { isCid, normalizeDisplayName } from '../../protocol/names';
import { openPlaintext, sealPlaintext, signBody, verifyBody } from '../envelope';
import { concatBytes, type Identity } from '../keys';
import type { BodySender } from '../kinds/types';

export const TYPING_KIND = 'typing';
/** A client sends "typing" at most this often while its user types. */
export const TYPING_SEND_EVERY_MS = 3000;
/** A receiver forgets a typist this long after the last signal. */
export const TYPING_EXPIRES_MS = 6000;

/** The envelope of a typing signal from `identity` under `name` in `room`. */
export function sealTyping(
  room: string,
  encKey: Uint8Array,
  identity: Identity,
  name: string,
  ts = Date.now(),
  /** Section 12: seals under the room's current epoch (a v2 envelope after a rotation). */
  seal?: (plaintext: Uint8Array) => Uint8Array,
): Uint8Array {
  const body = encodeBody({ cid: randomBytes(16).toString('base64url'), ts, from: { name, key: identity.publicKey }, k: TYPING_KIND });
  const plaintext = concatBytes(signBody(identity, room, body), body);
  return seal ? seal(plaintext) : sealPlaintext(room, encKey, plaintext);
}

/** The verified sender of a typing signal; null for anything else (another kind, a bad signature, noise). Never throws. */
export function openTyping(room: string, encKey: Uint8Array, env: Uint8Array, decrypt?: (env: Uint8Array) => Uint8Array | null): BodySender | null {
  try {
    const plaintext = decrypt ? decrypt(env) : openPlaintext(room, encKey, env);
    if (!plaintext || plaintext.length <= SIGNATURE_BYTES) return null;
    const bodyBytes = plaintext.subarray(SIGNATURE_BYTES);
    const decoded = decodeBody(bodyBytes);
    if (!isFields(decoded) || decoded.k !== TYPING_KIND || !isString(decoded.cid) || !isCid(decoded.cid) || !isCount(decoded.ts)) return null;
    const from = decoded.from;
    if (!isFields(from) || !isBytes(from.key, 32)) return null;
    const name = normalizeDisplayName(from.name);
    if (name === null) return null;
    const key = new Uint8Array(from.key);
    return verifyBody(key, room, bodyBytes, plaintext.subarray(0, SIGNATURE_BYTES)) ? { name, key } : null;
  } catch {
    return null;
  }
}
