// The message list (issue 16): a WAI-ARIA feed of articles drawn only near the
// viewport (so 20,000 messages cost what 200 do), each named "Ada, 18:44: ...",
// reachable with the arrow keys, long ones collapsed behind "Show more", and a
// scroll anchor kept stable through older pages, height changes and room switches.

import type { ImageRef, ViewImage, ViewItem } from '../../protocol/webview';
import type { ImageCache } from '../image-cache';
import { messageLabel } from '../a11y';
import { charsPerLine, shouldCollapse } from '../collapse';
import { renderBody, type KindHooks, type RenderContext } from '../kinds/index';
import { buildRows, UNREAD_ROW_KEY, type Row } from '../state';
import { newMessagesLine } from './unread';
import { foldedMarks, foldedVersion, messageActions } from './folded';
import { placeOf, RowHeights, ScrollMemory, scrollTopFor, visibleWindow, type ScrollPlace } from '../virtual';
import { h, icon, targetElement } from './dom';
import { TESTID } from './selectors';
import { keyMark } from './key-mark';
import { timeMarks } from './message-time';
import { roomLineRow } from './room-line';

export interface MessageListEvents {
  loadOlder(): void;
  openLink(url: string): void;
  openImage(ref: ImageRef): void;
  saveImage(ref: ImageRef): void;
  /** The reader is at the newest message or not, and how many arrived below since they scrolled up (the "Jump to latest" button). */
  placeChanged?(atBottom: boolean, newBelow: number): void;
}

/** Pixels from the top at which the next older page is requested. */
const TOP_THRESHOLD = 80;
/** Pixels from the bottom within which the list still counts as "at the bottom". */
const BOTTOM_SLACK = 48;
/**
 * Rooms with at most this many rows are drawn whole (cheap, and the webview's
 * find-in-page sees every message); longer ones only near the viewport.
 */
export const WINDOW_FROM_ROWS = 300;
/** Characters per line assumed before the list has a width (a hidden view). */
const DEFAULT_CHARS_PER_LINE = 60;
/** Average character width in pixels of the view's font, for the collapse estimate. */
const CHAR_PX = 7;
/** Measure-and-correct passes per layout: heights settle after one or two. */
const LAYOUT_PASSES = 4;

interface Drawn {
  el: HTMLElement;
  version: string;
}

export class MessageList {
  readonly el: HTMLElement;
  private readonly olderButton: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private readonly feed: HTMLElement;
  private readonly topSpacer: HTMLElement;
  private readonly bottomSpacer: HTMLElement;
  private readonly announcer: HTMLElement;
  private drawn = new Map<string, Drawn>();
  private room: string | null = null;
  private more = false;
  private rows: Row[] = [];
  private keys: string[] = [];
  /** Keys of the message rows only, in order (arrow keys move among these). */
  private messageKeys: string[] = [];
  /** Each message's aria-posinset (1-based), by key. */
  private positions = new Map<string, number>();
  private readonly heightsByRoom = new Map<string, RowHeights>();
  private heights = new RowHeights();
  private readonly memory = new ScrollMemory();
  /** Messages the reader expanded with "Show more" (by row key). */
  private readonly expanded = new Set<string>();
  /** The message that holds the list's one tab stop (roving tabindex). */
  private focusKey: string | null = null;
  private resizeObserver: ResizeObserver | undefined;
  /** Set while the list itself moves scrollTop, so its own scroll event is not taken for the reader's. */
  private settingScroll = false;
  /** Others' messages that arrived while the reader was scrolled up; the last reported place. */
  private newBelow = 0;
  private newFrom: number | undefined;
  private reported = { atBottom: true, newBelow: 0 };

