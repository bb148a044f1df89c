// Joining byte arrays: used by the framing decoder, the server's outbound batching and the client's signed and sealed inputs.

/**
 * Copies `parts` into one new array (`length`, their total, when the caller
 * already counted it). With `headroom`, the result is a view at that offset of
 * a larger buffer, so a caller can later write a header in front of it without copying.
 */
export function concat(parts: readonly Uint8Array[], length = totalLength(parts), headroom = 0): Uint8Array {
  const out = new Uint8Array(headroom + length).subarray(headroom);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function totalLength(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const part of parts) n += part.length;
  return n;
}
