// Memory of (sender key, cid) -> server id per room across restarts: an old signed message replayed under a new id is dropped.

import { readJsonFile, writeJsonFile } from './json-file';
import { join } from 'node:path';
import { isRoomName } from '../protocol/names';

/** Entries kept per room; the oldest go first. 10,000 covers far more than any catch-up window. */
export const REPLAY_MEMORY_PER_ROOM = 10_000;

/** Persistence of a room's entries: [sender key hex + ":" + cid, server id], oldest first. */
export interface ReplayStore {
  load(room: string): Promise<[string, number][]>;
  save(room: string, entries: [string, number][]): Promise<void>;
}

export class ReplayMemory {
  private readonly rooms = new Map<string, Map<string, number>>();
  private readonly dirty = new Set<string>();
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReplayStore,
    private readonly limit = REPLAY_MEMORY_PER_ROOM,
  ) {}

  /** Loads a room's memory; call before checking its messages. */
  async load(room: string): Promise<void> {
    if (this.rooms.has(room)) return;
    const entries = await this.store.load(room);
    if (!this.rooms.has(room)) this.rooms.set(room, new Map(entries.slice(-this.limit)));
  }

  /**
   * True when the message may be shown: never seen, or seen under this same server id (a page
   * fetched again). False: the same signed message came before under another id, a replay.
   */
  accept(room: string, senderKeyHex: string, cid: string, id: number): boolean {
    let map = this.rooms.get(room);
    if (!map) this.rooms.set(room, (map = new Map()));
    const key = `${senderKeyHex}:${cid}`;
    const seen = map.get(key);
    if (seen !== undefined) return seen === id;
    map.set(key, id);
    // Map keeps insertion order: the first key is the oldest.
    if (map.size > this.limit) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
    this.dirty.add(room);
    this.scheduleSave();
    return true;
  }

  /** Resolves once everything accepted so far is saved. */
  flush(): Promise<void> {
    this.scheduleSave();
    return this.saving;
  }

  private scheduleSave(): void {
    // Saves run one after another; each writes the rooms changed since the last.
    this.saving = this.saving.then(async () => {
      const rooms = [...this.dirty];
      this.dirty.clear();
      for (const room of rooms) {
        const map = this.rooms.get(room);
        if (map) await this.store.save(room, [...map.entries()]).catch(() => undefined);
      }
    });
  }
}

export class MemoryReplayStore implements ReplayStore {
  readonly rooms = new Map<string, [string, number][]>();
  async load(room: string): Promise<[string, number][]> {
    return [...(this.rooms.get(room) ?? [])];
  }
  async save(room: string, entries: [string, number][]): Promise<void> {
    this.rooms.set(room, [...entries]);
  }
}

/** One file per room: `<dir>/<room>.json`. */
export class ReplayFileStore implements ReplayStore {
  constructor(readonly dir: string) {}

  async load(room: string): Promise<[string, number][]> {
    if (!isRoomName(room)) return [];
    const value = await readJsonFile(join(this.dir, `${room}.json`), 'replay memory');
    if (!Array.isArray(value)) return [];
    return value.filter(
      (e): e is [string, number] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && Number.isSafeInteger(e[1]),
    );
  }

  async save(room: string, entries: [string, number][]): Promise<void> {
    if (!isRoomName(room)) return;
    await writeJsonFile(join(this.dir, `${room}.json`), entries);
  }
}
