// Key grants (PROTOCOL.md section 12.5): the next epoch's passphrase sealed to one member's X25519 key with RFC 9180 HPKE.

import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { u32 } from '../../protocol/epoch-header';
import { concatBytes, utf8 } from '../keys';

const GRANT_INFO = 'message-app/v1/grant:';

// Base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the suite section 12.5 names.
const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

export interface GrantEntry {
  /** The addressee's x25519_public. */
  x: Uint8Array;
  /** HPKE encapsulated key (32 bytes). */
  enc: Uint8Array;
  ct: Uint8Array;
}

/** info = "message-app/v1/grant:" + room + 0x00 || u32(epoch). */
export function grantInfo(room: string, epoch: number): Uint8Array {
  return concatBytes(utf8(GRANT_INFO + room), new Uint8Array([0]), u32(epoch));
}

function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** SealBase(pkR = x, info, aad = x, pt = UTF-8(NFKC(passphrase))). `ephemeral` is for test vectors only. */
export async function sealGrant(
  room: string,
  epoch: number,
  recipient: Uint8Array,
  passphrase: string,
  ephemeral?: Uint8Array,
): Promise<GrantEntry> {
  if (recipient.length !== 32) throw new RangeError('an X25519 public key is 32 bytes');
  const recipientPublicKey = await suite.kem.importKey('raw', buffer(recipient), true);
  const sealed = await suite.seal(
    {
      recipientPublicKey,
      info: buffer(grantInfo(room, epoch)),
      ...(ephemeral ? { ekm: buffer(ephemeral) } : {}),
    },
    buffer(utf8(passphrase.normalize('NFKC'))),
    buffer(recipient),
  );
  return { x: new Uint8Array(recipient), enc: new Uint8Array(sealed.enc), ct: new Uint8Array(sealed.ct) };
}

/**
 * Opens the entry addressed to this X25519 key pair among a grant's entries:
 * the passphrase, or null when none is addressed to it or it does not open (never throws).
 */
export async function openGrant(
  room: string,
  epoch: number,
  own: { privateKey: Uint8Array; publicKey: Uint8Array },
  entries: readonly GrantEntry[],
): Promise<string | null> {
  const entry = entries.find((e) => e.x.length === 32 && Buffer.from(e.x).equals(Buffer.from(own.publicKey)));
  if (!entry) return null;
  try {
    const privateKey = await suite.kem.importKey('raw', buffer(own.privateKey), false);
    const publicKey = await suite.kem.importKey('raw', buffer(own.publicKey), true);
    const plain = await suite.open(
      { recipientKey: { privateKey, publicKey }, enc: buffer(entry.enc), info: buffer(grantInfo(room, epoch)) },
      buffer(entry.ct),
      buffer(entry.x),
    );
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return null;
  }
}
