// The rooms joined in this window (workspaceState), rejoined when the window opens
// again, and following passphrases another window saved: secrets are shared by all
// windows, so when one saves the passphrase of a room this window wanted, this
// window joins it quietly. Plain module (no `vscode`), tested on Node.

import { isRoomName } from '../protocol/names';
import { logLine } from './errors';
import { isIdentityKey, parsePassphraseKey, type KeyStore } from './key-store';
import type { KeyValueStore } from './stores';

const WINDOW_ROOMS = 'messageApp.windowRooms';

export class WindowRooms {
  constructor(private readonly memento: KeyValueStore) {}

  /** Most recently shown first. */
  list(): string[] {
    const value = this.memento.get<unknown>(WINDOW_ROOMS);
    return Array.isArray(value) ? value.filter(isRoomName) : [];
  }

  remember(room: string): void {
    void this.memento.update(WINDOW_ROOMS, [room, ...this.list().filter((r) => r !== room)]);
  }

  async forget(room: string): Promise<void> {
    await this.memento.update(WINDOW_ROOMS, this.list().filter((r) => r !== room));
  }
}

/** The session as the secret sync sees it. */
export interface SyncedSession {
  readonly server: string;
  hasRoom(room: string): boolean;
  join(room: string, passphrase: string, opts: { activate: boolean }): Promise<unknown>;
}

export interface SecretSyncDeps {
  keys: KeyStore;
  rooms: WindowRooms;
  session(): SyncedSession | undefined;
  log: { info(line: string): void; warn(line: string): void };
}

/**
 * Handles one `secrets.onDidChange` key. Resolves when any join it started is
 * done (the listener ignores the promise; tests wait for it).
 */
export async function followSecretChange(key: string, deps: SecretSyncDeps): Promise<void> {
  if (isIdentityKey(key)) {
    // Also fires for this window's own first write of the key, so the log does not guess who wrote it.
    deps.log.info('the identity key in secret storage changed; a new key is used after connecting again');
    return;
  }
  const changed = parsePassphraseKey(key);
  const session = deps.session();
  if (!changed || !session || changed.server !== session.server || session.hasRoom(changed.room)) return;
  if (!deps.rooms.list().includes(changed.room)) return;
  try {
    const passphrase = await deps.keys.passphrase(changed.server, changed.room);
    if (passphrase) await session.join(changed.room, passphrase, { activate: false });
  } catch (error) {
    deps.log.warn(`joining ${changed.room} after a secret change failed: ${logLine(error)}`);
  }
}
