// Byte helpers shared by the framing decoder and the server's outbound batching.

/**
 * Copies `parts` (whose lengths add up to `length`) into one new array. With
 * `headroom`, the result is a view at that offset of a larger buffer, so a
 * caller can later write a header in front of it without copying.
 */
export function concat(parts: readonly Uint8Array[], length: number, headroom = 0): Uint8Array {
  const out = new Uint8Array(headroom + length).subarray(headroom);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
