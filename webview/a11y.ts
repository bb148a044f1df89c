// Accessible names for the message list (issue 16): each message is announced as
// "Ada, 18:44: text..." rather than by its date or not at all, a grouped message
// still names its sender, and the key mark says "verified" (the fingerprint stays
// in its tooltip, on demand, instead of being read out on every header). Pure:
// no DOM, so the wording is unit-tested; the message list sets aria-label from it.

import type { ViewItem } from '../protocol/webview';
import { placeholderText } from './state';

/** Longest excerpt of a text read out in a message's name; the text itself stays readable in full. */
export const LABEL_EXCERPT_CHARS = 160;

/** Whitespace (newlines, tabs, runs) folded to single spaces, cut at `max` characters with an ellipsis. */
export function excerpt(text: string, max = LABEL_EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Cut on a code point, never inside a surrogate pair.
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** The key mark's accessible name: short; the fingerprint is in its title for whoever asks. */
export function keyMarkLabel(verified: boolean): string {
  return verified ? 'verified' : 'changed key';
}

/** A message's accessible name, e.g. "Ada, 18:44: see you at the standup". `time` as the list shows it. */
export function messageLabel(item: ViewItem, time: string): string {
  switch (item.kind) {
    case 'text':
    case 'image':
    case 'code':
    case 'file':
    case 'reply': {
      const who = `${item.from.name}${item.own ? ' (you)' : ''}`;
      const what =
        item.kind === 'code'
          ? `code ${item.code.path === undefined ? item.code.lang : `${excerpt(item.code.path, 60)} lines ${item.code.start} to ${item.code.end}`}`
          : item.kind === 'text'
          ? excerpt(item.text)
          : item.kind === 'reply'
            ? `reply: ${excerpt(item.text)}`
          : item.kind === 'file'
            ? `file ${excerpt(item.file.name, 60)}, ${item.file.size} bytes`
            : `image${item.image.name ? ` ${excerpt(item.image.name, 60)}` : ''}, ${item.image.w} by ${item.image.h} pixels`;
      const marks = [item.verified ? '' : (item.why ?? 'changed key'), item.pending ? 'sending' : ''].filter(Boolean);
      return `${who}, ${time}: ${what}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`;
    }
    case 'placeholder':
      return `${time}: ${placeholderText(item)}`;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}
