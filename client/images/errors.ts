// The one error type of the image pipeline: a machine code for callers, a sentence for users.

export type ImageErrorCode =
  | 'too_large_file'
  | 'too_many_pixels'
  | 'not_an_image'
  | 'unsupported_format'
  | 'corrupt'
  | 'unreadable'
  | 'cancelled';

/** Thrown by prepareImage for input it refuses; `message` is a sentence fit to show a user. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** "25 MB" style sizes for sentences, in units of 1024 x 1024 bytes like the limits themselves. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

export function formatMegapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return `${mp >= 10 ? Math.round(mp) : Math.round(mp * 10) / 10} megapixels`;
}
