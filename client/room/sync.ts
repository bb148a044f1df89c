// One joined room's sync state: its status and keys, catch-up after a join (live messages held
// until the history before them is delivered), delivery in id order without repeats, and the cursor.

import { PAGE_SIZE } from '../../protocol/constants';
import type { StoredMessage } from '../../protocol/frames';
import type { RoomItem } from '../kinds/index';
import type { ModifierItem } from '../kinds/modifiers';
import type { RoomKeys } from '../keys';

/** What joining and sealing need of the current epoch's keys. */
export type JoinKeys = Pick<RoomKeys, 'room' | 'encKey' | 'authPublic' | 'authPrivate'>;
import { EpochState } from '../epochs/state';
import { Pager } from '../pager';
import type { Reply } from '../requests';
import type { CursorStore } from '../storage';
import type { JoinResult } from './join';

/** Largest page asked for while catching up. */
export const HISTORY_PAGE = 200;

export type RoomStatus = 'joining' | 'joined' | 'failed';

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

export interface RoomSyncContext {
  history(room: string, query: HistoryQuery): Promise<Reply<'page'>>;
  /** Opens a stored message (dedupe, own acks, replay checks); null: nothing to show. */
  open(room: RoomSync, m: StoredMessage, live: boolean): RoomItem | ModifierItem | null;
  /** Called with a page before its messages are delivered (section 12: its back-links open older epochs). */
  prepare?(room: RoomSync, msgs: readonly StoredMessage[]): void;
  /**
   * A live message this client cannot open yet but will (section 12.7: sealed under an epoch whose
   * `rotated` it is still following): left undelivered, cursor kept, so the catch-up after the rejoin opens it.
   */
  defer?(room: RoomSync, m: StoredMessage): boolean;
  /** Emits a delivered item (a message, or a modifier to fold into its target). */
  show(room: string, item: RoomItem | ModifierItem): void;
  cursors: CursorStore;
  /** Messages shown on the first join of a room with no cursor. */
  initialHistory?: number;
  /** A saved cursor further behind than this opens the room at its newest page (ChatClientOptions.catchUpLimit). */
  catchUpLimit?: number;
  log(line: string): void;
}

export class RoomSync {
  status: RoomStatus = 'joining';
  /** The keys of the epoch this client joins and seals with (section 12: the pinned epoch). */
  keys: JoinKeys | undefined;
  /** Section 12: keys per epoch, members' announced keys, grants, owners. */
  epochs: EpochState;
  epochsLoaded = false;
  /** A `keys` announcement is being queued (once per epoch). */
  announcing = false;
  /** The join call finished once, so reconnects rejoin this room by themselves. */
  established = false;
  online = 0;
  joinPromise: Promise<JoinResult> | undefined;
  readonly pager = new Pager();
  /** Between `joined` and the end of catch-up: live `msg` frames wait in `held`. */
  private catching = false;
  private held: StoredMessage[] = [];
  /** Highest id delivered (or covered by an ack while live). */
  private cursorValue: number | undefined;

  constructor(
    readonly name: string,
    private readonly context: RoomSyncContext,
  ) {
    this.epochs = new EpochState(name);
  }

  get catchingUp(): boolean {
    return this.catching;
  }

  get cursor(): number | undefined {
    return this.cursorValue;
  }

  get live(): boolean {
    return this.status === 'joined' && !this.catching;
  }

  /** `joined` arrived: `msg` frames may follow in the same chunk, before the join's continuation runs. */
  startCatchUp(): void {
    this.catching = true;
    this.held = [];
  }

  /** The connection dropped: a rejoin starts over. */
  connectionLost(): void {
    this.catching = false;
    this.held = [];
    if (this.status === 'joined') this.status = 'joining';
  }

  /** A live `msg` frame. */
  receive(m: StoredMessage): void {
    if (this.catching) this.held.push(m);
    else if (this.status === 'joined') this.deliverLive(m);
  }

  /** An ack of our own send while live: frames arrive in server order, so nothing below it is still to come. */
  acked(id: number): void {
    if (this.live) this.advanceCursor(id);
  }

  /**
   * Delivers what the room holds beyond the cursor (or the newest page on a first join), then the
   * messages held meanwhile. `stillCurrent` is false once the connection it ran on is gone.
   */
  async catchUp(last: number, stillCurrent: () => boolean): Promise<void> {
    this.catching = true; // already set when `joined` arrived; `held` keeps what came since
    try {
      await this.fetchMissing(last);
    } finally {
      if (stillCurrent()) this.catching = false;
    }
    const held = this.held.splice(0).sort((a, b) => a.id - b.id);
    for (const m of held) this.deliverLive(m);
  }

  /** A live message: delivered, unless it waits for the catch-up after a rejoin (`defer`). History pages never wait. */
  private deliverLive(m: StoredMessage): void {
    if (this.context.defer?.(this, m)) return;
    this.deliver(m);
  }

  /** Delivers one stored message in id order: opens it, drops repeats, emits it. */
  deliver(m: StoredMessage): void {
    if (this.cursorValue !== undefined && m.id <= this.cursorValue) return;
    const item = this.context.open(this, m, true);
    this.advanceCursor(m.id);
    this.pager.shown(m.id);
    if (item) this.context.show(this.name, item);
  }

  private async fetchMissing(last: number): Promise<void> {
    if (this.cursorValue === undefined) {
      const saved = await this.context.cursors.getCursor(this.name);
      const limit = this.context.catchUpLimit ?? Infinity;
      // A cursor beyond the room's last id means the server lost its data: start over. One far behind
      // (a first join of this session only: a rejoin must not leave a gap in what is shown) opens at the newest page.
      if (saved !== undefined && saved <= last && last - saved <= limit) this.cursorValue = saved;
    } else if (this.cursorValue > last) {
      this.cursorValue = undefined;
    }
    if (this.cursorValue === undefined) {
      const initial = this.context.initialHistory ?? PAGE_SIZE;
      if (last > 0 && initial > 0) {
        const page = await this.context.history(this.name, { limit: initial });
        this.context.prepare?.(this, page.msgs);
        for (const m of page.msgs) this.deliver(m);
        this.pager.page([], page.more, true);
      } else if (last === 0) {
        this.pager.empty();
      }
      if (this.cursorValue === undefined) this.advanceCursor(last);
      return;
    }
    // Every id above `last` arrives as a live `msg` (held until this loop ends).
    while ((this.cursorValue ?? 0) < last) {
      const after = this.cursorValue ?? 0;
      const page = await this.context.history(this.name, { after, limit: HISTORY_PAGE });
      this.context.prepare?.(this, page.msgs);
      for (const m of page.msgs) this.deliver(m);
      if (!page.more || page.msgs.length === 0) break;
    }
  }

  private advanceCursor(id: number): void {
    if (this.cursorValue !== undefined && id <= this.cursorValue) return;
    this.cursorValue = id;
    this.context.cursors.setCursor(this.name, id).catch((error: unknown) => this.context.log(`cursor save failed: ${String(error)}`));
  }
}
