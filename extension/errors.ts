// Turning anything thrown into a sentence for the user (the detail goes to the log).

import { ClientError } from '../client/errors';
import { ImageError } from '../client/images/errors';

export function userSentence(error: unknown): string {
  // The client's sentence names the CLI's command; the extension has its own.
  if (error instanceof ClientError && error.code === 'room_params_changed') {
    return error.message.replace(/run: chat forget-room .*$/, 'run "Message App: Forget Room Key Parameters...".');
  }
  if (error instanceof ClientError || error instanceof ImageError) return error.message;
  return 'Message App ran into an unexpected problem; the details are in the "Message App" output.';
}

/** For the log: the code and message, never the data the error was about. */
export function logLine(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`;
  }
  return String(error);
}
