// Accessible names for the message list (issue 16): each message is announced as
// "Ada, 18:44: text..." rather than by its date or not at all, a grouped message
// still names its sender, and the key mark says "verified" (the fingerprint stays
// in its tooltip, on demand, instead of being read out on every header). Pure:
// no DOM, so the wording is unit-tested; the message list sets aria-label from it.

import { roomLineText, type ViewItem, type ViewMessageItem } from '../protocol/webview';
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
export function keyMarkLabel(verified: boolean, compared = false): string {
  if (compared && verified) return 'fingerprint verified';
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
      const what = contentLabel(item);
      const marks = [item.verified ? (item.compared === true ? 'fingerprint verified' : '') : (item.why ?? 'changed key'), item.pending ? 'sending' : ''].filter(Boolean);
      return `${who}, ${time}: ${what}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`;
    }
    case 'placeholder':
      return `${time}: ${placeholderText(item)}`;
    case 'line':
      return `${time}: ${roomLineText(item.by.name, item.removed)}`;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

/** What a message holds, in words: its text, or what kind of thing it is. */
function contentLabel(item: ViewMessageItem): string {
  switch (item.kind) {
    case 'text':
      return excerpt(item.text);
    case 'reply':
      return `reply: ${excerpt(item.text)}`;
    case 'code':
      return `code ${item.code.path === undefined ? item.code.lang : `${excerpt(item.code.path, 60)} lines ${item.code.start} to ${item.code.end}`}`;
    case 'file':
      return `file ${excerpt(item.file.name, 60)}, ${item.file.size} bytes`;
    case 'image':
      return `image${item.image.name ? ` ${excerpt(item.image.name, 60)}` : ''}, ${item.image.w} by ${item.image.h} pixels`;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

/** The "Jump to latest" button's name: with how many messages came below while the reader was scrolled up. */
export function jumpLabel(newBelow: number): string {
  return newBelow > 0 ? `Jump to latest, ${newBelow} new ${newBelow === 1 ? 'message' : 'messages'}` : 'Jump to latest';
}

/** A reaction chip's name: the emoji, how many, who, and what a press does. */
export function reactionLabel(r: { emoji: string; count: number; names: readonly string[]; mine: boolean }): string {
  const who = r.names.length > 0 ? `: ${r.names.join(', ')}` : '';
  return `${r.emoji} ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}${who}. ${r.mine ? 'Press to remove yours' : 'Press to add yours'}`;
}

/** Names of a message's actions (hover toolbar, context menu); `whose` is "Ada's message" or "your message". */
export const ACTION_LABELS = {
  react: 'Add Reaction...',
  reply: 'Reply',
  edit: 'Edit',
  delete: 'Delete for Everyone...',
  copy: 'Copy Text',
  more: 'More Actions',
} as const;

/** "(edited)"'s name: it opens the earlier versions. */
export function editedLabel(versions: number): string {
  return `Edited. Show ${versions === 1 ? 'the earlier version' : `${versions} earlier versions`}`;
}

/** The composer banner while replying or editing. */
export function composeModeLabel(mode: { kind: 'reply'; name: string; quote: string } | { kind: 'edit' }): string {
  return mode.kind === 'reply' ? `Replying to ${mode.name}: ${excerpt(mode.quote, 80)}` : 'Editing your message (Escape to cancel)';
}
