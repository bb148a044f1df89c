// What the host folded into a shown message (PROTOCOL.md section 13), drawn plainly under its body:
// "(edited)" and the reactions as text. The hover actions and clickable chips are issue 13e's.

import type { ViewItem } from '../../protocol/webview';
import { h } from './dom';

type Shown = Exclude<ViewItem, { kind: 'placeholder' }>;

/** "(edited)" and "👍 2 · 🎉 1", or null when nothing was folded in. Text only: names and emoji never become HTML. */
export function foldedMarks(doc: Document, item: Shown): HTMLElement | null {
  const parts: HTMLElement[] = [];
  if (item.edited) {
    parts.push(h(doc, 'span', { class: 'edited', 'data-testid': 'edited', title: `Edited; ${item.versions?.length ?? 0} earlier version(s)` }, ['(edited)']));
  }
  for (const r of item.reactions ?? []) {
    parts.push(
      h(doc, 'span', { class: r.mine ? 'reaction mine' : 'reaction', 'data-testid': 'reaction', title: r.names.join(', ') }, [`${r.emoji} ${r.count}`]),
    );
  }
  return parts.length === 0 ? null : h(doc, 'div', { class: 'folded' }, parts);
}

/** A short signature of the folded state, so the list redraws a row when an edit or a reaction changed it. */
export function foldedVersion(item: Shown): string {
  const reactions = (item.reactions ?? []).map((r) => `${r.emoji}${r.count}${r.mine ? '*' : ''}`).join(',');
  const quote = item.kind === 'reply' ? `${item.replyTo.sender?.fingerprint ?? ''}:${item.replyTo.preview ?? ''}` : '';
  return `${item.versions?.length ?? 0}|${reactions}|${quote}`;
}
