// The host's per-room folds of edits and reactions (PROTOCOL.md section 12): turns room items into view
// items that carry "(edited)" versions and reaction chips, and a modifier into the updated view of its target.

import { ModifierFold, type FoldState } from '../../client/conversation/fold';
import type { RoomItem } from '../../client/kinds/index';
import type { ModifierItem } from '../../client/kinds/modifiers';
import type { ViewItem } from '../../protocol/webview';
import { toViewItem } from './view-items';

/** A view item with what the fold says about it. `me`: this identity's fingerprint (for "mine"). */
export function decorate(view: ViewItem, state: FoldState | undefined, me: string): ViewItem {
  if (!state || view.kind === 'placeholder') return view;
  const out = { ...view };
  delete out.earlier;
  delete out.reactions;
  const newest = state.versions.at(-1);
  if (state.edited && newest && (out.kind === 'text' || out.kind === 'reply')) {
    out.text = newest.text;
    out.earlier = state.versions.slice(0, -1).map((v) => v.text);
  }
  if (state.reactions.size > 0) {
    out.reactions = [...state.reactions].map(([emoji, who]) => ({
      emoji,
      by: who.map((w) => ({ name: w.name, fingerprint: w.fingerprint })),
      mine: who.some((w) => w.fingerprint === me),
    }));
  }
  return out;
}

export class RoomFolds {
  private readonly folds = new Map<string, ModifierFold>();

  constructor(private readonly me: string) {}

  fold(room: string): ModifierFold {
    let fold = this.folds.get(room);
    if (!fold) this.folds.set(room, (fold = new ModifierFold()));
    return fold;
  }

  /** The view item of a delivered or paged message, with the modifiers that already came for it. */
  view(room: string, item: RoomItem): ViewItem {
    const fold = this.fold(room);
    const key = fold.addTarget(item);
    return decorate(toViewItem(item), key === null ? undefined : fold.state(key), this.me);
  }

  /** The target's new view item when the modifier changed a message already shown; null otherwise (it waits, or is ignored). */
  modifier(room: string, m: ModifierItem): ViewItem | null {
    const fold = this.fold(room);
    const key = fold.addModifier(m);
    if (key === null) return null;
    const item = fold.item(key);
    return item ? decorate(toViewItem(item), fold.state(key), this.me) : null;
  }

  forget(room: string): void {
    this.folds.delete(room);
  }
}
