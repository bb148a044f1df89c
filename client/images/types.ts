// The image shape that is sent and received (PROTOCOL.md section 4, k = "image") and the limits around it.

import type { ImageMime } from '../../protocol/constants';

export { IMAGE_MIMES, type ImageMime } from '../../protocol/constants';

/** An encoded image ready to go into an envelope body, or one received and checked. */
export interface PreparedImage {
  mime: ImageMime;
  /** Pixel size of the encoded image (after orientation and scaling). */
  w: number;
  h: number;
  /** The encoded PNG or JPEG bytes, with no metadata. */
  data: Uint8Array;
  /** The original file name (no folders), when known. */
  name?: string;
}

/** Defaults of prepareImage. */
export const DEFAULT_MAX_SIDE = 1280;
export const DEFAULT_MAX_FILE_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 50_000_000;
/** Frames are at most 16 MiB (protocol/constants.ts); this leaves room for the envelope around the image. */
export const DEFAULT_MAX_OUTPUT_BYTES = 15 * 1024 * 1024;

/** Limits for a received image (checkReceivedImage): generous, since another client may use other settings. */
export const RECEIVED_MAX_BYTES = 16 * 1024 * 1024;
export const RECEIVED_MAX_SIDE = 16384;
export const RECEIVED_MAX_PIXELS = 50_000_000;
/** File names longer than this are cut; they are only shown and offered for "Save As". */
export { MAX_FILE_NAME_LENGTH as MAX_NAME_LENGTH } from '../../protocol/constants';
