// The host's per-room folds of the conversation (PROTOCOL.md section 13): turns room items into view items
// that carry reactions, "(edited)" with earlier versions and a reply's quote, and a modifier into its target's new view.

import { ModifierFold, withShownMentions, type FoldState } from '../../client/conversation/fold';
import type { RoomItem } from '../../client/kinds/index';
import type { ModifierItem } from '../../client/kinds/modifiers';
import { escapeName } from '../../client/names';
import type { ViewItem, ViewReplyTo } from '../../protocol/webview';
import { previewText, toViewItem } from './view-items';

const QUOTE_CHARS = 80;

/** A view item with what the fold says about it. `me`: this identity's fingerprint (for "mine"). */
export function decorate(view: ViewItem, state: FoldState | undefined, me: string): ViewItem {
  if (!state || view.kind === 'placeholder' || view.kind === 'line') return view;
  const out = { ...view };
  delete out.reactions;
  delete out.edited;
  delete out.versions;
  const newest = state.versions.at(-1);
  if (state.edited && newest && (out.kind === 'text' || out.kind === 'reply')) {
    out.text = newest.text;
    out.edited = true;
    out.versions = state.versions.slice(0, -1).map((v) => v.text);
  }
  if (state.reactions.size > 0) {
    out.reactions = [...state.reactions].map(([emoji, who]) => ({
      emoji,
      count: who.length,
      names: who.map((w) => escapeName(w.name)),
      mine: who.some((w) => w.fingerprint === me),
    }));
  }
  return out;
}

export class RoomFolds {
  private readonly folds = new Map<string, ModifierFold>();
  /** Our own messages waiting for their ack (`room\ncid`): the ack gives them the id modifiers and replies name. */
  private readonly pending = new Map<string, RoomItem>();

  constructor(private readonly me: string) {}

  fold(room: string): ModifierFold {
    let fold = this.folds.get(room);
    if (!fold) this.folds.set(room, (fold = new ModifierFold()));
    return fold;
  }

  /** The view item of a delivered or paged message, with the modifiers that already came for it. */
  view(room: string, item: RoomItem, pending = false): ViewItem {
    const fold = this.fold(room);
    if (pending) this.pending.set(`${room}\n${item.cid}`, item);
    const key = fold.addTarget(item);
    return this.viewOf(room, item, key === null ? undefined : fold.state(key), pending);
  }

  /** Our message `cid` was stored as `id`: its acked view item, folded; undefined when it was not pending here. */
  acked(room: string, cid: string, id: number, ts: number): ViewItem | undefined {
    const item = this.pending.get(`${room}\n${cid}`);
    if (!item) return undefined;
    this.pending.delete(`${room}\n${cid}`);
    return this.view(room, { ...item, id, ts });
  }

  /** The target's new view item when the modifier changed a message already known; null otherwise (it waits, or is ignored). */
  modifier(room: string, m: ModifierItem): ViewItem | null {
    const fold = this.fold(room);
    const key = fold.addModifier(m);
    if (key === null) return null;
    const item = fold.item(key);
    return item ? this.viewOf(room, item, fold.state(key)) : null;
  }

  /**
   * Message `id` was deleted for everyone: the fold forgets its text, versions and reactions.
   * Returns the view items of the replies quoting it, which must now say "message deleted".
   */
  deleted(room: string, id: number, replies: readonly ViewItem[]): ViewItem[] {
    this.fold(room).markDeleted(id);
    return this.requote(room, id, replies);
  }

  /** The replies among `shown` that quote message `id`, quoted again (after it loaded, changed or went). */
  requote(room: string, id: number, shown: readonly ViewItem[]): ViewItem[] {
    const out: ViewItem[] = [];
    for (const view of shown) {
      if (view.kind !== 'reply' || view.replyTo.id !== id) continue;
      out.push({ ...view, replyTo: this.quote(room, id) });
    }
    return out;
  }

  /** The (sender key, cid) of a known message by server id (for a reaction or an edit). */
  target(room: string, id: number): RoomItem | undefined {
    return this.fold(room).itemById(id);
  }

  forget(room: string): void {
    this.folds.delete(room);
    for (const key of [...this.pending.keys()]) if (key.startsWith(`${room}\n`)) this.pending.delete(key);
  }

  private viewOf(room: string, item: RoomItem, state: FoldState | undefined, pending = false): ViewItem {
    // Section 13: the chips (and the mention-of-me mark) follow the shown text's mentions.
    const view = decorate(toViewItem(withShownMentions(item, state), pending), state, this.me);
    return view.kind === 'reply' ? { ...view, replyTo: this.quote(room, view.replyTo.id) } : view;
  }

  /** The quote of message `id`: its sender and a one-line preview of its newest text, when known. */
  private quote(room: string, id: number): ViewReplyTo {
    const fold = this.fold(room);
    const target = fold.itemById(id);
    if (fold.isDeleted(id)) return { id, sender: null, preview: 'message deleted' };
    if (!target || target.kind === 'placeholder' || target.kind === 'line') return { id, sender: null, preview: null };
    const view = decorate(toViewItem(target), fold.stateById(id), this.me);
    if (view.kind === 'placeholder' || view.kind === 'line') return { id, sender: null, preview: null };
    return { id, sender: view.from, preview: previewText(view, QUOTE_CHARS) };
  }
}
