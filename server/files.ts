// The data folder is private to the server's user: folder 0700, every file the server keeps in it 0600, tightened at start-up.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * The files beside the database that the server (or SQLite) writes. They hold
 * every room's auth public key, enough to test passphrase guesses offline.
 */
export function dataFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`, `${file}-journal`, `${file}.envelopes`];
}

/**
 * Makes the data folder and the database file before SQLite opens it, so
 * neither is ever readable by others (SQLite gives the -wal and -shm files the
 * database file's mode), and tightens those made by an older server.
 */
export function preparePrivateFolder(file: string, log: (message: string) => void = () => {}): void {
  const dir = dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: FOLDER_MODE });
  tighten(dir, FOLDER_MODE, 'data folder', log);
  try {
    // 'wx': only a missing file is created, with our mode; an empty file is a valid empty database.
    closeSync(openSync(file, 'wx', FILE_MODE));
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
  for (const each of dataFiles(file)) if (existsSync(each)) tighten(each, FILE_MODE, 'data file', log);
}

/** Takes group and other access away from a path that has some; says so in the log. */
function tighten(path: string, mode: number, what: string, log: (message: string) => void): void {
  const stats = statSync(path);
  const current = stats.mode & 0o7777;
  if ((current & 0o077) === 0) return;
  // A shared folder such as /tmp (sticky, or someone else's) is not ours to close:
  // the files in it are still 0600.
  if (stats.isDirectory() && ((current & 0o1000) !== 0 || (typeof process.getuid === 'function' && stats.uid !== process.getuid()))) {
    log(`the data folder ${path} is shared (mode ${octal(current)}); the server's files in it are ${octal(FILE_MODE)}, give it a folder of its own to keep their names private too`);
    return;
  }
  chmodSync(path, mode);
  log(`tightened the ${what} ${path} from ${octal(current)} to ${octal(mode)}: only the server's user may read it`);
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}
