// The conversation actions of the chat view (issue 13): what the hover toolbar,
// the message menu (right-click, Shift+F10 or the Menu key on a focused message),
// the reaction chips, "(edited)" and a reply's quote do; the emoji picker, the
// delete confirmation and the earlier versions as small popovers; and the
// composer's reply / edit mode with its banner. One listener set on the list for
// every row (rows are drawn and dropped while scrolling). Safe DOM only.

import { itemKey } from '../../protocol/view-model';
import { MAX_MENTIONS, type ViewMention, type WebviewMessage } from '../../protocol/webview';
import { mentionsToSend } from '../mentions';
import { ACTION_LABELS, composeModeLabel, excerpt } from '../a11y';
import type { ViewState } from '../state';
import { h, icon, targetElement } from './dom';
import { actionsFor, copyable, type MessageAction, type Shown } from './message-actions';
import { TESTID } from './selectors';

/** The quick reactions of issue 13, in its order. */
export const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '✅'] as const;
/** Longest emoji the picker's input sends (PROTOCOL.md section 13 allows 64 bytes; the client checks again). */
const MAX_EMOJI_CHARS = 16;

export interface ConversationDeps {
  doc: Document;
  /** The scrolled list: clicks, the context menu and keys on its messages. */
  list: HTMLElement;
  /** Where popovers go (the app's root). */
  layer: HTMLElement;
  state: ViewState;
  post(message: WebviewMessage): void;
  /** Scrolls to a message (by row key) and focuses it. */
  focusMessage(key: string): void;
  composer: { setText(text: string): void; focus(): void };
  notice(text: string): void;
}

/** An edit remembers the message's text and the mentions it shows, so those still named in the new text stay. */
type Mode = { kind: 'reply'; id: number } | { kind: 'edit'; id: number; text: string; mentions: readonly ViewMention[] };

export class Conversation {
  /** "Replying to Ada: ..." / "Editing your message", with Cancel; the app puts it above the composer. */
  readonly banner: HTMLElement;
  private readonly bannerText: HTMLElement;
  private readonly bannerCancel: HTMLElement;
  private mode: Mode | null = null;
  private popover: HTMLElement | null = null;
  private returnFocus: HTMLElement | null = null;
  /** A reply's target that was not loaded: older pages are asked for until it shows. */
  private pendingJump: number | null = null;

  constructor(private readonly deps: ConversationDeps) {
    const { doc } = deps;
    this.bannerText = h(doc, 'span', { class: 'compose-mode-text', dir: 'auto' });
    this.bannerCancel = h(doc, 'button', { type: 'button', class: 'compose-mode-cancel', title: 'Cancel (Escape)' }, [icon(doc, 'close')]);
    this.bannerCancel.addEventListener('click', () => {
      this.cancelMode();
      deps.composer.focus();
    });
    this.banner = h(doc, 'div', { class: 'compose-mode', role: 'status', 'data-testid': TESTID.composeMode, hidden: true }, [
      icon(doc, 'reply'),
      this.bannerText,
      this.bannerCancel,
    ]);
    deps.list.addEventListener('click', (event) => this.onClick(event));
    deps.list.addEventListener('contextmenu', (event) => this.onContextMenu(event));
    deps.list.addEventListener('keydown', (event) => this.onKeyDown(event));
    // A press outside an open popover closes it (inside, its own buttons act).
    doc.addEventListener('mousedown', this.onOutsidePress);
  }

  private readonly onOutsidePress = (event: Event): void => {
    const target = targetElement(event);
    if (this.popover && target && !this.popover.contains(target)) this.closePopover(false);
  };

  /** Removes the document listener and any open popover (the list's listeners go with the list). */
  dispose(): void {
    this.deps.doc.removeEventListener('mousedown', this.onOutsidePress);
    this.closePopover(false);
  }

  // ---- the composer ----

