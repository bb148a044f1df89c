// Whether a chat server answers at an address: one TCP connection, closed at once,
// so the connect flow can say "Cannot reach ..." right after the address is typed
// instead of after the room and name questions. It proves only that something
// listens; the real connection (hello, protocol) comes after the questions.

import { connect } from 'node:net';
import { parseAddress } from '../client/connection';
import { ServerUnreachableError } from '../client/errors';

/** How long the probe waits for the TCP handshake (the client's own connect timeout is 10 s). */
export const PROBE_TIMEOUT_MS = 5000;

/** Resolves when a TCP connection to `address` opens; rejects with ServerUnreachableError (or the ClientError for a bad address). */
export async function probeServer(address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish(new ServerUnreachableError(address, 'timed out')), timeoutMs);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      // An error after destroy() must not become an uncaught exception.
      socket.on('error', () => undefined);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.once('connect', () => finish());
    socket.once('error', (error: NodeJS.ErrnoException) => finish(new ServerUnreachableError(address, error.code)));
  });
}
