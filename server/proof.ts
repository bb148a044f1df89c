// Ed25519 checks of the server: join proofs (PROTOCOL.md section 5) by the room's auth key over the challenge, and owner signatures (section 12).

import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../protocol/constants';

/** DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410 section 4); the raw 32 bytes follow. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const JOIN_CONTEXT = 'message-app/v1/join:';

/** A public key object for a raw 32-byte Ed25519 key, or null if the bytes are not one. */
export function ed25519PublicKey(raw: Uint8Array): KeyObject | null {
  if (raw.length !== PUBLIC_KEY_BYTES) return null;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** The bytes a join proof signs: "message-app/v1/join:" + room + 0x00 + challenge. */
export function joinProofMessage(room: string, challenge: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${JOIN_CONTEXT}${room}\u0000`, 'utf8'), challenge]);
}

export function verifyJoinProof(auth: KeyObject, room: string, challenge: Uint8Array, proof: Uint8Array): boolean {
  if (proof.length !== SIGNATURE_BYTES) return false;
  try {
    // Ed25519 takes no digest name: null.
    return verify(null, joinProofMessage(room, challenge), auth, proof);
  } catch {
    return false;
  }
}

/** An Ed25519 signature by a raw 32-byte public key (owner signatures, PROTOCOL.md section 12); false for a key that is not one. */
export function verifyEd25519(raw: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = ed25519PublicKey(raw);
  if (!key || signature.length !== SIGNATURE_BYTES) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
