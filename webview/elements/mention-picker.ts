// The list `@` opens under the composer: members matching what is typed, the name shown and
// the fingerprint in its title; the composer drives it from the keyboard (arrows, Enter/Tab, Escape).

import type { ViewMember } from '../../protocol/webview';
import { h } from './dom';
import { TESTID } from './selectors';

export class MentionPicker {
  readonly el: HTMLElement;
  private options: ViewMember[] = [];
  private selected = 0;

  constructor(private readonly doc: Document, private readonly pick: (member: ViewMember) => void) {
    this.el = h(doc, 'ul', { class: 'mention-picker', role: 'listbox', id: 'mention-picker', 'aria-label': 'Mention someone', 'data-testid': TESTID.mentionPicker, hidden: true });
    // mousedown, not click: the textarea keeps its focus (and caret) while a name is picked with the mouse.
    this.el.addEventListener('mousedown', (event) => {
      const target = event.target as Partial<Element> | null;
      const li = target && typeof target.closest === 'function' ? target.closest('[data-index]') : null;
      const member = li ? this.options[Number(li.getAttribute('data-index'))] : undefined;
      if (!member) return;
      event.preventDefault();
      this.pick(member);
    });
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  /** The id of the highlighted option, for the textarea's aria-activedescendant. */
  get activeId(): string | null {
    return this.open ? `mention-option-${this.selected}` : null;
  }

  /** Shows these members (none: closes). */
  show(members: readonly ViewMember[]): void {
    this.options = [...members];
    this.selected = 0;
    if (members.length === 0) {
      this.close();
      return;
    }
    this.draw();
    this.el.hidden = false;
  }

  close(): void {
    this.el.hidden = true;
    this.options = [];
    this.el.replaceChildren();
  }

  /** Moves the highlight (wrapping around). */
  move(delta: number): void {
    if (this.options.length === 0) return;
    this.selected = (this.selected + delta + this.options.length) % this.options.length;
    this.draw();
  }

  current(): ViewMember | undefined {
    return this.options[this.selected];
  }

  private draw(): void {
    this.el.replaceChildren(
      ...this.options.map((m, i) =>
        h(
          this.doc,
          'li',
          {
            id: `mention-option-${i}`,
            role: 'option',
            class: `mention-option${i === this.selected ? ' selected' : ''}`,
            'aria-selected': String(i === this.selected),
            'data-index': i,
            'data-testid': TESTID.mentionOption,
            title: `${m.name}: ${m.fingerprint}`,
          },
          [h(this.doc, 'span', { class: 'mention-name' }, [`@${m.name}`]), h(this.doc, 'span', { class: 'mention-print' }, [m.fingerprint.slice(0, 9)])],
        ),
      ),
    );
  }
}
