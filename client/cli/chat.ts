// The `chat` command-line client (npm run chat -- send|read|follow ...), for scripts,
// bots and terminal users. Output is JSON lines on stdout; errors are one sentence on stderr.

import { ClientError } from '../errors';
import { exitCodeFor, main } from './commands';

function finish(code: number): void {
  process.exitCode = code;
  // Normally nothing is left running; if a handle lingers, do not hang the shell.
  setTimeout(() => process.exit(code), 500).unref();
}

main(process.argv.slice(2)).then(finish, (error: unknown) => {
  // One line, never a stack trace.
  const message =
    error instanceof ClientError ? error.message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message.split('\n')[0]}\n`);
  finish(exitCodeFor(error));
});
