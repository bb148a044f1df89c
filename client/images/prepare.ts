// Turns a picture file into a small PNG or JPEG ready to send: checks, decodes, orients, scales, re-encodes without metadata.
//
// Order matters for safety and memory: the header is read and the size limits
// are checked before any decoder runs (a 30 KB PNG can declare 10 gigapixels);
// JPEGs are decoded straight at a reduced scale (see jpeg-turbo.ts); the
// orientation is applied after scaling, on the small image. Re-encoding from
// pixels is what drops metadata: the encoders write no EXIF, GPS or text.

import { readFile, stat } from 'node:fs/promises';
import { Jimp } from 'jimp';
import { formatMegabytes, formatMegapixels, ImageError } from './errors';
import { readImageHeader, type ImageFormat, type ImageHeader } from './header';
import { cleanFileName } from './file-name';
import { gifLzwIsSound } from './gif-lzw';
import { decodeJpegScaled } from './jpeg-turbo';
import { boxShrink, shrinkFactor } from './shrink';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE, type PreparedImage } from './types';

export type { PreparedImage } from './types';
export { ImageError } from './errors';
// The receiving side lives in check.ts; re-exported because callers know both by this module.
export { checkReceivedImage } from './check';

export type PrepareInput = { bytes: Uint8Array; name?: string } | { path: string };

export interface PrepareOptions {
  /** Longest side of the result in pixels (never upscaled). Default 1280. */
  maxSide?: number;
  /** Largest input file accepted. Default 25 MiB. */
  maxFileBytes?: number;
  /** Largest input pixel count accepted. Default 50 megapixels. */
  maxPixels?: number;
  /** Largest encoded result (it must fit in one message); the image is scaled down further to fit. Default 15 MiB. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Called with 0..1 as the work advances (for a progress notification). */
  onProgress?: (fraction: number) => void;
}

export const JPEG_QUALITY = 85;

type JimpImage = Awaited<ReturnType<typeof Jimp.fromBuffer>>;

/**
 * Prepares an image for sending. Throws ImageError (with a sentence for the
 * user) for anything it refuses: too large, not an image, unsupported format,
 * damaged, or cancelled through `signal`.
 */
export async function prepareImage(input: PrepareInput, options: PrepareOptions = {}): Promise<PreparedImage> {
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!Number.isInteger(maxSide) || maxSide < 1) throw new RangeError('maxSide must be a positive integer');
  const { signal, onProgress } = options;
  const step = async (fraction: number): Promise<void> => {
    onProgress?.(fraction);
    // Let the event loop run (UI, a cancel click) between the heavy synchronous parts.
    await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfCancelled(signal);
  };

  throwIfCancelled(signal);
  const { bytes, name } = await readInput(input, maxFileBytes, signal);
  const header = readImageHeader(bytes);
  if (header.decodePixels > maxPixels) {
    throw new ImageError(
      'too_many_pixels',
      `The image is ${header.width} × ${header.height} pixels (${formatMegapixels(header.decodePixels)}); images up to ${formatMegapixels(maxPixels)} can be sent.`,
    );
  }
  await step(0.1);

  const image = await decode(bytes, header, maxSide);
  await step(0.6);

  // JPEG has no alpha; for the others, any pixel that is not fully opaque keeps the PNG.
  const transparent = header.format !== 'jpeg' && hasTransparency(image);
  const { width, height } = targetSize(header.width, header.height, maxSide);
  if (image.bitmap.width !== width || image.bitmap.height !== height) {
    image.resize({ w: width, h: height });
  }
  await step(0.75);

  applyOrientation(image, header.orientation);
  await step(0.85);

  const mime = transparent ? 'image/png' : 'image/jpeg';
  const encode = (): Promise<Buffer> =>
    mime === 'image/png' ? image.getBuffer('image/png', { deflateLevel: 6 }) : image.getBuffer('image/jpeg', { quality: JPEG_QUALITY });
  let encoded = await encode();
  // A large maxSide with a noisy PNG can pass what one message may carry: shrink until it fits.
  for (let tries = 0; encoded.length > maxOutputBytes && tries < 8; tries++) {
    await step(0.9);
    const f = Math.min(0.9, Math.sqrt(maxOutputBytes / encoded.length) * 0.95);
    image.resize({ w: Math.max(1, Math.round(image.bitmap.width * f)), h: Math.max(1, Math.round(image.bitmap.height * f)) });
    encoded = await encode();
  }
  if (encoded.length > maxOutputBytes) {
    throw new ImageError('too_large_file', `The image is still over ${formatMegabytes(maxOutputBytes)} after scaling; it can't be sent.`);
  }
  throwIfCancelled(signal);
  onProgress?.(1);
  const result: PreparedImage = {
    mime,
    w: image.bitmap.width,
    h: image.bitmap.height,
    // A small Buffer may be a view into Node's shared pool: hand out bytes that own their memory.
    data: encoded.byteLength === encoded.buffer.byteLength ? new Uint8Array(encoded.buffer) : Uint8Array.from(encoded),
  };
  if (name !== undefined) result.name = name;
  return result;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ImageError('cancelled', 'Preparing the image was cancelled.');
}