  /** The composer's text goes as a reply or an edit while in that mode; true when it was taken. */
  takeSend(text: string, mentions: readonly string[] = []): boolean {
    const room = this.deps.state.active;
    const mode = this.mode;
    if (!mode || !room) return false;
    this.cancelMode();
    if (mode.kind === 'reply') this.deps.post(mentions.length > 0 ? { type: 'reply', room, to: mode.id, text, mentions: [...mentions] } : { type: 'reply', room, to: mode.id, text });
    else if (text !== mode.text) this.deps.post({ type: 'edit', room, id: mode.id, text, mentions: editMentions(text, mode.mentions, mentions) });
    return true;
  }

  /** Up in an empty composer: edit my newest message that can be edited. True when there was one. */
  editLast(): boolean {
    const items = this.deps.state.activeRoom()?.items ?? [];
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i]!;
      if (actionsFor(item).includes('edit')) {
        this.startEdit(item as Shown);
        return true;
      }
    }
    return false;
  }

  /** Escape in the composer: leaves reply or edit mode (true when there was one). */
  escape(): boolean {
    if (!this.mode) return false;
    this.cancelMode();
    return true;
  }

  /** Another room is shown: a reply or edit there makes no sense here. */
  roomChanged(): void {
    if (this.mode) this.cancelMode();
    this.pendingJump = null;
    this.closePopover(false);
  }

  get composeMode(): Mode | null {
    return this.mode;
  }

  private startReply(item: Shown): void {
    if (item.id === null) return;
    this.mode = { kind: 'reply', id: item.id };
    this.showBanner(composeModeLabel({ kind: 'reply', name: item.from.name, quote: quoteOf(item) }), 'Cancel reply', 'reply');
    this.deps.composer.focus();
  }

  private startEdit(item: Shown): void {
    const text = copyable(item);
    if (item.id === null || text === null) return;
    this.mode = { kind: 'edit', id: item.id, text, mentions: item.mentions ?? [] };
    this.showBanner(composeModeLabel({ kind: 'edit' }), 'Cancel edit', 'edit');
    this.deps.composer.setText(text);
    this.deps.composer.focus();
  }

  private showBanner(text: string, cancel: string, iconName: string): void {
    this.bannerText.textContent = text;
    this.bannerCancel.setAttribute('aria-label', cancel);
    this.banner.querySelector('.codicon')?.setAttribute('class', `codicon codicon-${iconName}`);
    this.banner.setAttribute('data-mode', this.mode?.kind ?? '');
    this.banner.hidden = false;
  }

  private cancelMode(): void {
    if (this.mode?.kind === 'edit') this.deps.composer.setText('');
    this.mode = null;
    this.banner.hidden = true;
    this.banner.removeAttribute('data-mode');
  }

  // ---- the list ----

  private itemOf(el: Element | null): Shown | undefined {
    const key = el?.closest('[role="article"]')?.getAttribute('data-key');
    if (!key) return undefined;
    const item = this.deps.state.activeRoom()?.items.find((i) => `msg:${itemKey(i)}` === key);
    return item && item.kind !== 'placeholder' && item.kind !== 'line' ? item : undefined;
  }

  private onClick(event: Event): void {
    const target = targetElement(event);
    if (!target) return;
    const jump = target.closest('[data-jump-to]');
    if (jump) {
      this.jumpTo(Number(jump.getAttribute('data-jump-to')));
      return;
    }
    const item = this.itemOf(target);
    if (!item) return;
    const action = target.closest('[data-action]');
    if (action) {
      this.run(action.getAttribute('data-action') as MessageAction, item, action as HTMLElement);
      return;
    }
    const chip = target.closest('[data-react-emoji]');
    if (chip) {
      this.react(item, chip.getAttribute('data-react-emoji') ?? '', chip.getAttribute('aria-pressed') === 'true');
      return;
    }
    const edited = target.closest('[data-show-versions]');
    if (edited) this.showVersions(item, edited as HTMLElement);
  }

  private onContextMenu(event: MouseEvent): void {
    const target = targetElement(event);
    // Links, images, file cards and a sender's key mark keep VS Code's own menu (Copy Link, Save Image As...,
    // Verify Fingerprint...: anything with a data-vscode-context), and so does selected text.
    if (!target || target.closest('a, img, [data-vscode-context]')) return;
    const selection = this.deps.doc.getSelection?.();
    if (selection && !selection.isCollapsed && selection.toString().trim() !== '') return;
    const item = this.itemOf(target);
    if (!item || actionsFor(item).length === 0) return;
    event.preventDefault();
    this.openMenu(item, (target.closest('[role="article"]') as HTMLElement | null) ?? this.deps.list, { x: event.clientX, y: event.clientY });
  }

  private onKeyDown(event: KeyboardEvent): void {
    const target = targetElement(event);
    if (!target || target.getAttribute('role') !== 'article') return;
    const menuKey = event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey);
    if (!menuKey) return;
    const item = this.itemOf(target);
    if (!item || actionsFor(item).length === 0) return;
    event.preventDefault();
    this.openMenu(item, target as HTMLElement);
  }

  private run(action: MessageAction, item: Shown, anchor: HTMLElement): void {
    switch (action) {
      case 'react':
        this.openPicker(item, anchor);
        return;
      case 'reply':
        this.startReply(item);
        return;
      case 'edit':
        this.startEdit(item);
        return;
      case 'delete':
        this.confirmDelete(item, anchor);
        return;
      case 'copy': {
        const text = copyable(item);
        if (text !== null) this.deps.post({ type: 'copyText', text });
        return;
      }
      case 'more':
        this.openMenu(item, anchor);
        return;
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  }

  private react(item: Shown, emoji: string, remove: boolean): void {
    const room = this.deps.state.active;
    if (!room || item.id === null || emoji === '') return;
    this.deps.post({ type: 'react', room, id: item.id, emoji, remove });
  }

  /** Shows the message a reply answers; asks for older pages (one at a time) until it is loaded. */
  jumpTo(id: number): void {
    const name = this.deps.state.active;
    const room = this.deps.state.activeRoom();
    if (!name || !room || !Number.isSafeInteger(id)) return;
    const target = room.items.find((i) => i.id === id);
    if (target) {
      this.pendingJump = null;
      this.deps.focusMessage(`msg:${itemKey(target)}`);
      return;
    }
    const oldest = room.items.find((i) => i.id !== null)?.id ?? Infinity;
    if (room.more && id < oldest) {
      this.pendingJump = id;
      if (this.deps.state.shouldLoadOlder(name)) this.deps.post({ type: 'loadOlder', room: name });
      return;
    }
    this.pendingJump = null;
    this.deps.notice('The message this answers is no longer in the room.');
  }

  /** An older page arrived: go on towards a reply's target. */
  olderArrived(): void {
    if (this.pendingJump !== null) this.jumpTo(this.pendingJump);
  }

  // ---- popovers ----

  private open(popover: HTMLElement, anchor: HTMLElement, at?: { x: number; y: number }): void {
    this.closePopover(false);
    const active = this.deps.doc.activeElement;
    // Focus goes back to the message (or the button) that opened it, unless that row was redrawn meanwhile.
    this.returnFocus = (anchor.closest('[role="article"]') as HTMLElement | null) ?? (active as HTMLElement | null);
    this.popover = popover;
    popover.classList.add('popover');
    popover.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.closePopover(true);
      }
    });
    this.deps.layer.append(popover);
    // Under the whole message, not its toolbar button: the popover must not hide the message it is about.
    place(popover, (anchor.closest('[role="article"]') as HTMLElement | null) ?? anchor, at);
  }

  private closePopover(restoreFocus: boolean): void {
    if (!this.popover) return;
    this.popover.remove();
    this.popover = null;
    const back = this.returnFocus;
    this.returnFocus = null;
    if (restoreFocus && back?.isConnected) back.focus({ preventScroll: true });
  }

  private openMenu(item: Shown, anchor: HTMLElement, at?: { x: number; y: number }): void {
    const doc = this.deps.doc;
    const actions = actionsFor(item);
    const items = actions.map((a) =>
      h(doc, 'button', { type: 'button', role: 'menuitem', tabindex: -1, class: `menu-item${a === 'delete' ? ' danger' : ''}`, 'data-menu-action': a }, [ACTION_LABELS[a]]),
    );
    const menu = h(doc, 'div', { role: 'menu', 'aria-label': `Actions for ${item.from.name}'s message`, 'data-testid': TESTID.messageMenu }, items);
    menu.addEventListener('click', (event) => {
      const chosen = targetElement(event)?.closest('[data-menu-action]');
      if (!chosen) return;
      const action = chosen.getAttribute('data-menu-action') as MessageAction;
      // Actions that open another popover anchor it where the menu's message is.
      this.closePopover(action === 'reply' || action === 'edit' || action === 'copy');
      this.run(action, item, anchor);
    });
    menu.addEventListener('keydown', (event) => {
      const at = items.indexOf(targetElement(event) as HTMLElement);
      const to =
        event.key === 'ArrowDown' ? (at + 1) % items.length
        : event.key === 'ArrowUp' ? (at - 1 + items.length) % items.length
        : event.key === 'Home' ? 0
        : event.key === 'End' ? items.length - 1
        : -1;
      if (to < 0) {
        if (event.key === 'Tab') {
          event.preventDefault();
          this.closePopover(true);
        }
        return;
      }
      event.preventDefault();
      items[to]?.focus();
    });
    this.open(menu, anchor, at);
    items[0]?.focus();
  }

  private openPicker(item: Shown, anchor: HTMLElement): void {
    const doc = this.deps.doc;
    const mine = new Set((item.reactions ?? []).filter((r) => r.mine).map((r) => r.emoji));
    const quick = QUICK_EMOJI.map((emoji) =>
      h(doc, 'button', { type: 'button', class: 'emoji', 'data-emoji': emoji, 'aria-label': `React with ${emoji}`, 'aria-pressed': String(mine.has(emoji)) }, [emoji]),
    );
    const input = h(doc, 'input', {
      type: 'text',
      class: 'emoji-input',
      'data-testid': TESTID.emojiInput,
      'aria-label': 'Any emoji (type or paste, then Enter)',
      placeholder: 'Any emoji, Enter',
      maxlength: MAX_EMOJI_CHARS,
    }) as HTMLInputElement;
    const picker = h(doc, 'div', { role: 'dialog', 'aria-label': 'Add reaction', 'data-testid': TESTID.emojiPicker }, [
      h(doc, 'div', { class: 'emoji-row', role: 'group', 'aria-label': 'Quick reactions' }, quick),
      input,
    ]);
    const choose = (emoji: string): void => {
      this.closePopover(true);
      this.react(item, emoji, mine.has(emoji));
    };
    picker.addEventListener('click', (event) => {
      const button = targetElement(event)?.closest('[data-emoji]');
      if (button) choose(button.getAttribute('data-emoji') ?? '');
    });
    picker.addEventListener('keydown', (event) => {
      const at = quick.indexOf(targetElement(event) as HTMLElement);
      if (at >= 0 && (event.key === 'ArrowRight' || event.key === 'ArrowLeft')) {
        event.preventDefault();
        quick[(at + (event.key === 'ArrowRight' ? 1 : quick.length - 1)) % quick.length]?.focus();
      }
    });
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      const emoji = input.value.trim();
      // One emoji, not a sentence: no spaces, at most a few code points' worth of characters.
      if (emoji === '' || /\s/.test(emoji)) return;
      choose(emoji);
    });
    this.open(picker, anchor);
    quick[0]?.focus();
  }

  private confirmDelete(item: Shown, anchor: HTMLElement): void {
    const doc = this.deps.doc;
    const room = this.deps.state.active;
    if (!room || item.id === null) return;
    const id = item.id;
    const cancel = h(doc, 'button', { type: 'button', class: 'secondary', 'data-confirm': 'cancel' }, ['Cancel']);
    const del = h(doc, 'button', { type: 'button', class: 'danger', 'data-confirm': 'delete' }, ['Delete for Everyone']);
    const question = h(doc, 'p', { id: 'confirm-delete-text' }, ['Delete this message for everyone? Its text is erased from the server and cannot be brought back.']);
    const dialog = h(doc, 'div', { role: 'alertdialog', 'aria-modal': 'true', 'aria-label': 'Delete message', 'aria-describedby': 'confirm-delete-text', 'data-testid': TESTID.confirmDelete }, [
      question,
      h(doc, 'div', { class: 'confirm-buttons' }, [del, cancel]),
    ]);
    del.addEventListener('click', () => {
      this.closePopover(true);
      this.deps.post({ type: 'delete', room, id });
    });
    cancel.addEventListener('click', () => this.closePopover(true));
    // Tab stays between the two buttons while the question is open.
    dialog.addEventListener('keydown', (event) => {
      if (event.key !== 'Tab') return;
      event.preventDefault();
      (this.deps.doc.activeElement === del ? cancel : del).focus();
    });
    this.open(dialog, anchor);
    cancel.focus();
  }

  private showVersions(item: Shown, anchor: HTMLElement): void {
    const doc = this.deps.doc;
    const earlier = item.versions ?? [];
    const now = copyable(item) ?? '';
    const close = h(doc, 'button', { type: 'button', class: 'secondary', 'aria-label': 'Close' }, ['Close']);
    const list = h(
      doc,
      'ol',
      { class: 'versions-list' },
      [...earlier, now].map((text, i) =>
        h(doc, 'li', { class: i === earlier.length ? 'current' : '' }, [
          h(doc, 'span', { class: 'version-label' }, [i === 0 ? 'Original' : i === earlier.length ? 'Now' : `Edit ${i}`]),
          // Plain text (never Markdown or HTML): an earlier version is shown as it was typed.
          h(doc, 'span', { class: 'version-text', dir: 'auto' }, [text]),
        ]),
      ),
    );
    const dialog = h(doc, 'div', { role: 'dialog', 'aria-label': `Earlier versions of ${item.from.name}'s message`, 'data-testid': TESTID.versions }, [
      h(doc, 'div', { class: 'versions-title' }, ['Earlier versions']),
      list,
      close,
    ]);
    close.addEventListener('click', () => this.closePopover(true));
    this.open(dialog, anchor);
    close.focus();
  }
}

