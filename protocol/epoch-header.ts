// The epoch an envelope names in its header (PROTOCOL.md section 12.6): read by the server's send check and by clients.

/** Version byte of section 4's envelope (epoch 0). */
export const ENVELOPE_V1 = 0x01;
/** Version byte of an envelope of an epoch after 0: 0x02 || u32(epoch) || nonce || ciphertext. */
export const ENVELOPE_V2 = 0x02;
export const V2_HEADER_BYTES = 5;

/**
 * 0 for a v1 envelope, the header's epoch for a v2 one, null for anything else
 * (too short, unknown version): the server refuses those in a rotated room.
 */
export function envelopeEpoch(env: Uint8Array): number | null {
  if (env.length < 1) return null;
  if (env[0] === ENVELOPE_V1) return 0;
  if (env[0] !== ENVELOPE_V2 || env.length < V2_HEADER_BYTES) return null;
  return new DataView(env.buffer, env.byteOffset, env.byteLength).getUint32(1, false);
}

/** u32(x): 4-byte unsigned big-endian, as section 12 writes integers inside signed or authenticated bytes. */
export function u32(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError('u32 out of range');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}
