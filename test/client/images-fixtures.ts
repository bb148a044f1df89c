// Builds test images in memory (JPEG with hand-made EXIF/GPS, PNGs, GIFs, a decompression bomb) and inspects encoded output.

import { deflateSync } from 'node:zlib';
import { Jimp } from 'jimp';

export type Rgba = readonly [number, number, number, number];

export const RED: Rgba = [230, 20, 20, 255];
export const GREEN: Rgba = [20, 200, 40, 255];
export const BLUE: Rgba = [20, 40, 220, 255];
export const WHITE: Rgba = [250, 250, 250, 255];

/** Colour of the quadrant that holds (x, y) in an upright w x h picture: red, green / blue, white. */
export function quadrant(x: number, y: number, w: number, h: number): Rgba {
  const right = x >= w / 2;
  const bottom = y >= h / 2;
  return bottom ? (right ? WHITE : BLUE) : right ? GREEN : RED;
}

/**
 * Where the stored pixel for displayed (x, y) lives under EXIF orientation o,
 * with w x h the stored size (the table at sylvana.net/jpegcrop/exif_orientation.html).
 */
export function storedPosition(o: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (o) {
    case 2: return [w - x - 1, y];
    case 3: return [w - x - 1, h - y - 1];
    case 4: return [x, h - y - 1];
    case 5: return [y, x];
    case 6: return [y, h - x - 1];
    case 7: return [w - y - 1, h - x - 1];
    case 8: return [w - y - 1, x];
    default: return [x, y];
  }
}

/** RGBA pixels of the quadrant picture (display size dw x dh) as a camera would store it under orientation o. */
export function storedQuadrants(o: number, dw: number, dh: number): { data: Buffer; width: number; height: number } {
  const width = o >= 5 ? dh : dw;
  const height = o >= 5 ? dw : dh;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const [sx, sy] = storedPosition(o, x, y, width, height);
      data.set(quadrant(x, y, dw, dh), (sy * width + sx) * 4);
    }
  }
  return { data, width, height };
}

export async function encodeJpeg(bitmap: { data: Buffer; width: number; height: number }, quality = 90): Promise<Uint8Array> {
  return new Uint8Array(await Jimp.fromBitmap(bitmap).getBuffer('image/jpeg', { quality }));
}

export async function encodePng(bitmap: { data: Buffer; width: number; height: number }): Promise<Uint8Array> {
  return new Uint8Array(await Jimp.fromBitmap(bitmap).getBuffer('image/png'));
}

export async function encodeGif(bitmap: { data: Buffer; width: number; height: number }): Promise<Uint8Array> {
  return new Uint8Array(await Jimp.fromBitmap(bitmap).getBuffer('image/gif'));
}

export function solid(width: number, height: number, rgba: Rgba): { data: Buffer; width: number; height: number } {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width, height };
}

// --- EXIF: a TIFF structure with IFD0 (Make, Orientation, GPS pointer) and a GPS IFD.

export const EXIF_MAKE = 'TestCam Model-X';

