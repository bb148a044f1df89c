// The CLI's identity key: a JSON file created once with mode 0600, read on every run.

import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ClientError } from '../errors';
import { generateIdentity, identityFromSeed, type Identity } from '../keys';

interface IdentityFile {
  version: 1;
  /** base64 of the 32-byte Ed25519 seed. */
  seed: string;
  /** For people reading the file; the seed is what counts. */
  fingerprint: string;
}

export async function loadOrCreateIdentity(path: string): Promise<Identity> {
  const existing = await readIdentity(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const identity = generateIdentity();
  const file: IdentityFile = { version: 1, seed: Buffer.from(identity.exportSeed()).toString('base64'), fingerprint: identity.fingerprint };
  let handle;
  try {
    // 'wx': never overwrite, so two first runs at once cannot end with two identities.
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if (isCode(error, 'EEXIST')) {
      const raced = await readIdentity(path);
      if (raced) return raced;
    }
    throw new ClientError('invalid_input', `Cannot create the identity file ${path} (${codeOf(error)}).`);
  }
  try {
    await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return identity;
}

async function readIdentity(path: string): Promise<Identity | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return undefined;
    throw new ClientError('invalid_input', `Cannot read the identity file ${path} (${codeOf(error)}).`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'seed' in value && typeof value.seed === 'string') {
      const seed = Buffer.from(value.seed, 'base64');
      if (seed.length === 32) return identityFromSeed(seed);
    }
  } catch {
    // reported below
  }
  // An identity file is never replaced silently: that would change who this user is.
  throw new ClientError('invalid_input', `The identity file ${path} is damaged; move it away to create a new identity.`);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
}
