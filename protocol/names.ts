// Validation of the names the protocol constrains (PROTOCOL.md section 2).

const ROOM = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const CID = /^[A-Za-z0-9_-]{8,64}$/;
// Cc covers C0, DEL and C1; line and paragraph separators would also break a one-line name.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

export const MAX_DISPLAY_NAME = 64;

export function isRoomName(value: unknown): value is string {
  return typeof value === 'string' && ROOM.test(value);
}

export function isCid(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 8 || value.length > 64) return false;
  // Same as CID, without a regex: checked for every message the server relays.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

/** The pattern isCid implements, for documentation and tests. */
export const CID_PATTERN = CID;

/** The trimmed display name, or null when it is empty, longer than 64 characters or has control characters. */
export function normalizeDisplayName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim();
  const length = [...name].length; // characters, not UTF-16 units
  if (length < 1 || length > MAX_DISPLAY_NAME || CONTROL.test(name)) return null;
  return name;
}
