// Reads an image's format, pixel size and EXIF orientation from its header, without decoding pixels.
//
// This runs before any decoder sees the bytes: a few hundred bytes of PNG can
// declare a 100000 x 100000 image, so the size check has to come from the
// header. It also walks the container structure (PNG chunks, JPEG markers, GIF
// blocks) far enough to refuse a truncated file with a clear sentence instead
// of handing it to a decoder. Every read is bounds-checked; nothing here throws
// anything but ImageError.

import { ImageError } from './errors';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp';

export interface ImageHeader {
  format: ImageFormat;
  /** Stored pixel size, before the EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation 1..8 (JPEG only; 1 when absent or invalid). */
  orientation: number;
  /** Pixels the decoder will allocate (GIF: the larger of the screen and the first frame). */
  decodePixels: number;
  /** GIF only: where the first frame's LZW data starts and how many pixels it has. */
  gifFrame?: { lzwAt: number; pixels: number };
}

const SUPPORTED = 'PNG, JPEG, GIF or BMP';

function corrupt(detail: string): ImageError {
  return new ImageError('corrupt', `The image file is damaged or incomplete (${detail}).`);
}

function u16be(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}
function u32be(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}
function u16le(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}
function u32le(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}
function startsWith(b: Uint8Array, at: number, ascii: string): boolean {
  if (b.length < at + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (b[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Identifies the format and reads the header. Throws ImageError:
 * not_an_image (unknown bytes), unsupported_format (a known image format we do
 * not decode, such as WebP, HEIC or SVG), corrupt (truncated or inconsistent).
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length === 0) throw new ImageError('not_an_image', 'The file is empty.');
  if (PNG_SIGNATURE.every((v, i) => bytes[i] === v)) return readPng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes);
  if (startsWith(bytes, 0, 'GIF87a') || startsWith(bytes, 0, 'GIF89a')) return readGif(bytes);
  if (startsWith(bytes, 0, 'BM') && bytes.length >= 14) return readBmp(bytes);
  const other = sniffUnsupported(bytes);
  if (other !== undefined) {
    throw new ImageError('unsupported_format', `${other} images can't be sent; use ${SUPPORTED}.`);
  }
  throw new ImageError('not_an_image', `The file is not an image (${SUPPORTED}).`);
}

/** Names image formats we recognise but do not decode, so the user learns why. */
function sniffUnsupported(b: Uint8Array): string | undefined {
  if (startsWith(b, 0, 'RIFF') && startsWith(b, 8, 'WEBP')) return 'WebP';
  if (startsWith(b, 4, 'ftyp')) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    if (brand.startsWith('avi')) return 'AVIF';
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'HEIC';
  }
  if (startsWith(b, 0, 'II*\0') || startsWith(b, 0, 'MM\0*')) return 'TIFF';
  if (startsWith(b, 0, '\0\0\x01\0')) return 'ICO';
  // SVG is text: look for the root element near the start (after a BOM, XML prolog or comments).
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 1024)).replace(/^\uFEFF/, '');
  if (/^\s*</.test(head) && /<svg[\s>]/i.test(head)) return 'SVG';
  return undefined;
}

// --- PNG (RFC 2083 / PNG spec section 5): signature, IHDR first, chunks up to IEND.

function readPng(b: Uint8Array): ImageHeader {
  if (b.length < 33) throw corrupt('the PNG header is cut short');
  if (u32be(b, 8) !== 13 || !startsWith(b, 12, 'IHDR')) throw corrupt('the PNG header is missing');
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  // PNG section 11.2.2: width and height are 1 .. 2^31-1.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw corrupt('the PNG size is invalid');
  // Walk the chunks (length, type, data, CRC) to the end marker: a cut-off file stops mid-chunk.
  let at = 8;
  let sawData = false;
  for (;;) {
    if (at + 12 > b.length) throw corrupt('the PNG ends early');
    const length = u32be(b, at);
    if (length > 0x7fffffff || at + 12 + length > b.length) throw corrupt('the PNG ends early');
    if (startsWith(b, at + 4, 'IDAT')) sawData = true;
    if (startsWith(b, at + 4, 'IEND')) break;
    at += 12 + length;
  }
  if (!sawData) throw corrupt('the PNG has no picture data');
  return { format: 'png', width, height, orientation: 1, decodePixels: width * height };
}

// --- JPEG (ITU T.81 annex B): markers up to the first scan, then an EOI after it.