/** An APP1 EXIF payload ("Exif\0\0" + TIFF) with orientation, camera make and GPS position 48°51'29.6"N 2°17'40.2"E. */
export function exifPayload(orientation: number, littleEndian = false): Uint8Array {
  const tiff = new Uint8Array(168);
  const v = new DataView(tiff.buffer);
  const le = littleEndian;
  tiff.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  v.setUint16(2, 42, le);
  v.setUint32(4, 8, le);
  const entry = (at: number, tag: number, type: number, count: number, value: (p: number) => void): void => {
    v.setUint16(at, tag, le);
    v.setUint16(at + 2, type, le);
    v.setUint32(at + 4, count, le);
    value(at + 8);
  };
  // IFD0 at 8: 3 entries, next-IFD 0; ends at 50.
  v.setUint16(8, 3, le);
  entry(10, 0x010f, 2, EXIF_MAKE.length + 1, (p) => v.setUint32(p, 104, le));
  entry(22, 0x0112, 3, 1, (p) => v.setUint16(p, orientation, le));
  entry(34, 0x8825, 4, 1, (p) => v.setUint32(p, 50, le));
  v.setUint32(46, 0, le);
  // GPS IFD at 50: 4 entries; ends at 104.
  v.setUint16(50, 4, le);
  entry(52, 0x0001, 2, 2, (p) => tiff.set([0x4e, 0], p)); // 'N'
  entry(64, 0x0002, 5, 3, (p) => v.setUint32(p, 120, le));
  entry(76, 0x0003, 2, 2, (p) => tiff.set([0x45, 0], p)); // 'E'
  entry(88, 0x0004, 5, 3, (p) => v.setUint32(p, 144, le));
  v.setUint32(100, 0, le);
  // Data: Make string at 104, latitude at 120, longitude at 144 (rationals: numerator, denominator).
  tiff.set(new TextEncoder().encode(EXIF_MAKE), 104);
  const rationals = (at: number, values: [number, number][]): void =>
    values.forEach(([n, d], i) => {
      v.setUint32(at + i * 8, n, le);
      v.setUint32(at + i * 8 + 4, d, le);
    });
  rationals(120, [[48, 1], [51, 1], [2960, 100]]);
  rationals(144, [[2, 1], [17, 1], [4020, 100]]);
  const payload = new Uint8Array(6 + tiff.length);
  payload.set(new TextEncoder().encode('Exif\0\0'), 0);
  payload.set(tiff, 6);
  return payload;
}

/** The GPS latitude seconds as stored (2960/100 big-endian), to look for in output bytes. */
export const GPS_MARKER_BE = Uint8Array.from([0, 0, 0x0b, 0x90, 0, 0, 0, 100]);

/** Inserts an APP1 segment right after SOI (where cameras put it). */
export function withApp1(jpeg: Uint8Array, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  const out = new Uint8Array(jpeg.length + 2 + length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set([0xff, 0xe1, length >> 8, length & 0xff], 2);
  out.set(payload, 6);
  out.set(jpeg.subarray(2), 6 + payload.length);
  return out;
}

/** Marker bytes of every segment before the first scan (0xE0 = APP0, 0xE1 = APP1/EXIF, 0xFE = comment ...). */
export function jpegMarkers(jpeg: Uint8Array): number[] {
  const markers: number[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    markers.push(marker);
    if (marker === 0xda) break;
    at += 2 + (((jpeg[at + 2] ?? 0) << 8) | (jpeg[at + 3] ?? 0));
  }
  return markers;
}

/** Chunk types of a PNG, in order. */
export function pngChunkTypes(png: Uint8Array): string[] {
  const types: string[] = [];
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 12 <= png.length) {
    types.push(String.fromCharCode(...png.subarray(at + 4, at + 8)));
    at += 12 + v.getUint32(at);
  }
  return types;
}

export function contains(haystack: Uint8Array, needle: Uint8Array | string): boolean {
  const n = typeof needle === 'string' ? new TextEncoder().encode(needle) : needle;
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

// --- PNG by hand, for the bomb: valid chunks with CRCs (PNG spec section 5.5).

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * A 1-bit greyscale PNG of width x height whose IDAT is `idat` (default: real
 * deflated zero rows, so the file is tiny and decodes to width*height*4 bytes).
 */
export function pngBomb(width: number, height: number, idat?: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, adaptive filter, no interlace
  const rows = idat ?? deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * height), { level: 9 });
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

export async function decodePixels(bytes: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const image = await Jimp.fromBuffer(Buffer.from(bytes));
  return image.bitmap;
}

export function pixelAt(bitmap: { data: Buffer; width: number }, x: number, y: number): Rgba {
  const i = (y * bitmap.width + x) * 4;
  return [bitmap.data[i] ?? 0, bitmap.data[i + 1] ?? 0, bitmap.data[i + 2] ?? 0, bitmap.data[i + 3] ?? 0];
}

export function near(a: Rgba, b: Rgba, tolerance = 40): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);
}

/** A small deterministic PRNG (mulberry32) for the mutation tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
