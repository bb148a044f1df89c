// Numbers and names fixed by the wire protocol (PROTOCOL.md sections 1, 2, 4, 5, 6, 10).

export const PROTOCOL_VERSION = 1;

/** Default and largest frame body the server accepts unless configured otherwise. */
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;
/** Length prefix of every frame: 4-byte unsigned big-endian. */
export const FRAME_HEADER_BYTES = 4;

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 200;
/** Messages a client shows when it opens a room and per "load older" page (section 7, Clients). */
export const PAGE_SIZE = HISTORY_DEFAULT_LIMIT;

/** The image types a body may carry (section 4, k = "image"; never SVG). */
export const IMAGE_MIMES = ['image/png', 'image/jpeg'] as const;
export type ImageMime = (typeof IMAGE_MIMES)[number];
/** Longest image file name shown, in characters (section 7, Images). */
export const MAX_FILE_NAME_LENGTH = 255;

/** A text body carries at most 64 KiB of UTF-8 (section 4). */
export const MAX_TEXT_BYTES = 64 * 1024;

export const CHALLENGE_BYTES = 32;
export const SALT_BYTES = 16;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export const ERROR_CODES = [
  'bad_frame',
  'too_large',
  'bad_room',
  'no_room',
  'room_exists',
  'bad_proof',
  'not_joined',
  'rate_limited',
  'busy',
  'internal',
  // The server is out of space for this room (issue 10); the refused send stays in the outbox.
  'full',
  // Section 9 (files): a blob that is unknown, or not yet complete for a download.
  'no_blob',
  // Section 10 (conversation): a `delete` whose token does not match its message.
  'forbidden',
  // Section 12 (per-user keys): a frame of an older key epoch than the room's; the error carries the current `epoch`.
  'stale_epoch',
] as const;

/** Section 10.1: `del` is a SHA-256, the token an HMAC-SHA256. */
export const DELETION_HASH_BYTES = 32;
export const DELETION_TOKEN_BYTES = 32;
/** Section 10.2: blob ids one `send` may name. */
export const MAX_MESSAGE_BLOBS = 16;
/** Section 10.6: largest `signal` envelope. */
export const MAX_SIGNAL_BYTES = 4096;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
