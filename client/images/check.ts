// Checks a received, decrypted image body before anything shows it: allowed type, sane size, header matching what it claims.
//
// Header only: a receiver must not spend memory or time on a hostile image,
// so nothing here decodes pixels. The webview then renders only PNG or JPEG
// bytes whose real dimensions are the ones stated (no SVG, so no scripts or
// remote references; no decompression bomb behind a small stated size).

import { isBytes, isFields, isString } from '../../protocol/guards';
import { ImageError } from './errors';
import { readImageHeader } from './header';
import { cleanFileName } from './file-name';
import {
  IMAGE_MIMES,
  RECEIVED_MAX_BYTES,
  RECEIVED_MAX_PIXELS,
  RECEIVED_MAX_SIDE,
  type ImageMime,
  type PreparedImage,
} from './types';

export type ReceivedImageCheck = { ok: true; image: PreparedImage } | { ok: false; reason: string };

function isImageMime(value: unknown): value is ImageMime {
  return isString(value) && (IMAGE_MIMES as readonly string[]).includes(value);
}

function isSide(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= RECEIVED_MAX_SIDE;
}

/**
 * Takes the image fields of a decrypted body ({mime, w, h, data, name?}; other
 * fields are ignored) and returns the image to show, or a reason (a sentence
 * for logs and placeholders) why it must not be shown. Never throws.
 */
export function checkReceivedImage(fields: unknown): ReceivedImageCheck {
  if (!isFields(fields)) return { ok: false, reason: 'The image message has no fields.' };
  const { mime, w, h, data, name } = fields;
  if (!isImageMime(mime)) return { ok: false, reason: 'The image type is not allowed (only PNG and JPEG are shown).' };
  if (!isBytes(data) || data.length === 0) return { ok: false, reason: 'The image has no data.' };
  if (data.length > RECEIVED_MAX_BYTES) return { ok: false, reason: 'The image data is too large.' };
  if (!isSide(w) || !isSide(h)) return { ok: false, reason: 'The image size is not valid.' };
  if (w * h > RECEIVED_MAX_PIXELS) return { ok: false, reason: 'The image has too many pixels.' };
  if (name !== undefined && name !== null && !isString(name)) return { ok: false, reason: 'The image name is not text.' };

  let header;
  try {
    header = readImageHeader(data);
  } catch (error) {
    const detail = error instanceof ImageError ? error.message : 'The image header could not be read.';
    return { ok: false, reason: detail };
  }
  const expected = mime === 'image/png' ? 'png' : 'jpeg';
  if (header.format !== expected) return { ok: false, reason: `The image data is not ${mime === 'image/png' ? 'a PNG' : 'a JPEG'}.` };
  if (header.width !== w || header.height !== h) {
    return { ok: false, reason: `The image is ${header.width} × ${header.height} pixels, not ${w} × ${h} as stated.` };
  }

  const image: PreparedImage = { mime, w, h, data };
  const cleanName = isString(name) ? cleanFileName(name) : undefined;
  if (cleanName !== undefined) image.name = cleanName;
  return { ok: true, image };
}
