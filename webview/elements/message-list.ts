// The message list: draws a room's rows with stable keys (so images and focus
// survive redraws), keeps the scroll position when older messages are put on
// top, follows new ones when the reader is at the bottom, and asks for older
// pages when scrolled to the top.

import type { ViewImage, ViewItem } from '../../protocol/webview';
import { renderBody, type RenderContext } from '../kinds/index';
import { buildRows, formatTime, type Row } from '../state';
import { h, icon, targetElement } from './dom';
import { TESTID } from './selectors';

export interface MessageListEvents {
  loadOlder(): void;
  openLink(url: string): void;
  openImage(cid: string): void;
  saveImage(cid: string): void;
}

/** Pixels from the top at which the next older page is requested. */
const TOP_THRESHOLD = 80;
/** Pixels from the bottom within which the list still counts as "at the bottom". */
const BOTTOM_SLACK = 48;

interface Drawn {
  el: HTMLElement;
  version: string;
}

export class MessageList {
  readonly el: HTMLElement;
  private readonly olderButton: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private drawn = new Map<string, Drawn>();
  private imageUrls = new Map<string, string>();
  private room: string | null = null;
  private more = false;

  constructor(
    private readonly doc: Document,
    private readonly events: MessageListEvents,
  ) {
    this.olderButton = h(doc, 'vscode-button', { secondary: true, 'data-testid': TESTID.loadOlder, hidden: true }, [
      'Load older messages',
    ]);
    this.olderButton.addEventListener('click', () => this.events.loadOlder());
    this.rowsEl = h(doc, 'div', { class: 'rows' });
    this.el = h(
      doc,
      'div',
      {
        id: 'messages',
        class: 'messages',
        role: 'log',
        'aria-live': 'polite',
        'aria-relevant': 'additions',
        'aria-label': 'Messages',
        tabindex: 0,
        'data-testid': TESTID.messageList,
      },
      [this.olderButton, this.rowsEl],
    );
    this.el.addEventListener('scroll', () => {
      if (this.el.scrollTop < TOP_THRESHOLD && this.more) this.events.loadOlder();
    });
    this.el.addEventListener('click', (event) => this.onClick(event));
    this.el.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      const target = targetElement(event);
      if (target?.matches('img[data-cid]')) {
        event.preventDefault();
        this.events.openImage(target.getAttribute('data-cid') ?? '');
      }
    });
  }

  /**
   * Draws a room. `how`: 'replace' (another room or a snapshot: scroll to the
   * newest), 'append' (new or changed items), 'prepend' (an older page: keep
   * the messages the reader sees where they are).
   */
  render(room: string | null, items: readonly ViewItem[], more: boolean, how: 'replace' | 'append' | 'prepend'): void {
    if (room !== this.room) {
      how = 'replace';
      this.clear();
      this.room = room;
    }
    this.more = more;
    this.olderButton.hidden = !more;
    const fromBottom = this.el.scrollHeight - this.el.scrollTop;
    const atBottom = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight <= BOTTOM_SLACK;
    const lastBefore = this.rowsEl.lastElementChild;
    this.reconcile(buildRows(items));
    if (how === 'prepend') {
      this.el.scrollTop = this.el.scrollHeight - fromBottom;
    } else if (how === 'replace' || atBottom || this.endsWithNewOwn(lastBefore)) {
      this.scrollToBottom();
    }
    // A list that does not fill the view cannot be scrolled to its top: ask for more now.
    if (this.more && this.el.clientHeight > 0 && this.el.scrollHeight <= this.el.clientHeight + TOP_THRESHOLD) {
      this.events.loadOlder();
    }
  }

  scrollToBottom(): void {
    this.el.scrollTop = this.el.scrollHeight;
  }

  /** Releases every blob: URL (the view is going away or shows another room). */
  clear(): void {
    for (const url of this.imageUrls.values()) URL.revokeObjectURL(url);
    this.imageUrls.clear();
    this.drawn.clear();
    this.rowsEl.replaceChildren();
  }

  private endsWithNewOwn(lastBefore: Element | null): boolean {
    const last = this.rowsEl.lastElementChild;
    return last !== null && last !== lastBefore && last.getAttribute('data-own') === 'true';
  }

  private reconcile(rows: Row[]): void {
    const next = new Map<string, Drawn>();
    const wanted: HTMLElement[] = [];
    for (const row of rows) {
      const version = rowVersion(row);
      let drawn = this.drawn.get(row.key);
      if (!drawn || drawn.version !== version) drawn = { el: this.draw(row), version };
      next.set(row.key, drawn);
      wanted.push(drawn.el);
    }
    const keep = new Set<Element>(wanted);
    for (const child of Array.from(this.rowsEl.children)) if (!keep.has(child)) child.remove();
    // Put the wanted elements in order, moving only those out of place.
    let cursor: Element | null = this.rowsEl.firstElementChild;
    for (const el of wanted) {
      if (el === cursor) cursor = cursor.nextElementSibling;
      else this.rowsEl.insertBefore(el, cursor);
    }
    for (const key of this.drawn.keys()) {
      if (next.has(key) || !key.startsWith('msg:')) continue;
      const cid = key.slice(4);
      const url = this.imageUrls.get(cid);
      if (url) {
        URL.revokeObjectURL(url);
        this.imageUrls.delete(cid);
      }
    }
    this.drawn = next;
  }

  private draw(row: Row): HTMLElement {
    const doc = this.doc;
    if (row.kind === 'day') {
      return h(doc, 'div', { class: 'day', role: 'separator', 'data-testid': TESTID.daySeparator }, [
        h(doc, 'span', {}, [row.label]),
      ]);
    }
    const item = row.item;
    const own = item.kind !== 'placeholder' && item.own;
    const pending = item.kind !== 'placeholder' && item.pending;
    const el = h(doc, 'div', {
      class: `message${own ? ' own' : ''}${pending ? ' pending' : ''}${row.showSender ? ' first' : ''}`,
      role: 'article',
      'data-testid': TESTID.message,
      'data-cid': item.cid,
      'data-id': item.id === null ? '' : item.id,
      'data-own': own,
      'data-pending': pending,
      'data-kind': item.kind,
      title: row.when,
    });
    // Boolean data attributes are written as text so selectors can match "false" too.
    el.setAttribute('data-own', String(own));
    el.setAttribute('data-pending', String(pending));

    if (item.kind === 'placeholder') {
      el.append(
        h(doc, 'div', { class: 'meta' }, [
          icon(doc, 'error'),
          h(doc, 'time', { 'data-testid': TESTID.messageTime, datetime: new Date(item.ts).toISOString() }, [row.time]),
        ]),
        renderBody(item, this.renderContext),
      );
      return el;
    }

    if (row.showSender || !item.verified || item.signedAt !== undefined) {
      const key = item.verified
        ? h(doc, 'span', { class: 'key verified', 'data-testid': TESTID.messageKey, 'data-verified': 'true', title: `Identity key ${item.from.fingerprint}`, role: 'img', 'aria-label': `Identity key ${item.from.fingerprint}` }, [icon(doc, 'pass')])
        : h(doc, 'span', { class: 'key changed', 'data-testid': TESTID.messageKey, 'data-verified': 'false', title: `${item.from.name} wrote from another key before. This key: ${item.from.fingerprint}` }, [icon(doc, 'warning'), ' changed key']);
      el.append(
        h(doc, 'div', { class: 'meta' }, [
          h(doc, 'span', { class: 'sender', 'data-testid': TESTID.messageSender }, [item.from.name]),
          own ? h(doc, 'span', { class: 'you' }, ['(you)']) : null,
          key,
          h(doc, 'time', { 'data-testid': TESTID.messageTime, datetime: new Date(item.ts).toISOString() }, [row.time]),
          item.signedAt !== undefined
            ? h(doc, 'span', { class: 'signed-time', 'data-testid': TESTID.signedTime, title: `The sender's signed time is ${new Date(item.signedAt).toISOString()}; the server received it at ${new Date(item.ts).toISOString()}.` }, [
                `(signed ${formatTime(new Date(item.signedAt))})`,
              ])
            : null,
          pending ? h(doc, 'span', { class: 'pending-mark', role: 'img', 'aria-label': 'Sending' }, [icon(doc, 'clock'), ' sending']) : null,
        ]),
      );
    } else if (pending) {
      el.append(h(doc, 'div', { class: 'meta' }, [h(doc, 'span', { class: 'pending-mark', role: 'img', 'aria-label': 'Sending' }, [icon(doc, 'clock'), ' sending'])]));
    }

    el.append(renderBody(item, this.renderContext));
    return el;
  }

  private get renderContext(): RenderContext {
    return { doc: this.doc, imageUrl: (cid, image) => this.imageUrl(cid, image) };
  }

  /** One blob: URL per message, made on first draw and released when the row goes (reconcile, clear). */
  private imageUrl(cid: string, image: ViewImage): string {
    let url = this.imageUrls.get(cid);
    if (!url) {
      // Copy into a fresh ArrayBuffer: the bytes may be a view into a larger buffer.
      url = URL.createObjectURL(new Blob([image.data.slice()], { type: image.mime }));
      this.imageUrls.set(cid, url);
    }
    return url;
  }

  private onClick(event: Event): void {
    const target = targetElement(event);
    if (!target) return;
    const link = target.closest('a[data-url]');
    if (link) {
      event.preventDefault();
      this.events.openLink(link.getAttribute('data-url') ?? '');
      return;
    }
    const save = target.closest('[data-save-cid]');
    if (save) {
      this.events.saveImage(save.getAttribute('data-save-cid') ?? '');
      return;
    }
    if (target.matches('img[data-cid]')) this.events.openImage(target.getAttribute('data-cid') ?? '');
  }
}

function rowVersion(row: Row): string {
  if (row.kind === 'day') return row.label;
  const i = row.item;
  const base = `${i.id}|${row.time}|${row.showSender}`;
  return i.kind === 'placeholder' ? base : `${base}|${i.pending}|${i.verified}`;
}
