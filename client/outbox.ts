// The outbox: every sealed message not yet acked, per room, in call order. Persisted before it is
// written, flushed on join and reconnect, removed on ack; a refused send (`full`, rate limits) keeps it.

import type { ClientFrame } from '../protocol/frames';
import type { OutboxEntry, OutboxStore } from './storage';

interface PendingMessage {
  entry: OutboxEntry;
  /** Order of queueing in this process (restored entries first): sends go out in this order. */
  seq: number;
  /** The store has it: only then may it be written to the socket (a crash must not lose it). */
  stored: boolean;
  /** Connection epoch it was last written on (0 = not yet). */
  sentOn: number;
  /** `pending` was emitted for it. */
  announced: boolean;
}

export interface OutboxOptions {
  store: OutboxStore;
  /** Writes a frame; false when there is no ready connection. */
  send(frame: ClientFrame): boolean;
  /**
   * The `del` hash of a message (PROTOCOL.md section 11.1), derived again from (room, cid) at every
   * write: the outbox keeps no token, and a resend carries the same hash.
   */
  del?(room: string, cid: string): Uint8Array;
  /** Delay before a rate-limited room is flushed again. */
  retryMs?: number;
  log(line: string): void;
}

export class Outbox {
  private readonly rooms = new Map<string, Map<string, PendingMessage>>();
  private readonly retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private seq = 0;
  private loaded: Promise<void> | undefined;

  constructor(private readonly options: OutboxOptions) {}

  /** Restores the stored entries (once); they are announced when their room is joined. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      for (const entry of await this.options.store.list()) {
        this.roomOf(entry.room).set(entry.cid, { entry, seq: ++this.seq, stored: true, sentOn: 0, announced: false });
      }
    })();
    return this.loaded;
  }

  /**
   * Queues a new message and persists it. Its place in the send order is taken now, at the call,
   * so two sends issued together go out in call order however their writes finish. Rejects (and
   * forgets the entry) when the store fails.
   */
  async add(entry: OutboxEntry): Promise<void> {
    const pending: PendingMessage = { entry, seq: ++this.seq, stored: false, sentOn: 0, announced: true };
    const room = this.roomOf(entry.room);
    room.set(entry.cid, pending);
    try {
      await this.options.store.add(entry);
    } catch (error) {
      if (room.get(entry.cid) === pending) room.delete(entry.cid);
      throw error;
    }
    pending.stored = true;
  }

  has(room: string, cid: string): boolean {
    return this.rooms.get(room)?.has(cid) === true;
  }

  /**
   * A message deleted for everyone (section 11.3) that is still queued (our own, its ack lost):
   * forgotten here and in the store, so its ciphertext is not sent again. False when not queued.
   */
  drop(room: string, cid: string): boolean {
    return this.ack(room, cid);
  }

  /** The server acked it: forgotten here and in the store. False when it was not ours (or acked already). */
  ack(room: string, cid: string): boolean {
    const map = this.rooms.get(room);
    if (!map?.delete(cid)) return false;
    this.options.store.remove(room, cid).catch((error: unknown) => this.options.log(`outbox remove failed: ${String(error)}`));
    return true;
  }

  /** The server refused this send for now: it stays queued and goes again at the next flush. */
  unsent(room: string, cid: string): boolean {
    const p = this.rooms.get(room)?.get(cid);
    if (!p) return false;
    p.sentOn = 0;
    return true;
  }

  /**
   * Writes every stored entry of a room not yet written on this connection, in queue order. Stops
   * at an entry whose store write has not finished, so nothing overtakes it.
   */
  flush(room: string, epoch: number): void {
    for (const p of this.ordered(room)) {
      if (!p.stored) return;
      if (p.sentOn === epoch) continue;
      const del = this.options.del?.(room, p.entry.cid);
      const blobs = p.entry.blobs;
      const frame: ClientFrame = { t: 'send', room, cid: p.entry.cid, env: p.entry.env, ...(del ? { del } : {}), ...(blobs && blobs.length > 0 ? { blobs } : {}) };
      if (!this.options.send(frame)) return;
      p.sentOn = epoch;
    }
  }

  /**
   * Replaces the envelopes `change` returns a new one for (section 12: sealed again for a newer epoch,
   * same cid and body), persisted before they may go out again.
   */
  async reseal(room: string, change: (entry: OutboxEntry) => Uint8Array | null): Promise<void> {
    for (const p of this.ordered(room)) {
      if (!p.stored) continue;
      const env = change(p.entry);
      if (!env) continue;
      p.stored = false;
      p.sentOn = 0;
      p.entry = { ...p.entry, env };
      try {
        await this.options.store.add(p.entry);
      } finally {
        p.stored = true;
      }
    }
  }

  /** One delayed `retry` per room, however many of its sends were rate limited. */
  retryLater(room: string, retry: () => void): void {
    if (this.retryTimers.has(room)) return;
    this.retryTimers.set(
      room,
      setTimeout(() => {
        this.retryTimers.delete(room);
        retry();
      }, this.options.retryMs ?? 1000),
    );
  }

  /** Restored entries of a room not yet announced, in queue order; marks them announced. */
  takeUnannounced(room: string): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const p of this.ordered(room)) {
      if (p.announced) continue;
      p.announced = true;
      out.push(p.entry);
    }
    return out;
  }

  close(): void {
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private ordered(room: string): PendingMessage[] {
    return [...(this.rooms.get(room)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  private roomOf(room: string): Map<string, PendingMessage> {
    let map = this.rooms.get(room);
    if (!map) this.rooms.set(room, (map = new Map()));
    return map;
  }
}
