// Where the unread part of a room starts and how to get back to the newest: the
// "New messages" line (a separator row of the list) and the "Jump to latest"
// button shown while the reader is scrolled up.

import { jumpLabel } from '../a11y';
import { h, icon } from './dom';
import { TESTID } from './selectors';

/** The separator row drawn before the first message that was unread when the room was opened. */
export function newMessagesLine(doc: Document, key: string, label: string): HTMLElement {
  return h(doc, 'div', { class: 'day new-messages', role: 'separator', 'aria-label': label, 'data-key': key, 'data-testid': TESTID.newMessages }, [
    h(doc, 'span', {}, [label]),
  ]);
}

/**
 * A button floating over the bottom of the list while the reader is scrolled up.
 * It sits in a zero-height sticky strip at the end of the scrolled content, so it
 * adds nothing to the heights the list measures.
 */
export class JumpToLatest {
  readonly el: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly count: HTMLElement;

  constructor(doc: Document, jump: () => void) {
    this.count = h(doc, 'span', { class: 'jump-count', 'aria-hidden': 'true' });
    this.button = h(doc, 'button', { type: 'button', class: 'jump-latest', 'data-testid': TESTID.jumpLatest, 'aria-label': jumpLabel(0), title: 'Jump to latest (End)' }, [
      icon(doc, 'arrow-down'),
      h(doc, 'span', {}, ['Jump to latest']),
      this.count,
    ]) as HTMLButtonElement;
    this.button.addEventListener('click', () => jump());
    this.el = h(doc, 'div', { class: 'jump-strip', hidden: true }, [this.button]);
  }

  /** Shown only while scrolled up; the count is of messages that came below since. */
  render(atBottom: boolean, newBelow: number): void {
    this.el.hidden = atBottom;
    this.count.textContent = newBelow > 0 ? String(newBelow) : '';
    this.count.hidden = newBelow === 0;
    this.button.setAttribute('aria-label', jumpLabel(newBelow));
  }
}
