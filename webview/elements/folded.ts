// What the host folded into a shown message (PROTOCOL.md section 13), drawn under its body:
// "(edited)" (opens the earlier versions) and the reaction chips (a press toggles mine),
// then the hover toolbar. Text only: names and emoji never become HTML.

import type { ViewItem } from '../../protocol/webview';
import { h } from './dom';
import { actionBar, editedMark, reactionChips } from './message-actions';

type Shown = Exclude<ViewItem, { kind: 'placeholder' | 'line' }>;

/** "(edited)" and the chips, or null when nothing was folded in. */
export function foldedMarks(doc: Document, item: Shown): HTMLElement | null {
  const edited = item.edited ? editedMark(doc, item.versions?.length ?? 0) : null;
  const chips = reactionChips(doc, item.reactions ?? []);
  if (!edited && !chips) return null;
  return h(doc, 'div', { class: 'folded' }, [edited, chips]);
}

/** The toolbar a message shows on hover and focus (message-actions.ts), or null when it has no actions. */
export function messageActions(doc: Document, item: ViewItem): HTMLElement | null {
  return actionBar(doc, item);
}

/** A short signature of the folded state, so the list redraws a row when an edit or a reaction changed it. */
export function foldedVersion(item: Shown): string {
  const reactions = (item.reactions ?? []).map((r) => `${r.emoji}${r.count}${r.mine ? '*' : ''}${r.names.join(',')}`).join(';');
  const quote = item.kind === 'reply' ? `${item.replyTo.sender?.fingerprint ?? ''}:${item.replyTo.preview ?? ''}` : '';
  return `${item.edited ? 'e' : ''}${item.versions?.length ?? 0}|${reactions}|${quote}|${item.own}`;
}
