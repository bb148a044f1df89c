// Paging of one room's history for a viewer: the oldest message shown so far and whether the
// server holds older ones, so `loadOlder` continues below what the user has seen.

import type { StoredMessage } from '../protocol/frames';

export class Pager {
  /** The oldest id this client delivered or paged in this session: `loadOlder` continues below it. */
  private oldest: number | undefined;
  /** Whether the server holds messages older than `oldest` (true until a page says otherwise). */
  private moreOlder = true;

  get oldestShown(): number | undefined {
    return this.oldest;
  }

  get more(): boolean {
    return this.moreOlder;
  }

  /** A message was delivered (live, caught up or in the first page). */
  shown(id: number): void {
    if (this.oldest === undefined || id < this.oldest) this.oldest = id;
  }

  /** The room is empty: nothing older exists. */
  empty(): void {
    this.moreOlder = false;
  }

  /** The `before` of the next older page (undefined: the newest page). */
  nextBefore(): number | undefined {
    return this.oldest;
  }

  /**
   * A page arrived. `continued`: it was asked for below the oldest shown (not at an arbitrary id),
   * so its `more` says whether older messages remain. The raw page's first id counts, so an ignored
   * modifier at its start is not fetched again.
   */
  page(msgs: readonly StoredMessage[], more: boolean, continued: boolean): void {
    const first = msgs[0];
    if (first) this.shown(first.id);
    if (continued) this.moreOlder = more;
  }
}
