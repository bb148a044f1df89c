// Error classes of the client core: each has a stable `code` for programs and a
// message that is a sentence a user can read (never a stack trace, never a secret).

import type { ErrorCode } from '../protocol/constants';

export type ClientErrorCode =
  | ErrorCode
  | 'unreachable'
  | 'untrusted_certificate'
  | 'certificate_changed'
  | 'room_params_changed'
  | 'protocol_mismatch'
  | 'kdf_refused'
  | 'disconnected'
  | 'closed'
  | 'timeout'
  | 'invalid_input'
  | 'no_name';

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly room?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server refused the join proof: the passphrase does not open this room. */
export class WrongPassphraseError extends ClientError {
  constructor(room: string) {
    super('bad_proof', `Wrong passphrase for room "${room}".`, room);
  }
}

export class NoRoomError extends ClientError {
  constructor(room: string) {
    super('no_room', `Room "${room}" does not exist on this server.`, room);
  }
}

export class ServerUnreachableError extends ClientError {
  constructor(address: string, detail?: string) {
    super('unreachable', `Cannot reach the chat server at ${address}${detail ? ` (${detail})` : ''}.`);
  }
}

/** TLS: the server's certificate is not trusted (self-signed without --ca, expired, wrong name). */
export class UntrustedCertificateError extends ClientError {
  constructor(address: string, detail: string) {
    super('untrusted_certificate', `The TLS certificate of the server at ${address} is not trusted (${detail}).`);
  }
}

export class ProtocolMismatchError extends ClientError {
  constructor(address: string, detail: string) {
    super('protocol_mismatch', `The server at ${address} does not speak this app's protocol (${detail}).`);
  }
}

/** The room's key-derivation parameters are outside what this client accepts (section 3). */
export class KdfRefusedError extends ClientError {
  constructor(detail: string, room?: string) {
    super('kdf_refused', `Refusing the room's key-derivation parameters: ${detail}.`, room);
  }
}

export class DisconnectedError extends ClientError {
  constructor(room?: string) {
    super('disconnected', 'The connection to the server was lost before the answer arrived.', room);
  }
}

export class ClosedError extends ClientError {
  constructor() {
    super('closed', 'The chat client has been closed.');
  }
}

/** A server `error` frame that is not covered by a more specific class. */
export class ServerError extends ClientError {
  constructor(code: ErrorCode, room?: string) {
    super(code, serverErrorSentence(code, room), room);
  }
}

/** The sentence a user sees for each server error code (PROTOCOL.md section 6). */
export function serverErrorSentence(code: ErrorCode, room?: string): string {
  const where = room ? ` in room "${room}"` : '';
  switch (code) {
    case 'bad_frame':
      return 'The server could not understand a request from this client.';
    case 'too_large':
      return 'The message is larger than the server accepts.';
    case 'bad_room':
      return 'Room names are 1-64 characters of a-z, 0-9, ".", "_" or "-" and start with a letter or digit.';
    case 'no_room':
      return room ? `Room "${room}" does not exist on this server.` : 'That room does not exist on this server.';
    case 'room_exists':
      return room ? `Room "${room}" already exists.` : 'That room already exists.';
    case 'bad_proof':
      return room ? `Wrong passphrase for room "${room}".` : 'Wrong passphrase for that room.';
    case 'not_joined':
      return `This client has not joined the room yet${where}; it will retry after joining.`;
    case 'rate_limited':
      return 'The server is rate limiting this client; messages will be sent again shortly.';
    case 'busy':
      return 'The server is at its connection limit; retrying shortly.';
    case 'internal':
      return `The server had an internal error${where}; try again.`;
    case 'full':
      return `The server is out of space for this room${room ? ` ("${room}")` : ''}; the message stays queued and is sent again later.`;
    case 'no_blob':
      return `The server does not hold that file${where} (it was never completely uploaded, or it expired).`;
    case 'forbidden':
      return `Only the message's writer can delete it${where}, and only if it was sent with a deletion token.`;
    case 'stale_epoch':
      return `The room's keys changed${where}; this client needs the new key before it can send there.`;
    default: {
      const never: never = code;
      return `The server reported an error (${String(never)}).`;
    }
  }
}
