// The "image" kind (PROTOCOL.md section 4 and 7 Images): PNG or JPEG bytes with their pixel size and an optional file name.

import { createHash } from 'node:crypto';
import { IMAGE_MIMES, type ImageMime } from '../../protocol/constants';
import { isBytes, isCount, isString } from '../../protocol/guards';
import type { ViewImageItem } from '../../protocol/webview';
import type { PreparedImage } from '../images/types';
import type { BodyBase, CliShownBase, MessageKind, ShownBase } from './types';

export interface ImageBody extends BodyBase {
  k: 'image';
  mime: ImageMime;
  w: number;
  h: number;
  data: Uint8Array;
  name?: string;
}

export interface ImageItem extends ShownBase {
  kind: 'image';
  image: PreparedImage;
}

export interface ImageLine extends CliShownBase {
  kind: 'image';
  /** The bytes stay out of the JSON: their count and SHA-256 identify them. */
  image: { mime: string; w: number; h: number; bytes: number; sha256: string };
}

function isImageMime(value: unknown): value is ImageMime {
  return isString(value) && (IMAGE_MIMES as readonly string[]).includes(value);
}

export const imageKind: MessageKind<ImageBody, ImageItem, ViewImageItem, ImageLine> = {
  k: 'image',
  guard(fields, base) {
    const { mime, w, h, data } = fields;
    const fileName = fields.name;
    if (!isImageMime(mime) || !isCount(w) || !isCount(h) || w === 0 || h === 0 || !isBytes(data) || data.length === 0) return null;
    if (fileName !== undefined && fileName !== null && !isString(fileName)) return null;
    const body: ImageBody = { ...base, k: 'image', mime, w, h, data };
    if (isString(fileName)) body.name = fileName;
    return body;
  },
  fields(body) {
    // Wire order of the vectors: mime, w, h, name?, data.
    const map: Record<string, unknown> = { mime: body.mime, w: body.w, h: body.h };
    if (body.name !== undefined) map.name = body.name;
    map.data = body.data;
    return map;
  },
  toItem(body, base, context) {
    const image: PreparedImage = { mime: body.mime, w: body.w, h: body.h, data: body.data };
    if (body.name !== undefined) image.name = body.name;
    if (!context.received) return { ...base, kind: 'image', image };
    // Header checks only (type, size, real dimensions) before anything shows it.
    const checked = context.checkImage(image);
    if (typeof checked === 'string') return checked;
    return { ...base, kind: 'image', image: checked };
  },
  toViewItem(item, base) {
    // No bytes in the view item: the host keeps them and serves them by this ref (protocol/webview.ts `imageBytes`).
    const { mime, w, h, name } = item.image;
    const ref = { key: base.from.fingerprint, cid: base.cid };
    return { ...base, kind: 'image', image: name === undefined ? { mime, w, h, ref } : { mime, w, h, name, ref } };
  },
  preview: () => 'sent an image',
  toCliJson(item, base) {
    const { mime, w, h, data } = item.image;
    return { ...base, kind: 'image', image: { mime, w, h, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') } };
  },
};
