// The senders a room has shown, kept by the session for "Verify Fingerprint..." and "Trust New
// Key...": who wrote with which identity key, and whether that key was pinned, changed or
// compared. The key stays in the host; the view only ever gets the fingerprint. Plain module.

import type { UnverifiedReason } from '../client/envelope';
import type { RoomItem } from '../client/kinds/index';
import { escapeName } from '../client/names';

/** One (name, key) pair seen in a room, with the reason its latest message was not verified. */
export interface SeenSender {
  /** The name as signed (unescaped: the pin key is made from it). */
  name: string;
  key: Uint8Array;
  fingerprint: string;
  /** null: the latest message from it verified (first sight or compared). */
  unverified: UnverifiedReason | null;
}

/** What a command shows about a sender: display data and its standing. */
export interface SenderStanding {
  /** Escaped as the view shows it (invisible characters as \u{...}). */
  shown: string;
  fingerprint: string;
  /**
   * compared: the user compared it; pinned: first sight only; changed-key: another key is pinned
   * under this exact name; other: a look-alike or invisible name (never verifiable or trusted).
   */
  standing: 'compared' | 'pinned' | 'changed-key' | 'other';
}

export class SenderBook {
  private readonly rooms = new Map<string, Map<string, SeenSender>>();

  /** Records the senders of received items (own items and placeholders are not senders to verify). */
  remember(room: string, items: readonly RoomItem[]): void {
    for (const item of items) {
      if (item.kind === 'placeholder' || item.kind === 'line' || item.own) continue;
      let map = this.rooms.get(room);
      if (!map) this.rooms.set(room, (map = new Map()));
      map.set(`${item.from.fingerprint}\n${item.from.name}`, {
        name: item.from.name,
        key: item.from.key,
        fingerprint: item.from.fingerprint,
        unverified: item.unverified ?? null,
      });
    }
  }

  list(room: string): SeenSender[] {
    return [...(this.rooms.get(room)?.values() ?? [])];
  }

  /** The sender with this fingerprint and shown name (as the view shows it), if the room showed one. */
  find(room: string, fingerprint: string, shown?: string): SeenSender | undefined {
    return this.list(room).find((s) => s.fingerprint === fingerprint && (shown === undefined || escapeName(s.name) === shown));
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }
}
