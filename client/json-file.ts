// A small JSON file read whole and replaced atomically (temporary file, rename) with mode 0600: the trust modules' storage.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ClientError } from './errors';

/** The parsed file, or `empty` when it does not exist. A damaged file is an error, never "empty". */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new ClientError('invalid_input', `Cannot read the ${what} file ${path}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ClientError('invalid_input', `The ${what} file ${path} is damaged; fix or remove it.`);
  }
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await writeFile(temporary, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}
