// Envelopes of epochs after 0 (PROTOCOL.md section 12.6): the epoch in the header and in the AAD.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ENVELOPE_V2, V2_HEADER_BYTES, envelopeEpoch, u32 } from '../../protocol/epoch-header';
import { SIGNATURE_BYTES } from '../../protocol/constants';
import { signBody } from '../envelope';
import { concatBytes, utf8, type Identity } from '../keys';

export const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD_CONTEXT = 'message-app/v2/env:';

/** aad = "message-app/v2/env:" + room + 0x00 || u32(epoch): a server cannot relabel an envelope's epoch. */
export function v2Aad(room: string, epoch: number): Uint8Array {
  return concatBytes(utf8(AAD_CONTEXT + room), new Uint8Array([0]), u32(epoch));
}

/** env = 0x02 || u32(epoch) || nonce || AES-256-GCM(enc_key, nonce, plaintext, aad) (ciphertext then tag). */
export function sealV2Plaintext(room: string, epoch: number, encKey: Uint8Array, plaintext: Uint8Array, nonce?: Uint8Array): Uint8Array {
  if (epoch < 1) throw new RangeError('epoch 0 uses the version 1 envelope (section 4)');
  const iv = nonce ?? randomBytes(NONCE_BYTES);
  if (iv.length !== NONCE_BYTES) throw new RangeError('the nonce is 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', encKey, iv);
  cipher.setAAD(v2Aad(room, epoch));
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  return concatBytes(new Uint8Array([ENVELOPE_V2]), u32(epoch), iv, head, tail, cipher.getAuthTag());
}

/** Signs the body bytes with the identity (section 4) and seals `signature || body` for the epoch. */
export function sealV2Body(
  room: string,
  epoch: number,
  encKey: Uint8Array,
  identity: Identity,
  bodyBytes: Uint8Array,
  nonce?: Uint8Array,
): Uint8Array {
  return sealV2Plaintext(room, epoch, encKey, concatBytes(signBody(identity, room, bodyBytes), bodyBytes), nonce);
}

/**
 * `signature || body` of a v2 envelope, given the keys of each epoch the caller holds,
 * or null (never throws) when the header is not v2, the epoch's key is unknown, or it fails to open.
 */
export function openV2Plaintext(room: string, env: Uint8Array, keyOf: (epoch: number) => Uint8Array | undefined): Uint8Array | null {
  try {
    if (env.length < V2_HEADER_BYTES + NONCE_BYTES + TAG_BYTES + SIGNATURE_BYTES || env[0] !== ENVELOPE_V2) return null;
    const epoch = envelopeEpoch(env);
    if (epoch === null || epoch < 1) return null;
    const key = keyOf(epoch);
    if (!key) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, env.subarray(V2_HEADER_BYTES, V2_HEADER_BYTES + NONCE_BYTES));
    decipher.setAAD(v2Aad(room, epoch));
    decipher.setAuthTag(env.subarray(env.length - TAG_BYTES));
    const head = decipher.update(env.subarray(V2_HEADER_BYTES + NONCE_BYTES, env.length - TAG_BYTES));
    return concatBytes(head, decipher.final());
  } catch {
    return null;
  }
}