async function readInput(
  input: PrepareInput,
  maxFileBytes: number,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Uint8Array; name: string | undefined }> {
  const tooLarge = (size: number): ImageError =>
    new ImageError('too_large_file', `The file is ${formatMegabytes(size)}; images up to ${formatMegabytes(maxFileBytes)} can be sent.`);
  if ('bytes' in input) {
    if (input.bytes.length > maxFileBytes) throw tooLarge(input.bytes.length);
    return { bytes: input.bytes, name: cleanFileName(input.name) };
  }
  const name = cleanFileName(input.path);
  try {
    // Check the size before reading a byte of it.
    const info = await stat(input.path);
    if (!info.isFile()) throw new ImageError('unreadable', `${name ?? 'The path'} is not a file.`);
    if (info.size > maxFileBytes) throw tooLarge(info.size);
    const bytes = await readFile(input.path, signal ? { signal } : {});
    if (bytes.length > maxFileBytes) throw tooLarge(bytes.length); // grew since stat
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name };
  } catch (error) {
    if (error instanceof ImageError) throw error;
    if (signal?.aborted) throw new ImageError('cancelled', 'Preparing the image was cancelled.');
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : 'it could not be read';
    throw new ImageError('unreadable', `The file${name === undefined ? '' : ` ${name}`} could not be opened: ${why}.`);
  }
}

const FORMAT_MIME: Record<ImageFormat, 'image/png' | 'image/jpeg' | 'image/gif' | 'image/bmp'> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

const DAMAGED = 'The image file is damaged and could not be decoded.';

async function decode(bytes: Uint8Array, header: ImageHeader, maxSide: number): Promise<JimpImage> {
  if (header.format === 'jpeg') {
    const decoded = decodeJpegScaled(bytes, maxSide);
    if (decoded !== undefined) return Jimp.fromBitmap(decoded);
  }
  if (header.gifFrame && !gifLzwIsSound(bytes, header.gifFrame.lzwAt, header.gifFrame.pixels)) {
    throw new ImageError('corrupt', DAMAGED);
  }
  // jimp's own decoders (pngjs, omggif, bmp-ts, and jpeg-js when the WebAssembly decoder declined),
  // called directly: the header already told the format, and Jimp.fromBuffer would also apply
  // EXIF orientation on its own, at full size, before we scale.
  const format = new Jimp({ width: 1, height: 1 }).formats.find((f) => f.mime === FORMAT_MIME[header.format]);
  if (format === undefined) throw new ImageError('unsupported_format', 'This image format is not supported here.');
  let bitmap;
  try {
    bitmap = await quietly(() => format.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  } catch {
    // Decoder messages are not sentences for users (and may be anything); the code says what happened.
    throw new ImageError('corrupt', DAMAGED);
  }
  // GIF: jimp draws the first frame onto the logical screen, whose size the header gave.
  if (bitmap.width !== header.width || bitmap.height !== header.height || bitmap.data.length !== bitmap.width * bitmap.height * 4) {
    throw new ImageError('corrupt', DAMAGED);
  }
  // Most of a large downscale as one area-averaging pass; jimp's resampler does the rest.
  return Jimp.fromBitmap(boxShrink(bitmap, shrinkFactor(bitmap.width, bitmap.height, maxSide)));
}

/** Runs a synchronous decoder with console.log/warn muted: omggif prints warnings about damaged streams to stdout. */
function quietly<T>(run: () => T): T {
  const { log, warn } = console;
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    return run();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

/** Output size: the longer side at most maxSide, aspect kept, never upscaled. */
export function targetSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { width, height };
  const f = maxSide / long;
  return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)) };
}

function hasTransparency(image: JimpImage): boolean {
  const data = image.bitmap.data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return true;
  return false;
}

/**
 * Applies an EXIF orientation (EXIF 2.3, tag 0x0112) so the pixels are stored
 * as they should be shown. jimp's rotate turns counter-clockwise for positive
 * degrees.
 */
export function applyOrientation(image: JimpImage, orientation: number): void {
  switch (orientation) {
    case 2:
      image.flip({ horizontal: true });
      return;
    case 3:
      image.rotate(180);
      return;
    case 4:
      image.flip({ vertical: true });
      return;
    case 5: // transpose: rotate 90° clockwise, then mirror
      image.rotate(-90);
      image.flip({ horizontal: true });
      return;
    case 6: // rotate 90° clockwise
      image.rotate(-90);
      return;
    case 7: // transverse: rotate 90° clockwise, then flip vertically
      image.rotate(-90);
      image.flip({ vertical: true });
      return;
    case 8: // rotate 90° counter-clockwise
      image.rotate(90);
      return;
    default:
      return;
  }
}
