// Shrinks a decoded RGBA bitmap by a whole factor (area averaging), before jimp's resampler does the last step.
//
// Why: jimp's default resize keeps float buffers of the source size (a 4K PNG
// costs ~130 MB extra and most of a second). Averaging k x k blocks first is
// one integer pass and exactly the area filter a downscale wants; it is the
// PNG/GIF/BMP counterpart of decoding a JPEG at a reduced DCT scale. Colours
// are averaged weighted by alpha, so transparent pixels (often black) do not
// darken the edges of what is visible.

export interface RgbaBitmap {
  data: Buffer;
  width: number;
  height: number;
}

/** The largest whole factor that keeps the longer side at or above `targetLongSide` (1 = no shrink). */
export function shrinkFactor(width: number, height: number, targetLongSide: number): number {
  return Math.max(1, Math.floor(Math.max(width, height) / targetLongSide));
}

/** Averages factor x factor blocks (partial blocks at the right and bottom edges use the pixels they have). */
export function boxShrink(source: RgbaBitmap, factor: number): RgbaBitmap {
  if (factor <= 1) return source;
  const { data: src, width: sw, height: sh } = source;
  const width = Math.ceil(sw / factor);
  const height = Math.ceil(sh / factor);
  const data = Buffer.alloc(width * height * 4);
  // One row of output blocks at a time: sums per output column.
  const r = new Float64Array(width);
  const g = new Float64Array(width);
  const b = new Float64Array(width);
  const a = new Float64Array(width);
  const n = new Uint32Array(width);
  for (let oy = 0; oy < height; oy++) {
    r.fill(0);
    g.fill(0);
    b.fill(0);
    a.fill(0);
    n.fill(0);
    const yEnd = Math.min(sh, (oy + 1) * factor);
    for (let y = oy * factor; y < yEnd; y++) {
      let i = y * sw * 4;
      for (let x = 0; x < sw; x++, i += 4) {
        const ox = (x / factor) | 0;
        const alpha = src[i + 3] ?? 0;
        r[ox]! += (src[i] ?? 0) * alpha;
        g[ox]! += (src[i + 1] ?? 0) * alpha;
        b[ox]! += (src[i + 2] ?? 0) * alpha;
        a[ox]! += alpha;
        n[ox]!++;
      }
    }
    let o = oy * width * 4;
    for (let ox = 0; ox < width; ox++, o += 4) {
      const alphaSum = a[ox] ?? 0;
      if (alphaSum > 0) {
        data[o] = Math.round((r[ox] ?? 0) / alphaSum);
        data[o + 1] = Math.round((g[ox] ?? 0) / alphaSum);
        data[o + 2] = Math.round((b[ox] ?? 0) / alphaSum);
      }
      data[o + 3] = Math.round(alphaSum / (n[ox] || 1));
    }
  }
  return { data, width, height };
}
