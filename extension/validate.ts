// Checks for what the connect flow asks (server address, room, display name):
// undefined when fine, else the sentence the input box shows.

import { ClientError } from '../client/errors';
import { INVITE_PREFIX, parseInvite } from '../client/invite';
import { isRoomName, normalizeDisplayName } from '../protocol/names';

/** "host:port" with a port 1-65535 (IPv6 in brackets). */
export function validateServer(value: string): string | undefined {
  const v = value.trim();
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(v);
  if (!m) return 'Enter the server as host:port, for example 127.0.0.1:7070.';
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return 'The port must be between 1 and 65535.';
  return undefined;
}

/** The address box also takes an invite (message-app://HOST:PORT/ROOM#SHA256:...). */
export function validateServerOrInvite(value: string): string | undefined {
  if (!value.trim().startsWith(INVITE_PREFIX)) return validateServer(value);
  try {
    parseInvite(value);
    return undefined;
  } catch (error) {
    return error instanceof ClientError ? error.message : 'This is not a Message App invite.';
  }
}

export function validateRoom(value: string): string | undefined {
  return isRoomName(value.trim())
    ? undefined
    : 'Room names are 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit.';
}

export function validateName(value: string): string | undefined {
  return normalizeDisplayName(value) ? undefined : 'A display name is 1-64 characters with no control characters.';
}
