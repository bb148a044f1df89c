// Room keys and identities (PROTOCOL.md section 3): scrypt -> HKDF -> AES key and
// Ed25519 auth key, the join proof, identity key pairs and their fingerprints.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdf,
  randomBytes,
  scrypt,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { concat } from '../protocol/bytes';
import type { KdfParams } from '../protocol/frames';
import { KdfRefusedError } from './errors';

export const DEFAULT_KDF: Readonly<KdfParams> = Object.freeze({ n: 2 ** 17, r: 8, p: 1 });
/** Below this a hostile server could make passphrases cheap to brute-force. */
export const KDF_FLOOR: Readonly<KdfParams> = Object.freeze({ n: 2 ** 15, r: 8, p: 1 });
/** Above this a hostile server could stall or exhaust the client (2 GiB at N=2^20, r=16). */
export const KDF_CEILING: Readonly<KdfParams> = Object.freeze({ n: 2 ** 20, r: 16, p: 4 });

const ENC_INFO = 'message-app/v1/enc:';
const AUTH_INFO = 'message-app/v1/auth:';
const JOIN_CONTEXT = 'message-app/v1/join:';

/** RFC 8410 PKCS#8 wrapping of a raw 32-byte Ed25519 seed (the DER prefix before the seed). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface KdfOptions {
  /** Test code only: accept parameters down to this floor (so suites run fast). */
  floor?: KdfParams;
}

/** Throws KdfRefusedError unless floor <= kdf <= ceiling and N is a power of two. */
export function checkKdf(kdf: KdfParams, opts: KdfOptions = {}, room?: string): void {
  const floor = opts.floor ?? KDF_FLOOR;
  const { n, r, p } = kdf;
  if (![n, r, p].every((v) => Number.isSafeInteger(v) && v > 0)) {
    throw new KdfRefusedError('N, r and p must be positive integers', room);
  }
  if (n < 2 || (n & (n - 1)) !== 0) throw new KdfRefusedError(`N=${n} is not a power of two`, room);
  if (n < floor.n || r < floor.r || p < floor.p) {
    throw new KdfRefusedError(`N=${n}, r=${r}, p=${p} is weaker than the minimum N=${floor.n}, r=${floor.r}, p=${floor.p}`, room);
  }
  if (n > KDF_CEILING.n || r > KDF_CEILING.r || p > KDF_CEILING.p) {
    throw new KdfRefusedError(
      `N=${n}, r=${r}, p=${p} is above the maximum N=${KDF_CEILING.n}, r=${KDF_CEILING.r}, p=${KDF_CEILING.p}`,
      room,
    );
  }
}

export interface RoomKeys {
  room: string;
  roomSecret: Uint8Array;
  /** AES-256-GCM key for envelopes. */
  encKey: Uint8Array;
  /** RFC 8032 seed of the room's Ed25519 auth key. */
  authSeed: Uint8Array;
  authPublic: Uint8Array;
  authPrivate: KeyObject;
}

/** scrypt through the async API so the caller's event loop (the editor) never freezes. */
export function scryptAsync(passphrase: string, salt: Uint8Array, kdf: KdfParams): Promise<Uint8Array> {
  const password = Buffer.from(passphrase.normalize('NFKC'), 'utf8');
  // Node refuses unless maxmem covers 128*N*r (the V array) plus 128*r*p (B) plus slack.
  const maxmem = 128 * kdf.r * (kdf.n + kdf.p + 2) + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem }, (error, key) => {
      password.fill(0);
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

export function hkdfSha256(ikm: Uint8Array, info: string, length = 32): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    hkdf('sha256', ikm, new Uint8Array(0), info, length, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

/** Ed25519 private key from a 32-byte seed, through node:crypto (works on Node and Bun). */
export function ed25519PrivateFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte public key: the last 32 bytes of the SPKI DER export. */
export function ed25519RawPublic(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const publicKeyCache = new Map<string, KeyObject>();

/** A KeyObject for a raw 32-byte Ed25519 public key (cached: senders repeat). */
export function ed25519PublicFromRaw(raw: Uint8Array): KeyObject {
  const id = Buffer.from(raw).toString('hex');
  let key = publicKeyCache.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (publicKeyCache.size > 1000) publicKeyCache.clear();
    publicKeyCache.set(id, key);
  }
  return key;
}

export function ed25519Sign(key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key));
}

/** Never throws: a malformed key or signature is simply not valid. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, message, ed25519PublicFromRaw(publicKey), signature);
  } catch {
    return false;
  }
}

/** Derives every key of a room from its passphrase; refuses KDF parameters outside the floor and ceiling. */
export async function deriveRoomKeys(
  passphrase: string,
  room: string,
  salt: Uint8Array,
  kdf: KdfParams,
  opts: KdfOptions = {},
): Promise<RoomKeys> {
  checkKdf(kdf, opts, room);
  const roomSecret = await scryptAsync(passphrase, salt, kdf);
  const [encKey, authSeed] = await Promise.all([
    hkdfSha256(roomSecret, ENC_INFO + room),
    hkdfSha256(roomSecret, AUTH_INFO + room),
  ]);
  const authPrivate = ed25519PrivateFromSeed(authSeed);
  return { room, roomSecret, encKey, authSeed, authPublic: ed25519RawPublic(authPrivate), authPrivate };
}

/** proof = Ed25519-sign(auth key, "message-app/v1/join:" + room + 0x00 + challenge) (section 5). */
export function joinProof(keys: Pick<RoomKeys, 'room' | 'authPrivate'>, challenge: Uint8Array): Uint8Array {
  return ed25519Sign(keys.authPrivate, concatBytes(utf8(JOIN_CONTEXT + keys.room), new Uint8Array([0]), challenge));
}

export function newSalt(): Uint8Array {
  return new Uint8Array(randomBytes(16));
}

/** An installation's Ed25519 identity. The seed stays inside; exportSeed() is for the key store only. */
export class Identity {
  readonly publicKey: Uint8Array;
  readonly fingerprint: string;
  readonly #privateKey: KeyObject;
  readonly #seed: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#seed = new Uint8Array(seed);
    this.#privateKey = ed25519PrivateFromSeed(this.#seed);
    this.publicKey = ed25519RawPublic(this.#privateKey);
    this.fingerprint = fingerprint(this.publicKey);
  }

  sign(message: Uint8Array): Uint8Array {
    return ed25519Sign(this.#privateKey, message);
  }

  /** The 32-byte seed, to be kept in secret storage (a 0600 file for the CLI). */
  exportSeed(): Uint8Array {
    return new Uint8Array(this.#seed);
  }

  /** Keeps the seed out of logs and JSON dumps. */
  toJSON(): { publicKey: string; fingerprint: string } {
    return { publicKey: Buffer.from(this.publicKey).toString('hex'), fingerprint: this.fingerprint };
  }
}

export function generateIdentity(): Identity {
  return new Identity(randomBytes(32));
}

export function identityFromSeed(seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new RangeError('an identity seed is 32 bytes');
  return new Identity(seed);
}

/** base32(SHA-256(public key)[0..15]) in groups of four: "LYOC IQ4N 73YH RUIN RLDH 4RRM". */
export function fingerprint(publicKey: Uint8Array): string {
  const digest = createHash('sha256').update(publicKey).digest().subarray(0, 15);
  return (base32(digest).match(/.{1,4}/g) ?? []).join(' ');
}

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 section 6 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concat(parts);
}