function isSof(marker: number): boolean {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpeg(b: Uint8Array): ImageHeader {
  let at = 2;
  let width = 0;
  let height = 0;
  let orientation = 1;
  let lossless = false;
  for (;;) {
    // Markers may be preceded by any number of 0xFF fill bytes (T.81 B.1.1.2).
    if (at >= b.length) throw corrupt('the JPEG ends before its picture data');
    if (b[at] !== 0xff) throw corrupt('the JPEG markers are broken');
    while (at < b.length && b[at] === 0xff) at++;
    if (at >= b.length) throw corrupt('the JPEG ends before its picture data');
    const marker = b[at] ?? 0;
    at++;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9) throw corrupt('the JPEG has no picture data');
    if (at + 2 > b.length) throw corrupt('the JPEG ends early');
    const length = u16be(b, at);
    if (length < 2 || at + length > b.length) throw corrupt('the JPEG ends early');
    const seg = b.subarray(at + 2, at + length);
    if (isSof(marker)) {
      if (seg.length < 6) throw corrupt('the JPEG frame header is cut short');
      height = u16be(seg, 1);
      width = u16be(seg, 3);
      // SOF3/7/11/15 are lossless JPEG, which the decoders here do not read.
      lossless = (marker & 0x03) === 0x03;
    } else if (marker === 0xe1 && startsWith(seg, 0, 'Exif\0\0')) {
      orientation = exifOrientation(seg.subarray(6)) ?? orientation;
    } else if (marker === 0xda) {
      if (width === 0 && height === 0) throw corrupt('the JPEG has no frame header');
      // Entropy-coded data follows; a complete file has an EOI after it.
      if (!hasEoiAfter(b, at + length)) throw corrupt('the JPEG ends before its picture data does');
      break;
    }
    at += length;
  }
  if (lossless) throw new ImageError('unsupported_format', `Lossless JPEG images can't be sent; use ${SUPPORTED}.`);
  // A zero height means "defined later by a DNL marker", which no camera writes.
  if (width === 0 || height === 0) throw corrupt('the JPEG size is invalid');
  return { format: 'jpeg', width, height, orientation, decodePixels: width * height };
}

function hasEoiAfter(b: Uint8Array, from: number): boolean {
  // Search backwards: the EOI is normally the last two bytes, sometimes followed by padding.
  for (let i = b.length - 2; i >= from; i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

/** Orientation tag (0x0112) of IFD0 in a TIFF structure (EXIF 2.3 section 4.6.4); undefined if absent or bad. */
export function exifOrientation(tiff: Uint8Array): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = startsWith(tiff, 0, 'II');
  if (!little && !startsWith(tiff, 0, 'MM')) return undefined;
  const r16 = little ? u16le : u16be;
  const r32 = little ? u32le : u32be;
  if (r16(tiff, 2) !== 42) return undefined;
  const ifd = r32(tiff, 4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = r16(tiff, ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (r16(tiff, entry) !== 0x0112) continue;
    if (r16(tiff, entry + 2) !== 3) return undefined; // must be SHORT
    const value = r16(tiff, entry + 8);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}

// --- GIF (GIF89a spec): logical screen, then blocks; the decoder draws frame 0 onto the screen.

function readGif(b: Uint8Array): ImageHeader {
  if (b.length < 13) throw corrupt('the GIF header is cut short');
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  const packed = b[10] ?? 0;
  let at = 13;
  if (packed & 0x80) at += 3 * (1 << ((packed & 0x07) + 1));
  let frame: { w: number; h: number; lzwAt: number } | undefined;
  const skipSubBlocks = (): void => {
    for (;;) {
      if (at >= b.length) throw corrupt('the GIF ends early');
      const size = b[at] ?? 0;
      at += 1 + size;
      if (size === 0) return;
    }
  };
  // Walk to the end of the first frame: that is all the decoder reads.
  while (frame === undefined) {
    if (at >= b.length) throw corrupt('the GIF has no picture data');
    const block = b[at] ?? 0;
    at++;
    if (block === 0x21) {
      at++; // extension label
      skipSubBlocks();
    } else if (block === 0x2c) {
      if (at + 9 > b.length) throw corrupt('the GIF ends early');
      const w = u16le(b, at + 4);
      const h = u16le(b, at + 6);
      const local = b[at + 8] ?? 0;
      at += 9;
      if (local & 0x80) at += 3 * (1 << ((local & 0x07) + 1));
      const lzwAt = at;
      at++; // LZW minimum code size
      skipSubBlocks();
      frame = { w, h, lzwAt };
    } else if (block === 0x3b) {
      throw corrupt('the GIF has no picture data');
    } else {
      throw corrupt('the GIF blocks are broken');
    }
  }
  if (width === 0 || height === 0 || frame.w === 0 || frame.h === 0) throw corrupt('the GIF size is invalid');
  return {
    format: 'gif',
    width,
    height,
    orientation: 1,
    decodePixels: Math.max(width * height, frame.w * frame.h),
    gifFrame: { lzwAt: frame.lzwAt, pixels: frame.w * frame.h },
  };
}

// --- BMP: file header (14 bytes), then a DIB header whose size tells its kind.

function readBmp(b: Uint8Array): ImageHeader {
  if (b.length < 26) throw corrupt('the BMP header is cut short');
  const dataOffset = u32le(b, 10);
  const dibSize = u32le(b, 14);
  let width: number;
  let height: number;
  if (dibSize === 12) {
    width = u16le(b, 18);
    height = u16le(b, 20);
  } else if (dibSize >= 40 && b.length >= 34) {
    width = u32le(b, 18) | 0;
    height = Math.abs(u32le(b, 22) | 0); // negative = stored top-down
  } else {
    throw corrupt('the BMP header is unknown');
  }
  if (width <= 0 || height <= 0) throw corrupt('the BMP size is invalid');
  if (dataOffset >= b.length) throw corrupt('the BMP ends early');
  // Uncompressed rows are padded to 4 bytes; a cut-off file has fewer rows than it declares.
  const bitsPerPixel = dibSize === 12 ? u16le(b, 24) : u16le(b, 28);
  const compression = dibSize === 12 ? 0 : u32le(b, 30);
  if (compression === 0 && dataOffset + Math.floor((width * bitsPerPixel + 31) / 32) * 4 * height > b.length) {
    throw corrupt('the BMP ends early');
  }
  return { format: 'bmp', width, height, orientation: 1, decodePixels: width * height };
}
