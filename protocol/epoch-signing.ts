// The bytes that owner signatures cover (PROTOCOL.md sections 12.3-12.4): one layout for the client that signs and the server that checks.

import { concat } from './bytes';
import { u32 } from './epoch-header';
import type { KdfParams } from './frames';
import { isRoomName } from './names';

const ROTATE_CONTEXT = 'message-app/v1/rotate:';
const OWNER_ADD_CONTEXT = 'message-app/v1/owner-add:';

export interface RotateFields {
  room: string;
  epoch: number;
  salt: Uint8Array;
  kdf: KdfParams;
  auth: Uint8Array;
}

/**
 * The context strings and room names (section 2: a-z 0-9 . _ -) are ASCII, so
 * their UTF-8 is one byte per character; anything else is a caller's bug.
 */
function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new RangeError('signed context strings are ASCII');
    out[i] = code;
  }
  return out;
}

function context(prefix: string, room: string): Uint8Array {
  if (!isRoomName(room)) throw new RangeError('not a room name');
  return concat([ascii(prefix + room), new Uint8Array([0])]);
}

/** "message-app/v1/rotate:" + room + 0x00 || u32(epoch) || salt || u32(n) || u32(r) || u32(p) || auth. */
export function rotateSignedBytes(f: RotateFields): Uint8Array {
  return concat([context(ROTATE_CONTEXT, f.room), u32(f.epoch), f.salt, u32(f.kdf.n), u32(f.kdf.r), u32(f.kdf.p), f.auth]);
}

/** "message-app/v1/owner-add:" + room + 0x00 || owner. */
export function ownerAddSignedBytes(room: string, owner: Uint8Array): Uint8Array {
  return concat([context(OWNER_ADD_CONTEXT, room), owner]);
}
