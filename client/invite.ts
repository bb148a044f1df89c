// Invite strings (PROTOCOL.md section 8): server address, room and certificate fingerprint, never the passphrase.

import { isRoomName } from '../protocol/names';
import { ClientError } from './errors';
import { parseAddress } from './connection';
import { parseFingerprint } from './trust/tls';

export interface Invite {
  /** "host:port" */
  server: string;
  room: string;
  /** The pinned certificate; absent for a server whose certificate a CA vouches for. */
  fingerprint?: string;
}

export const INVITE_PREFIX = 'message-app://';
const PREFIX = INVITE_PREFIX;

/** message-app://HOST:PORT/ROOM#SHA256:BASE64 (the fragment only for self-signed servers). */
export function formatInvite(invite: Invite): string {
  return `${PREFIX}${invite.server}/${invite.room}${invite.fingerprint !== undefined ? `#${invite.fingerprint}` : ''}`;
}

export function parseInvite(text: string): Invite {
  const bad = (why: string): ClientError => new ClientError('invalid_input', `This is not a Message App invite (${why}).`);
  const value = text.trim();
  if (!value.startsWith(PREFIX)) throw bad(`it should start with ${PREFIX}`);
  const rest = value.slice(PREFIX.length);
  const hash = rest.indexOf('#');
  const path = hash < 0 ? rest : rest.slice(0, hash);
  const slash = path.lastIndexOf('/');
  if (slash < 0) throw bad('no room');
  const server = path.slice(0, slash);
  const room = path.slice(slash + 1);
  parseAddress(server); // throws a sentence for a bad address
  if (!isRoomName(room)) throw bad(`"${room}" is not a room name`);
  if (hash < 0) return { server, room };
  const fingerprint = parseFingerprint(rest.slice(hash + 1));
  if (fingerprint === null) throw bad('the certificate fingerprint is damaged');
  return { server, room, fingerprint };
}
