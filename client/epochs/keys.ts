// Keys derived from an identity seed for per-user keys (PROTOCOL.md section 12.1) and the owner signatures of 12.3-12.4.

import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { ownerAddSignedBytes, rotateSignedBytes, type RotateFields } from '../../protocol/epoch-signing';
import { ed25519PrivateFromSeed, ed25519RawPublic, ed25519Sign, ed25519Verify } from '../keys';

// The signed layouts live in protocol/ because the server checks the same bytes.
export { ownerAddSignedBytes, rotateSignedBytes, type RotateFields };

const X25519_INFO = 'message-app/v1/x25519-key';
const OWNER_INFO = 'message-app/v1/owner:';

/** RFC 8410 PKCS#8 and SPKI prefixes for a raw X25519 key (OID 1.3.101.110). */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function hkdf32(ikm: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), info, 32));
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== 32) throw new RangeError('an identity seed is 32 bytes');
}

export interface X25519KeyPair {
  /** The raw 32-byte private scalar (RFC 7748 clamps it inside X25519). */
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/** x25519_private = HKDF-SHA256(seed, empty, "message-app/v1/x25519-key", 32); public = X25519(private, 9). */
export function x25519FromSeed(seed: Uint8Array): X25519KeyPair {
  checkSeed(seed);
  const privateKey = hkdf32(seed, X25519_INFO);
  return { privateKey, publicKey: x25519Public(privateKey) };
}

function x25519KeyObject(privateKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
}

export function x25519Public(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== 32) throw new RangeError('an X25519 private key is 32 bytes');
  const spki = createPublicKey(x25519KeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** Exposed for tests that check the X25519 pair agrees with node:crypto's own Diffie-Hellman. */
export function x25519Shared(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const spki = Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), publicKey]);
  return new Uint8Array(
    diffieHellman({ privateKey: x25519KeyObject(privateKey), publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) }),
  );
}

export interface OwnerKey {
  readonly room: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** owner_seed = HKDF-SHA256(seed, empty, "message-app/v1/owner:" + room, 32); the Ed25519 pair of that seed. */
export function ownerKeyFromSeed(seed: Uint8Array, room: string): OwnerKey {
  checkSeed(seed);
  const ownerSeed = hkdf32(seed, OWNER_INFO + room);
  const privateKey = ed25519PrivateFromSeed(ownerSeed);
  ownerSeed.fill(0);
  const publicKey = ed25519RawPublic(privateKey);
  return { room, publicKey, sign: (message) => ed25519Sign(privateKey, message) };
}

export function signRotate(owner: OwnerKey, f: RotateFields): Uint8Array {
  if (owner.room !== f.room) throw new RangeError('the owner key belongs to another room');
  return owner.sign(rotateSignedBytes(f));
}

export function verifyRotate(ownerPublic: Uint8Array, f: RotateFields, sig: Uint8Array): boolean {
  return ed25519Verify(ownerPublic, rotateSignedBytes(f), sig);
}

export function signOwnerAdd(by: OwnerKey, newOwner: Uint8Array): Uint8Array {
  return by.sign(ownerAddSignedBytes(by.room, newOwner));
}

export function verifyOwnerAdd(room: string, by: Uint8Array, newOwner: Uint8Array, sig: Uint8Array): boolean {
  return ed25519Verify(by, ownerAddSignedBytes(room, newOwner), sig);
}