  constructor(
    private readonly doc: Document,
    private readonly events: MessageListEvents,
    // What kind renderers need from the app (highlighting, Copy, Open); inert defaults for tests of the list alone.
    private readonly hooks: KindHooks = {
      openLink: (url) => events.openLink(url),
      copy: () => undefined,
      highlight: (_lang, text) => Object.assign(doc.createElement('code'), { textContent: text }),
      openCode: () => undefined,
    },
    // Image bytes by reference (webview/image-cache.ts): the list never holds bytes; the cache asks the host once per image.
    private readonly images?: ImageCache,
  ) {
    this.olderButton = h(doc, 'vscode-button', { secondary: true, 'data-testid': TESTID.loadOlder, hidden: true }, [
      'Load older messages',
    ]);
    this.olderButton.addEventListener('click', () => this.events.loadOlder());
    this.emptyEl = h(doc, 'p', { class: 'empty-room', 'data-testid': TESTID.emptyRoom, hidden: true }, ['No messages yet']);
    this.topSpacer = h(doc, 'div', { class: 'spacer', 'aria-hidden': 'true' });
    this.bottomSpacer = h(doc, 'div', { class: 'spacer', 'aria-hidden': 'true' });
    // The feed pattern: articles the reader moves through; new messages are announced by the status line below,
    // not by a live region over the feed (windowing adds and removes rows while scrolling).
    this.feed = h(doc, 'div', { class: 'rows', role: 'feed', 'aria-label': 'Messages', 'aria-busy': 'false' });
    this.announcer = h(doc, 'div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': TESTID.announcer });
    this.el = h(
      doc,
      'div',
      { id: 'messages', class: 'messages', 'data-testid': TESTID.messageList },
      [this.olderButton, this.emptyEl, this.topSpacer, this.feed, this.bottomSpacer, this.announcer],
    );
    this.el.addEventListener('scroll', () => this.onScroll());
    this.el.addEventListener('click', (event) => this.onClick(event));
    this.el.addEventListener('keydown', (event) => this.onKeyDown(event));
    // Images and "Show more" change a row's height after it was drawn: measure again and keep the anchor.
    this.el.addEventListener('load', () => this.relayout(), true);
    const RO = doc.defaultView?.ResizeObserver;
    if (RO) {
      this.resizeObserver = new RO(() => this.relayout());
      this.resizeObserver.observe(this.el);
      this.resizeObserver.observe(this.feed);
    }
    this.feed.addEventListener('focusin', (event) => {
      const article = targetElement(event)?.closest('[role="article"]');
      const key = article?.getAttribute('data-key');
      if (key) this.setFocusKey(key);
    });
  }

  /**
   * Draws a room. `how`: 'replace' (a snapshot: scroll to the newest), 'append'
   * (new or changed items: follow them when at the bottom), 'prepend' (an older
   * page: the messages the reader sees stay where they are). Another room than
   * the one shown returns to where that room was read (new rooms: the bottom).
   */
  render(room: string | null, items: readonly ViewItem[], more: boolean, how: 'replace' | 'append' | 'prepend', newFrom?: number): void {
    let place: ScrollPlace;
    // A newly set "New messages" line (the room was opened, or the view shown again) is scrolled to like an opening.
    const opened = room !== this.room || how === 'replace' || (newFrom !== undefined && newFrom !== this.newFrom);
    this.newFrom = newFrom;
    if (room !== this.room) {
      this.newBelow = 0;
      if (this.room !== null) this.memory.remember(this.room, this.currentPlace(BOTTOM_SLACK));
      this.clear();
      this.room = room;
      this.heights = room === null ? new RowHeights() : this.heightsFor(room);
      place = room === null ? { kind: 'bottom' } : this.memory.recall(room);
    } else if (how === 'replace') {
      place = { kind: 'bottom' };
    } else {
      place = this.currentPlace(BOTTOM_SLACK);
    }
    const lastBefore = this.messageKeys.at(-1);
    this.more = more;
    this.olderButton.hidden = !more;
    this.rows = buildRows(items, undefined, newFrom);
    this.keys = this.rows.map((r) => r.key);
    this.messageKeys = this.rows.filter((r) => r.kind === 'message').map((r) => r.key);
    this.positions = new Map(this.messageKeys.map((k, i) => [k, i + 1]));
    this.heights.retain(this.keys);
    this.emptyEl.hidden = room === null || items.length > 0 || more;
    const last = this.rows.at(-1);
    const newLast = last !== undefined && last.kind === 'message' && last.key !== lastBefore && how !== 'prepend';
    if (newLast && last.item.kind !== 'placeholder' && last.item.kind !== 'line' && last.item.own) place = { kind: 'bottom' };
    if (newLast && how === 'append' && lastBefore !== undefined && !(last.item.kind !== 'placeholder' && last.item.kind !== 'line' && last.item.own)) {
      this.announcer.textContent = messageLabel(last.item, last.time);
      if (place.kind !== 'bottom') this.newBelow += this.messageKeys.length - 1 - this.messageKeys.indexOf(lastBefore);
    }
    // Opening a room with unread messages shows the "New messages" line at the top (or the bottom, if all fits).
    if (opened && this.keys.includes(UNREAD_ROW_KEY)) place = { kind: 'anchor', key: UNREAD_ROW_KEY, offset: 0 };
    this.layout(place);
    // A list that does not fill the view cannot be scrolled to its top: ask for more now.
    if (this.more && this.el.clientHeight > 0 && this.el.scrollHeight <= this.el.clientHeight + TOP_THRESHOLD) {
      this.events.loadOlder();
    }
  }

  scrollToBottom(): void {
    this.layout({ kind: 'bottom' });
  }

  /** "Jump to latest": the newest message, focused (the button that was pressed hides). */
  jumpToLatest(): void {
    this.scrollToBottom();
    const last = this.messageKeys.at(-1);
    if (last) this.focusMessage(last);
  }

  /** Releases every blob: URL and drawn row (the view is going away or shows another room). */
  clear(): void {
    this.drawn.clear();
    this.feed.replaceChildren();
    this.rows = [];
    this.keys = [];
    this.messageKeys = [];
    this.positions.clear();
    this.focusKey = null;
    this.announcer.textContent = '';
    this.setSpacers(0, 0);
  }

  dispose(): void {
    this.resizeObserver?.disconnect();
    this.clear();
  }

  private heightsFor(room: string): RowHeights {
    let heights = this.heightsByRoom.get(room);
    if (!heights) {
      heights = new RowHeights();
      this.heightsByRoom.set(room, heights);
    }
    return heights;
  }

  private get windowed(): boolean {
    return this.rows.length > WINDOW_FROM_ROWS;
  }

  /** Where the feed starts inside the scrolled content (below the "Load older" button). */
  private base(): number {
    return this.topSpacer.offsetTop;
  }

  private viewport(): number {
    return this.el.clientHeight;
  }

  private modelHeights(): number[] {
    return this.keys.map((key) => this.heights.get(key));
  }

  /** The reader's place: the bottom, or the row at the viewport's top and how far into it. */
  private currentPlace(slack: number): ScrollPlace {
    if (this.keys.length === 0) return { kind: 'bottom' };
    // Nothing laid out (a hidden view, or a DOM without layout): keep following the newest.
    if (this.el.scrollHeight <= this.el.clientHeight && this.el.scrollTop === 0 && this.el.clientHeight === 0) return { kind: 'bottom' };
    const heights = this.modelHeights();
    const place = placeOf(this.keys, heights, this.el.scrollTop - this.base(), this.viewport(), slack);
    if (place.kind === 'bottom') return place;
    // Anchor on a message, never on a day separator: an older page of the same day goes in right
    // below its separator, so a separator at the top would stay put while its messages moved down.
    const at = this.keys.indexOf(place.key);
    for (let i = at, offset = place.offset; i >= 0 && i < this.keys.length; offset -= heights[i]!, i++) {
      if (this.rows[i]?.kind === 'message') return { kind: 'anchor', key: this.keys[i]!, offset };
    }
    return place;
  }

  /**
   * Draws the rows around `place` and scrolls to it; then measures what was drawn
   * and, where estimates were wrong, draws again so the anchor row does not move.
   */
  private layout(place: ScrollPlace): void {
    for (let pass = 0; pass < LAYOUT_PASSES; pass++) {
      const heights = this.modelHeights();
      const viewTop = scrollTopFor(place, this.keys, heights, this.viewport());
      this.drawWindow(heights, viewTop);
      // The bottom is wherever the browser's content ends (list padding included); the model's own end where nothing is laid out.
      this.scrollTo(place.kind === 'bottom' ? Math.max(this.base() + viewTop, this.el.scrollHeight - this.el.clientHeight) : this.base() + viewTop);
      if (!this.measure()) break;
    }
    this.updateTabStop();
    this.reportPlace();
  }

  /** Tells the app whether the reader is at the newest message (only when that, or the count below, changed). */
  private reportPlace(): void {
    const atBottom = this.room === null || this.currentPlace(BOTTOM_SLACK).kind === 'bottom';
    if (atBottom) this.newBelow = 0;
    if (atBottom === this.reported.atBottom && this.newBelow === this.reported.newBelow) return;
    this.reported = { atBottom, newBelow: this.newBelow };
    this.events.placeChanged?.(atBottom, this.newBelow);
  }

  /** A layout that keeps the reader's place (after a scroll, a resize, an image load). */
  private relayout(): void {
    if (this.room === null) return;
    this.layout(this.currentPlace(1));
  }

  private onScroll(): void {
    if (this.settingScroll) return;
    if (this.windowed) this.relayout();
    else this.reportPlace();
    if (this.el.scrollTop < TOP_THRESHOLD && this.more) this.events.loadOlder();
  }

  private scrollTo(top: number): void {
    if (Math.abs(this.el.scrollTop - top) < 1) return;
    this.settingScroll = true;
    this.el.scrollTop = top;
    this.settingScroll = false;
  }

  private drawWindow(heights: readonly number[], viewTop: number): void {
    const all = { start: 0, end: this.rows.length, padTop: 0, padBottom: 0 };
    const w = this.windowed ? visibleWindow(heights, viewTop, this.viewport()) : all;
    this.reconcile(this.rows.slice(w.start, w.end));
    this.setSpacers(w.padTop, w.padBottom);
  }

  private setSpacers(top: number, bottom: number): void {
    // Set through the CSSOM (allowed by the view's CSP, unlike style attributes in markup).
    this.topSpacer.style.height = `${top}px`;
    this.bottomSpacer.style.height = `${bottom}px`;
  }

  /** Records the heights of the drawn rows; true when one differed from what the model assumed. */
  private measure(): boolean {
    let changed = false;
    for (const [key, drawn] of this.drawn) {
      const height = drawn.el.getBoundingClientRect().height;
      // Zero: not laid out (hidden view); keep the estimate rather than collapse the model.
      if (!(height > 0)) continue;
      if (Math.abs(this.heights.get(key) - height) > 0.5) changed = true;
      this.heights.set(key, height);
    }
    return changed;
  }

  private reconcile(rows: Row[]): void {
    const next = new Map<string, Drawn>();
    const wanted: HTMLElement[] = [];
    const cpl = this.el.clientWidth > 0 ? charsPerLine(this.el.clientWidth - 24, CHAR_PX) : DEFAULT_CHARS_PER_LINE;
    const setSize = this.more ? -1 : this.messageKeys.length;
    for (const row of rows) {
      const collapsible = row.kind === 'message' && isLong(row.item, cpl);
      const version = `${rowVersion(row)}|${collapsible}|${this.expanded.has(row.key)}|${this.positionOf(row.key)}|${setSize}`;
      let drawn = this.drawn.get(row.key);
      if (!drawn || drawn.version !== version) drawn = { el: this.draw(row, collapsible, setSize), version };
      next.set(row.key, drawn);
      wanted.push(drawn.el);
    }
    const keep = new Set<Element>(wanted);
    for (const child of Array.from(this.feed.children)) if (!keep.has(child)) child.remove();
    // Put the wanted elements in order, moving only those out of place (focus and images survive).
    let cursor: Element | null = this.feed.firstElementChild;
    for (const el of wanted) {
      if (el === cursor) cursor = cursor.nextElementSibling;
      else this.feed.insertBefore(el, cursor);
    }
    this.drawn = next;
  }

  private positionOf(key: string): number {
    return this.positions.get(key) ?? 0;
  }

  private draw(row: Row, collapsible: boolean, setSize: number): HTMLElement {
    const doc = this.doc;
    if (row.kind === 'day') {
      return h(doc, 'div', { class: 'day', role: 'separator', 'data-key': row.key, 'data-testid': TESTID.daySeparator }, [
        h(doc, 'span', {}, [row.label]),
      ]);
    }
    if (row.kind === 'unread') return newMessagesLine(doc, row.key, row.label);
    const item = row.item;
    // A room line (PROTOCOL.md 12.5) is a note between messages, not a message: no sender, actions or menu.
    if (item.kind === 'line') return roomLineRow(doc, item, row.key, row.time, row.when, renderBody(item, this.renderContext));
    const own = item.kind !== 'placeholder' && item.own;
    const pending = item.kind !== 'placeholder' && item.pending;
    const el = h(doc, 'div', {
      class: `message${own ? ' own' : ''}${pending ? ' pending' : ''}${row.showSender ? ' first' : ''}`,
      role: 'article',
      tabindex: -1,
      'aria-label': messageLabel(item, row.time),
      'aria-posinset': this.positionOf(row.key),
      'aria-setsize': setSize,
      'data-key': row.key,
      'data-testid': TESTID.message,
      'data-cid': item.cid,
      'data-id': item.id === null ? '' : item.id,
      'data-kind': item.kind,
    });
    // Boolean data attributes are written as text so selectors can match "false" too.
    el.setAttribute('data-own', String(own));
    el.setAttribute('data-pending', String(pending));
    const time = (cls: string): HTMLElement =>
      h(doc, 'time', { class: cls, 'data-testid': TESTID.messageTime, datetime: new Date(item.ts).toISOString(), title: row.when }, [row.time]);

    if (item.kind === 'placeholder') {
      el.append(h(doc, 'div', { class: 'meta' }, [icon(doc, 'error'), time('')]), renderBody(item, this.renderContext));
      return el;
    }

    const pendingMark = (): HTMLElement => h(doc, 'span', { class: 'pending-mark', role: 'img', 'aria-label': 'Sending' }, [icon(doc, 'clock'), ' sending']);
    if (row.showSender || !item.verified || item.signedAt !== undefined) {
      // The mark says "verified" or why not; the fingerprint is in its tooltip, read only on demand.
      const key = keyMark(doc, item);
      el.append(
        h(doc, 'div', { class: 'meta' }, [
          h(doc, 'span', { class: 'sender', dir: 'auto', 'data-testid': TESTID.messageSender }, [item.from.name]),
          own ? h(doc, 'span', { class: 'you' }, ['(you)']) : null,
          key,
          ...(item.signedAt === undefined ? [time('')] : timeMarks(doc, item, row.time)),
          pending ? pendingMark() : null,
        ]),
      );
    } else {
      // A message inside a run: its time shows on hover and on focus, at the row's end.
      el.append(time('stamp'));
      if (pending) el.append(h(doc, 'div', { class: 'meta' }, [pendingMark()]));
    }

    const body = renderBody(item, this.renderContext);
    body.setAttribute('dir', 'auto');
    el.append(body);
    const folded = foldedMarks(doc, item);
    if (folded) el.append(folded);
    const actions = messageActions(doc, item);
    if (actions) el.append(actions);
    if (collapsible) {
      const open = this.expanded.has(row.key);
      if (!open) body.classList.add('collapsed');
      el.append(
        h(doc, 'button', { type: 'button', class: 'show-more', 'data-testid': TESTID.showMore, 'data-toggle-key': row.key, 'aria-expanded': String(open) }, [
          open ? 'Show less' : 'Show more',
        ]),
      );
    }
    return el;
  }

  private get renderContext(): RenderContext {
    return { ...this.hooks, doc: this.doc, imageUrl: (image) => this.imageUrl(image) };
  }

  /**
   * The image's blob: URL from the cache: at once when its bytes are here (a redraw, a new snapshot after
   * hide/show), else once the host's answer arrives. URLs stay cached while the view lives, so rows that
   * windowing drops and draws again ask nobody.
   */
  private imageUrl(image: ViewImage): string | Promise<string> | undefined {
    if (!this.images) return undefined;
    return this.images.cached(image.ref) ?? this.images.url(image.ref);
  }

  private toggle(key: string): void {
    const heights = this.modelHeights();
    const index = this.keys.indexOf(key);
    const top = index < 0 ? 0 : heights.slice(0, index).reduce((a, b) => a + b, 0);
    let place = this.currentPlace(1);
    // "Show less" on a message whose top is out of view: show its top, not whatever follows it.
    if (this.expanded.has(key) && top < this.el.scrollTop - this.base()) place = { kind: 'anchor', key, offset: 0 };
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.layout(place);
    this.drawn.get(key)?.el.querySelector<HTMLElement>('.show-more')?.focus({ preventScroll: true });
  }

  private onClick(event: Event): void {
    const target = targetElement(event);
    if (!target) return;
    const toggle = target.closest('[data-toggle-key]');
    if (toggle) {
      this.toggle(toggle.getAttribute('data-toggle-key') ?? '');
      return;
    }
    const link = target.closest('a[data-url]');
    if (link) {
      event.preventDefault();
      this.events.openLink(link.getAttribute('data-url') ?? '');
      return;
    }
    const save = target.closest('[data-save-cid]');
    if (save) {
      this.events.saveImage({ key: save.getAttribute('data-save-sender') ?? '', cid: save.getAttribute('data-save-cid') ?? '' });
      return;
    }
    if (target.matches('img[data-cid]')) this.events.openImage(imageRefOf(target));
  }

  private onKeyDown(event: KeyboardEvent): void {
    const target = targetElement(event);
    if (!target) return;
    if ((event.key === 'Enter' || event.key === ' ') && target.matches('img[data-cid]')) {
      event.preventDefault();
      this.events.openImage(imageRefOf(target));
      return;
    }
    // Feed keys act on the message itself, not inside a link or button of it.
    if (target.getAttribute('role') !== 'article') return;
    const from = this.messageKeys.indexOf(target.getAttribute('data-key') ?? '');
    if (from < 0) return;
    const last = this.messageKeys.length - 1;
    let to: number;
    switch (event.key) {
      case 'ArrowDown':
        to = from + 1;
        break;
      case 'ArrowUp':
        to = from - 1;
        break;
      case 'PageDown':
        to = from + this.pageRows();
        break;
      case 'PageUp':
        to = from - this.pageRows();
        break;
      case 'Home':
        to = 0;
        break;
      case 'End':
        to = last;
        break;
      default:
        return;
    }
    event.preventDefault();
    if (to < 0 && this.more) this.events.loadOlder();
    this.focusMessage(this.messageKeys[Math.max(0, Math.min(last, to))]!);
  }

  /** Messages in about one viewport, for PageUp/PageDown (at least one). */
  private pageRows(): number {
    const estimate = this.heights.estimate();
    return Math.max(1, Math.floor(this.viewport() / Math.max(1, estimate)) - 1);
  }

  /** Moves focus to a message, scrolling (and drawing) it into view first. */
  focusMessage(key: string): void {
    const heights = this.modelHeights();
    const index = this.keys.indexOf(key);
    if (index < 0) return;
    let top = 0;
    for (let i = 0; i < index; i++) top += heights[i]!;
    const height = heights[index]!;
    const viewTop = this.el.scrollTop - this.base();
    const viewport = this.viewport();
    let place = this.currentPlace(1);
    if (top < viewTop) place = { kind: 'anchor', key, offset: 0 };
    else if (top + height > viewTop + viewport) place = { kind: 'anchor', key, offset: Math.min(0, height - viewport) };
    this.setFocusKey(key);
    this.layout(place);
    this.drawn.get(key)?.el.focus({ preventScroll: true });
  }

  private setFocusKey(key: string): void {
    this.focusKey = key;
    this.updateTabStop();
  }

  /** Exactly one drawn message is in the tab order: the focused one, else the newest drawn. */
  private updateTabStop(): void {
    const articles = Array.from(this.feed.querySelectorAll<HTMLElement>('[role="article"]'));
    if (articles.length === 0) return;
    const focused = this.focusKey === null ? undefined : this.drawn.get(this.focusKey)?.el;
    const stop = focused ?? articles.at(-1)!;
    for (const a of articles) a.setAttribute('tabindex', a === stop ? '0' : '-1');
  }
}

/** Whether a message is long enough to collapse at this width (texts and snippets: an image bounds its own size). */
function isLong(item: ViewItem, cpl: number): boolean {
  switch (item.kind) {
    case 'text':
    case 'reply':
      return shouldCollapse(item.text, cpl);
    case 'code':
      return shouldCollapse(item.code.text, cpl);
    case 'image':
    case 'file':
    case 'placeholder':
    case 'line':
      return false;
    default: {
      const unreachable: never = item;
      return unreachable;
    }
  }
}

function rowVersion(row: Row): string {
  if (row.kind !== 'message') return row.label;
  const i = row.item;
  const base = `${i.id}|${row.time}|${row.showSender}`;
  return i.kind === 'placeholder' || i.kind === 'line' ? base : `${base}|${i.pending}|${i.verified}|${foldedVersion(i)}|${i.compared === true}`;
}

/** The (sender, cid) an image element names (webview/kinds/image.ts sets both). */
function imageRefOf(img: Element): ImageRef {
  return { key: img.getAttribute('data-sender') ?? '', cid: img.getAttribute('data-cid') ?? '' };
}
