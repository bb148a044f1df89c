// When a new message earns a VS Code notification: only someone else's unread
// message, only while the chat view is hidden, only when the setting allows,
// and at most one toast per few seconds (the badge keeps counting the rest).

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
