// When a new message earns a VS Code notification: only someone else's unread
// message, only while the chat view is hidden, only when the setting allows,
// and at most one toast per few seconds (the badge keeps counting the rest);
// and its text, in which nothing a sender wrote may become a link.

export const NOTIFY_GAP_MS = 4000;

export interface NotifyInput {
  unread: boolean;
  viewVisible: boolean;
  setting: 'all' | 'off';
  now: number;
  lastToast: number;
}

export function shouldNotify(i: NotifyInput): boolean {
  return i.unread && !i.viewVisible && i.setting === 'all' && i.now - i.lastToast >= NOTIFY_GAP_MS;
}

/**
 * Someone else's words (a display name, a preview) as notification text. VS Code
 * turns `[label](target)` in a notification into a link, and `command:` targets
 * run commands: a zero-width space between `]` and `(` keeps the text plain.
 */
export function plainNotificationText(text: string): string {
  return text.replace(/\]\(/g, ']\u200b(');
}
