// What the view's "..." menu may offer now, as context keys for package.json's
// `when` clauses: `messageApp.state` ("offline", "connected" or "inRoom") for
// Disconnect and Leave Room, `messageApp.hasPassphrase` for Forget
// Passphrase, and `messageApp.owner` (this user owns the open room) for Remove
// Member... and Change Passphrase. Keys are set only when their value changes. Plain module (no
// `vscode`): setContext is injected, so the rules are tested on Node.

import { isRoomName } from '../protocol/names';
import type { KeyStore } from './key-store';

export type MenuState = 'offline' | 'connected' | 'inRoom';

export const STATE_KEY = 'messageApp.state';
export const PASSPHRASE_KEY = 'messageApp.hasPassphrase';
export const OWNER_KEY = 'messageApp.owner';

/** What the keys are computed from. */
export interface MenuFacts {
  /** A session exists (connected, or reconnecting by itself). */
  connected: boolean;
  activeRoom: string | null;
  /** This user is an owner of the active room (PROTOCOL.md section 12.3). */
  owner: boolean;
  /** The server whose passphrases count: the session's, else the configured one ('' when none). */
  server: string;
  /** Rooms that may have a saved passphrase: the session's, this window's, the configured one. */
  rooms: readonly string[];
}

export function menuState(facts: Pick<MenuFacts, 'connected' | 'activeRoom'>): MenuState {
  if (!facts.connected) return 'offline';
  return facts.activeRoom === null ? 'connected' : 'inRoom';
}

/** The candidate rooms (deduplicated, valid names only) whose passphrase is saved for `server`. */
export async function roomsWithSavedPassphrase(keys: Pick<KeyStore, 'passphrase'>, server: string, rooms: Iterable<string>): Promise<string[]> {
  if (!server) return [];
  const saved: string[] = [];
  for (const room of new Set(rooms)) if (isRoomName(room) && (await keys.passphrase(server, room))) saved.push(room);
  return saved;
}

export class MenuContext {
  private readonly values = new Map<string, string | boolean>();
  /** Refreshes overlap (secret lookups are async): only the newest one sets the passphrase key. */
  private generation = 0;
  /** Server and rooms the passphrase key was last computed for: refreshes come with every message, secrets change rarely. */
  private checked: string | undefined;

  constructor(
    private readonly setContext: (key: string, value: string | boolean) => PromiseLike<unknown>,
    private readonly keys: Pick<KeyStore, 'passphrase'>,
  ) {}

  /** Sets the keys for these facts; resolves once all are set. */
  async refresh(facts: MenuFacts): Promise<void> {
    await this.set(STATE_KEY, menuState(facts));
    await this.set(OWNER_KEY, facts.activeRoom !== null && facts.owner);
    const checking = JSON.stringify([facts.server, [...new Set(facts.rooms)].sort()]);
    if (checking === this.checked) return;
    this.checked = checking;
    const generation = ++this.generation;
    const saved = await roomsWithSavedPassphrase(this.keys, facts.server, facts.rooms);
    if (generation === this.generation) await this.set(PASSPHRASE_KEY, saved.length > 0);
  }

  /** A secret changed: the next refresh looks the passphrases up again. */
  secretsChanged(): void {
    this.checked = undefined;
  }

  /** The value last set for a key (for tests and the log). */
  get(key: string): string | boolean | undefined {
    return this.values.get(key);
  }

  private async set(key: string, value: string | boolean): Promise<void> {
    if (this.values.get(key) === value) return;
    this.values.set(key, value);
    await this.setContext(key, value);
  }
}