/** A reply banner's quote of a message: its first line, or what it is. */
function quoteOf(item: Shown): string {
  switch (item.kind) {
    case 'text':
    case 'reply':
      return excerpt(item.text.split('\n')[0] ?? '', 80);
    case 'code':
      return 'code';
    case 'image':
      return 'image';
    case 'file':
      return `file ${excerpt(item.file.name, 60)}`;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

/** Puts a popover under its anchor (or at the pointer), kept inside the view. Set through the CSSOM (the CSP forbids style attributes). */
function place(popover: HTMLElement, anchor: HTMLElement, at?: { x: number; y: number }): void {
  const view = popover.ownerDocument.defaultView;
  const width = view?.innerWidth ?? 0;
  const height = view?.innerHeight ?? 0;
  const rect = anchor.getBoundingClientRect();
  const x = at?.x ?? rect.left;
  const y = at?.y ?? rect.bottom;
  const box = popover.getBoundingClientRect();
  const left = Math.max(4, Math.min(x, width - box.width - 4));
  // Above the anchor when there is no room below it.
  const top = y + box.height + 4 > height && y - box.height - (at ? 0 : rect.height) > 4 ? y - box.height - (at ? 0 : rect.height) : y;
  popover.style.left = `${Math.round(left)}px`;
  popover.style.top = `${Math.round(Math.max(4, top))}px`;
}

/**
 * An edit's mentions (PROTOCOL.md section 13), always sent so they follow the new text ([] is no one):
 * those the message shows whose `@Name` is still in the text, then those accepted with `@` while editing.
 */
export function editMentions(text: string, shown: readonly ViewMention[], accepted: readonly string[]): string[] {
  const out = mentionsToSend(text, shown);
  for (const f of accepted) if (!out.includes(f)) out.push(f);
  return out.slice(0, MAX_MENTIONS);
}
