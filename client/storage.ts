// The storage the client core needs from its host (outbox, cursors, pins) as
// interfaces, with in-memory implementations for tests and short-lived clients.

/** One sealed message not yet acknowledged by the server. Only ciphertext is stored. */
export interface OutboxEntry {
  room: string;
  cid: string;
  /** The sealed envelope, resent byte for byte so a repeat is recognised by the server. */
  env: Uint8Array;
  /** Local time it was queued (ms); entries are resent oldest first. */
  queuedAt: number;
  /** The blobs the message names (`send.blobs`, PROTOCOL.md section 11.2); absent when none. */
  blobs?: string[];
}

/**
 * Every message not yet acked. `add` must have persisted the entry when its
 * promise resolves: the client sends only after that, so a crash loses nothing.
 */
export interface OutboxStore {
  list(): Promise<OutboxEntry[]>;
  add(entry: OutboxEntry): Promise<void>;
  remove(room: string, cid: string): Promise<void>;
}

/** The highest message id seen per room, for `history after` on reconnect or restart. */
export interface CursorStore {
  getCursor(room: string): Promise<number | undefined>;
  setCursor(room: string, id: number): Promise<void>;
}

/** Where the name -> identity key pins of each room live, so restarts keep them. */
export interface PinStore {
  /** The pins of a room: display name -> hex identity public key. */
  loadPins(room: string): Promise<Record<string, string>>;
  savePin(room: string, name: string, keyHex: string): Promise<void>;
}

export class MemoryOutboxStore implements OutboxStore {
  readonly entries = new Map<string, OutboxEntry>();

  async list(): Promise<OutboxEntry[]> {
    return [...this.entries.values()].sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async add(entry: OutboxEntry): Promise<void> {
    this.entries.set(`${entry.room}/${entry.cid}`, { ...entry, env: new Uint8Array(entry.env), ...(entry.blobs ? { blobs: [...entry.blobs] } : {}) });
  }

  async remove(room: string, cid: string): Promise<void> {
    this.entries.delete(`${room}/${cid}`);
  }
}

export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, number>();

  async getCursor(room: string): Promise<number | undefined> {
    return this.cursors.get(room);
  }

  async setCursor(room: string, id: number): Promise<void> {
    this.cursors.set(room, id);
  }
}

export class MemoryPinStore implements PinStore {
  readonly pins = new Map<string, Record<string, string>>();

  async loadPins(room: string): Promise<Record<string, string>> {
    return { ...(this.pins.get(room) ?? {}) };
  }

  async savePin(room: string, name: string, keyHex: string): Promise<void> {
    this.pins.set(room, { ...(this.pins.get(room) ?? {}), [name]: keyHex });
  }
}
