// The deletion token of PROTOCOL.md section 11.1: proves to the server that a `delete` comes from the message's writer.

import { createHash, createHmac, hkdfSync } from 'node:crypto';

/** HKDF info for the key behind every deletion token of one identity. */
export const DELETE_KEY_INFO = 'message-app/v1/delete-key';
/** Prefix of the HMAC input; the 0x00 after the room keeps (room, cid) pairs from running into each other. */
export const DELETE_TOKEN_LABEL = 'message-app/v1/del:';

const SEED_BYTES = 32;

/**
 * The key derived from the identity seed (HKDF-SHA256, empty salt): the same
 * seed gives the same key after a restart, so a message can be deleted later
 * without storing a token per message.
 */
export function deletionKey(identitySeed: Uint8Array): Uint8Array {
  if (identitySeed.length !== SEED_BYTES) throw new RangeError('an identity seed is 32 bytes');
  return new Uint8Array(hkdfSync('sha256', identitySeed, new Uint8Array(0), DELETE_KEY_INFO, 32));
}

/** HMAC-SHA256(delete key, label + room + 0x00 + cid): sent only in `delete`, never at `send`. */
export function deletionTokenFromKey(key: Uint8Array, room: string, cid: string): Uint8Array {
  const mac = createHmac('sha256', key);
  mac.update(`${DELETE_TOKEN_LABEL}${room}\u0000${cid}`, 'utf8');
  return new Uint8Array(mac.digest());
}

/** The token for message `cid` in `room` of the identity with this seed. */
export function deletionToken(identitySeed: Uint8Array, room: string, cid: string): Uint8Array {
  return deletionTokenFromKey(deletionKey(identitySeed), room, cid);
}

/** SHA-256(token): the `del` field of `send`, what the server compares a later token with. */
export function deletionHash(token: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(token).digest());
}
