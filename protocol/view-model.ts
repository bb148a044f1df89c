// The one set of rules for a room's items as the view shows them, imported by the
// host (extension/state/chat-state.ts) and the webview (webview/state.ts): their
// identity, their order and how a new copy merges with the one shown.
// Plain data only (no Node, no DOM), like the rest of protocol/.

import { isMessageItem, type ViewItem } from './webview';

/**
 * Which shown item a new copy replaces: the sender's key (its fingerprint) and the
 * cid. A cid is chosen by its sender, so two senders may pick the same one; keyed
 * by cid alone, one sender's message could replace another's on screen.
 * Placeholders have no trustworthy sender, so they never merge with a real message.
 */
export function itemKey(item: ViewItem): string {
  if (item.kind === 'placeholder') return `?/${item.cid}`;
  // A room line (PROTOCOL.md 12.5) stands for its grant: the grant's signer and cid.
  return item.kind === 'line' ? `line/${item.by.fingerprint}/${item.cid}` : `${item.from.fingerprint}/${item.cid}`;
}

/** Acked items by server id; pending ones (id null) after them, in the order they came. */
export function compareItems(a: ViewItem, b: ViewItem): number {
  if (a.id === null && b.id === null) return 0;
  if (a.id === null) return 1;
  if (b.id === null) return -1;
  return a.id - b.id;
}

export type UpsertOutcome = 'added' | 'replaced' | 'kept';

/**
 * Adds an item or replaces the shown copy with the same key, keeping the order.
 * An acked copy is never turned back into a pending one (a late `pending` event
 * after the ack, or a resend after a reconnect): that returns 'kept'.
 */
export function upsertItem(items: ViewItem[], item: ViewItem): UpsertOutcome {
  // "message deleted" (PROTOCOL.md section 11.3) takes the place of the message with its id, whoever sent it.
  if (item.kind === 'placeholder' && item.reason === 'deleted' && item.id !== null) {
    const shown = items.findIndex((i) => i.id === item.id && i.kind !== 'placeholder');
    if (shown >= 0) items.splice(shown, 1);
  }
  const at = indexOfKey(items, item);
  if (at >= 0) {
    const before = items[at];
    if (before && before.id !== null && item.id === null) return 'kept';
    items.splice(at, 1);
  }
  insertSorted(items, item);
  return at >= 0 ? 'replaced' : 'added';
}

/**
 * Where the shown copy of `item` is, or -1. From the end (new messages and acks
 * land there), comparing cids before building keys: a catch-up of 2,000 messages
 * upserts each into a growing list, and building two key strings per comparison
 * made that quadratic loop take seconds (issue 16).
 */
function indexOfKey(items: readonly ViewItem[], item: ViewItem): number {
  const key = itemKey(item);
  for (let i = items.length - 1; i >= 0; i--) {
    const other = items[i]!;
    if (other.cid === item.cid && itemKey(other) === key) return i;
  }
  return -1;
}

/** Puts an older page into the items; returns the page's items that were new (by key). */
export function mergeOlder(items: ViewItem[], page: readonly ViewItem[]): ViewItem[] {
  const known = new Set(items.map(itemKey));
  const fresh = page.filter((i) => !known.has(itemKey(i)));
  for (const item of fresh) insertSorted(items, item);
  return fresh;
}

/**
 * Our own pending message with this cid (acks name only the cid, and only our own
 * messages are acked to us), or undefined.
 */
export function ownPendingIndex(items: readonly ViewItem[], cid: string): number {
  return items.findIndex((i) => i.cid === cid && isMessageItem(i) && i.own);
}

/** Stable insert: after every item that sorts before or with it (new messages usually land at the end). */
function insertSorted(items: ViewItem[], item: ViewItem): void {
  let at = items.length;
  while (at > 0) {
    const prev = items[at - 1];
    if (prev && compareItems(prev, item) <= 0) break;
    at -= 1;
  }
  items.splice(at, 0, item);
}
