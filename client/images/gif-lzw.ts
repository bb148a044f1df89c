// Checks a GIF frame's LZW code stream before jimp's GIF decoder (omggif) runs on it.
//
// Why: omggif 1.0.10 trusts the codes. A damaged stream with a code beyond the
// next free table entry builds a prefix chain that points back at itself, and
// omggif's chase loop then spins forever (found by the mutation test in
// test/client/images-cases.ts). In the extension host that would hang every
// extension. Valid streams (GIF89a appendix F) never use a code above the next
// free entry, and with that rule every chain strictly descends, so refusing
// such streams here makes omggif's loops finite. This walks the codes exactly
// as omggif reads them (same bit order, code-size growth and clear handling)
// without producing pixels.

const MAX_CODES = 4096;

/**
 * True when the LZW data at `at` (the minimum code size byte, then sub-blocks)
 * uses only codes a decoder can resolve. `pixels` bounds the work: once that
 * many indices would be out, the decoder stops, and so do we.
 */
export function gifLzwIsSound(bytes: Uint8Array, at: number, pixels: number): boolean {
  let p = at;
  const minCodeSize = bytes[p++] ?? 0;
  if (minCodeSize < 2 || minCodeSize > 8) return false;
  const clearCode = 1 << minCodeSize;
  const eoiCode = clearCode + 1;
  let nextCode = eoiCode + 1;
  let codeSize = minCodeSize + 1;
  let codeMask = (1 << codeSize) - 1;
  let bits = 0;
  let bitCount = 0;
  let subBlock = bytes[p++] ?? 0;
  let previous = -1;
  let out = 0;
  // Output length of each table entry; literals are 1.
  const lengths = new Uint16Array(MAX_CODES);
  for (;;) {
    while (bitCount < 16) {
      if (subBlock === 0) break;
      bits |= (bytes[p++] ?? 0) << bitCount;
      bitCount += 8;
      if (subBlock === 1) subBlock = bytes[p++] ?? 0;
      else subBlock--;
    }
    if (bitCount < codeSize) return true; // data ends without EOI: the decoder stops here too
    const code = bits & codeMask;
    bits >>= codeSize;
    bitCount -= codeSize;
    if (code === clearCode) {
      nextCode = eoiCode + 1;
      codeSize = minCodeSize + 1;
      codeMask = (1 << codeSize) - 1;
      previous = -1;
      continue;
    }
    if (code === eoiCode) return true;
    if (code > nextCode || (code === nextCode && previous === -1)) return false;
    const length = code < clearCode ? 1 : code < nextCode ? (lengths[code] ?? 0) : (lengths[previous] ?? 0) + 1;
    if (length === 0) return false; // a table slot not filled since the last clear
    out += length;
    if (out > pixels) return true; // the decoder stops at the frame size
    if (previous !== -1 && nextCode < MAX_CODES) {
      const prefix = previous < clearCode ? 1 : (lengths[previous] ?? 0);
      lengths[nextCode++] = Math.min(prefix + 1, 0xffff);
      if (nextCode >= codeMask + 1 && codeSize < 12) {
        codeSize++;
        codeMask = (codeMask << 1) | 1;
      }
    }
    previous = code;
  }
}
