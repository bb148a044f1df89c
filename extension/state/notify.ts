// When a new message earns a VS Code notification: only someone else's unread
// message, only while the chat view is hidden, only when the setting allows,
// and at most one toast per few seconds (the badge keeps counting the rest);
// a message that @mentions the reader notifies under "all" and "mentions" even
// where others would not; and its text, in which nothing a sender wrote may become a link.

import type { ViewItem } from '../../protocol/webview';

export const NOTIFY_GAP_MS = 4000;

export interface NotifyInput {
  unread: boolean;
  viewVisible: boolean;
  setting: 'all' | 'mentions' | 'off';
  now: number;
  lastToast: number;
  /** The message mentions the reader (PROTOCOL.md section 10): see mentionsMe. */
  mentionsMe?: boolean;
}

export function shouldNotify(i: NotifyInput): boolean {
  if (!i.unread || i.viewVisible || i.setting === 'off') return false;
  // A mention is for this reader alone: it skips the gap between toasts and the "mentions only" filter.
  if (i.mentionsMe === true) return true;
  return i.setting === 'all' && i.now - i.lastToast >= NOTIFY_GAP_MS;
}

/** Whether a view item mentions the reader (the host marked `me` by identity key, never by name). */
export function mentionsMe(item: ViewItem): boolean {
  return item.kind !== 'placeholder' && item.kind !== 'line' && (item.mentions?.some((m) => m.me) ?? false);
}

/**
 * Someone else's words (a display name, a preview) as notification text. VS Code
 * turns `[label](target)` in a notification into a link, and `command:` targets
 * run commands: a zero-width space between `]` and `(` keeps the text plain.
 */
export function plainNotificationText(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(');
}
