// The room passphrase for the CLI: MESSAGE_APP_PASSPHRASE, else a hidden prompt on a terminal.

import { ClientError } from '../errors';

export const PASSPHRASE_ENV = 'MESSAGE_APP_PASSPHRASE';

export async function getPassphrase(room: string): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new ClientError('invalid_input', `Set ${PASSPHRASE_ENV} or run in a terminal to be asked for the passphrase.`);
  }
  return promptHidden(`Passphrase for room "${room}": `);
}

/** Reads one line from the terminal without echoing it. Ctrl-C exits, Ctrl-U clears. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    // Raw mode before the prompt shows, so nothing typed after it is echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          if (value === '') reject(new ClientError('invalid_input', 'No passphrase was entered.'));
          else resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
