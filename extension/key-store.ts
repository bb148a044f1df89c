// Secrets of this installation in the editor's SecretStorage: the identity key
// (one per installation) and each room's passphrase (per server and room). Plain
// module over a SecretStorage-shaped interface, so it is tested without VS Code.

import { generateIdentity, identityFromSeed, type Identity } from '../client/keys';
import { epochsKey } from './epoch-key-store';

/** The subset of vscode.SecretStorage used here. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

const IDENTITY_KEY = 'messageApp.identity.v1';
const PASSPHRASE_PREFIX = 'messageApp.passphrase.v1/';

export function passphraseKey(server: string, room: string): string {
  return `${PASSPHRASE_PREFIX}${server}/${room}`;
}

/** The server and room a passphrase secret belongs to, or null for other secrets. */
export function parsePassphraseKey(key: string): { server: string; room: string } | null {
  if (!key.startsWith(PASSPHRASE_PREFIX)) return null;
  const rest = key.slice(PASSPHRASE_PREFIX.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return null;
  return { server: rest.slice(0, slash), room: rest.slice(slash + 1) };
}

export function isIdentityKey(key: string): boolean {
  return key === IDENTITY_KEY;
}

export class KeyStore {
  constructor(private readonly secrets: SecretStore) {}

  /**
   * This installation's identity, made on first use. Secrets are shared by all
   * windows: after storing a new key it is read back, so two windows starting
   * at once end up with the same identity (the last write wins for both).
   */
  async identity(): Promise<Identity> {
    const stored = decodeSeed(await this.secrets.get(IDENTITY_KEY));
    if (stored) return identityFromSeed(stored);
    const fresh = generateIdentity();
    await this.secrets.store(IDENTITY_KEY, Buffer.from(fresh.exportSeed()).toString('base64'));
    const reread = decodeSeed(await this.secrets.get(IDENTITY_KEY));
    return reread ? identityFromSeed(reread) : fresh;
  }

  async passphrase(server: string, room: string): Promise<string | undefined> {
    return this.secrets.get(passphraseKey(server, room));
  }

  /** Call only after the server accepted the passphrase: wrong ones are never kept. */
  async storePassphrase(server: string, room: string, passphrase: string): Promise<void> {
    await this.secrets.store(passphraseKey(server, room), passphrase);
  }

  /** Forgets the room's passphrase and its epoch keys (PROTOCOL.md section 12), which read the room as well as it does. */
  async forgetPassphrase(server: string, room: string): Promise<void> {
    await this.secrets.delete(passphraseKey(server, room));
    await this.secrets.delete(epochsKey(server, room));
  }
}

function decodeSeed(value: string | undefined): Uint8Array | null {
  if (!value) return null;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? new Uint8Array(bytes) : null;
}
