// The "Ada is typing…" line under the messages: a polite live region, redrawn whenever the host says who types.

import { h } from './dom';
import { TESTID } from './selectors';

export class TypingLine {
  readonly el: HTMLElement;

  constructor(doc: Document) {
    this.el = h(doc, 'div', { class: 'typing', 'data-testid': TESTID.typing, 'aria-live': 'polite' });
    this.el.hidden = true;
  }

  render(text: string): void {
    this.el.textContent = text;
    this.el.hidden = text === '';
  }
}
