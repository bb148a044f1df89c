// The "Ada is typing…" line under the messages: polite live region, redrawn on each signal and once more when it expires.

import { TYPING_EXPIRES_MS } from '../state';
import { h } from './dom';
import { TESTID } from './selectors';

export class TypingLine {
  readonly el: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `refresh` draws the line again from the state (called when the newest signal has expired). */
  constructor(doc: Document, private readonly refresh: () => void) {
    this.el = h(doc, 'div', { class: 'typing', 'data-testid': TESTID.typing, 'aria-live': 'polite' });
  }

  render(text: string): void {
    this.el.textContent = text;
    this.el.hidden = text === '';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = text === '' ? undefined : setTimeout(() => this.refresh(), TYPING_EXPIRES_MS + 50);
  }
}
