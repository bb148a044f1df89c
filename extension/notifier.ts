// What the user is told outside the chat view: the view badge and the status bar
// follow the unread count and connection; a toast for someone else's new message
// (rules in state/notify.ts); client errors as notices, except lost connections,
// which the banner and status bar already show. Plain module (no `vscode`): the
// VS Code surfaces are injected, so the rules are tested on Node.

import type { NoticeLevel, ViewConnection, ViewItem, ViewRoomSummary } from '../protocol/webview';
import type { NotificationSetting } from './config';
import type { ChatState } from './state/chat-state';
import { mentionsMe, plainNotificationText, shouldNotify } from './state/notify';
import { previewText } from './state/view-items';

/** Client errors about the connection itself: the banner and status bar already show them. */
export const CONNECTION_CODES: ReadonlySet<string> = new Set(['disconnected', 'unreachable', 'busy', 'timeout', 'closed']);

export interface NotifierSurfaces {
  viewVisible(): boolean;
  setBadge(count: number): void;
  /** The rooms' unread counts are shown apart: the current room's and the others'. */
  setStatus(connection: ViewConnection, room: string | null, rooms: readonly ViewRoomSummary[]): void;
  /**
   * A toast with an "Open Chat" button; resolves true when it was clicked. With `trustAction`
   * (a changed key) it also offers "Trust New Key...", and resolves 'trust' when that was clicked.
   */
  toast(text: string, trustAction?: boolean): Promise<boolean | 'trust'>;
  /** A line in the view's notice bar. */
  notice(level: NoticeLevel, text: string): void;
  setting(): NotificationSetting;
  /** The room's own level (all / mentions / none, state/room-notify.ts) lets this message toast; the badge counts regardless. */
  roomAllows?(room: string, item: ViewItem): boolean;
  now(): number;
}

export class Notifier {
  private lastToast = 0;

  constructor(private readonly ui: NotifierSurfaces) {}

  /** Badge (only while the view is hidden) and status bar from the current state. */
  refresh(state: ChatState | undefined): void {
    const unread = state?.totalUnread() ?? 0;
    this.ui.setBadge(this.ui.viewVisible() ? 0 : unread);
    this.ui.setStatus(state?.connection ?? { state: 'idle' }, state?.active ?? null, state?.summaries() ?? []);
  }

  /**
   * Someone's new message: maybe a toast. `open` runs when the user clicks
   * "Open Chat". Resolves when the toast is answered (or at once without one).
   */
  async incoming(room: string, item: ViewItem, unread: boolean, open: (room: string) => void, trust?: (room: string, item: ViewItem) => void): Promise<void> {
    if (this.ui.roomAllows && !this.ui.roomAllows(room, item)) return;
    const now = this.ui.now();
    const mention = mentionsMe(item);
    if (!shouldNotify({ unread, viewVisible: this.ui.viewVisible(), setting: this.ui.setting(), now, lastToast: this.lastToast, mentionsMe: mention })) return;
    this.lastToast = now;
    // A changed key or a look-alike name (issue 11) is said in the toast too, not only in the view.
    const who = item.kind === 'placeholder' || item.kind === 'line' ? 'Someone' : item.verified || item.own ? item.from.name : `${item.from.name} (NOT VERIFIED: ${item.why ?? 'changed key'})`;
    // Only the same name under another key can be trusted on purpose; a look-alike never is.
    const changed = trust !== undefined && item.kind !== 'placeholder' && item.kind !== 'line' && !item.own && !item.verified && (item.why === undefined || item.why === 'changed key');
    const says = mention ? 'mentioned you in' : 'in';
    const answer = await this.ui.toast(plainNotificationText(`${who} ${says} ${room}: ${previewText(item)}`), changed || undefined);
    if (answer === 'trust') trust?.(room, item);
    else if (answer) open(room);
  }

  /** An error the client reported: noticed unless it is about the connection. */
  clientError(code: string, message: string): void {
    if (!CONNECTION_CODES.has(code)) this.ui.notice('error', message);
  }

  notice(level: NoticeLevel, text: string): void {
    this.ui.notice(level, text);
  }
}
