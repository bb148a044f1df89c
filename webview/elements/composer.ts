// The message box: Enter sends, Shift+Enter breaks the line; pasted or dropped
// images are handed to the host as bytes (the host prepares and encrypts them);
// `@` completes the room's members, and accepted ones go with the text as mentions.

import { editorClipboardLanguage, fenceFor } from '../../protocol/code';
import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { MAX_TEXT_CHARS } from '../../protocol/webview';
import type { ViewMember } from '../../protocol/webview';
import { acceptMention, filterMembers, mentionQuery, mentionsToSend, type MentionQuery } from '../mentions';
import { h } from './dom';
import { MentionPicker } from './mention-picker';
import { TESTID } from './selectors';

export interface ComposerEvents {
  /** `mentions`: fingerprints of the members accepted with `@` whose names are still in the text. */
  send(text: string, mentions: string[]): void;
  /** `@` was typed: ask the host who is in the room (the answer comes to setMembers). */
  members(): void;
  /** A key that changes the text was typed (the host rate-limits the signal). */
  typing?(): void;
  /** The text is over the protocol's 64 KiB; it stays in the box. */
  tooLong(bytes: number): void;
  attach(): void;
  image(file: File): void;
  /** Up in an empty box (edit my last message); true when it was used. */
  upInEmpty?(): boolean;
  /** Escape (leave reply or edit mode); true when it was used. */
  escape?(): boolean;
}

/** The part of <vscode-textarea> the composer uses (a plain <textarea> works too, e.g. in tests). */
interface TextBox extends HTMLElement {
  value: string;
  disabled: boolean;
  placeholder: string;
}

export class Composer {
  readonly el: HTMLElement;
  private readonly box: TextBox;
  private readonly sendButton: HTMLElement;
  private readonly attachButton: HTMLElement;
  private readonly picker: MentionPicker;
  /** The room's members as the host last said. */
  private members: ViewMember[] = [];
  /** Members accepted from the list since the last send. */
  private accepted: ViewMember[] = [];
  private query: MentionQuery | null = null;

  constructor(doc: Document, private readonly events: ComposerEvents) {
    this.box = h(doc, 'vscode-textarea', {
      id: 'composer',
      'data-testid': TESTID.composer,
      rows: 3,
      // No resize grip: its image is a data: URL, which the view's CSP does not allow.
      resize: 'none',
      maxlength: MAX_TEXT_CHARS,
      'aria-label': 'Message',
      placeholder: 'Message (Enter to send, Shift+Enter for a new line)',
    }) as TextBox;
    this.sendButton = h(doc, 'vscode-button', { icon: 'send', 'data-testid': TESTID.send, title: 'Send (Enter)', 'aria-label': 'Send' });
    this.attachButton = h(doc, 'vscode-button', {
      icon: 'file-media',
      secondary: true,
      'data-testid': TESTID.attach,
      title: 'Send Image...',
      'aria-label': 'Send Image...',
    });
    this.picker = new MentionPicker(doc, (member) => this.accept(member));
    this.el = h(doc, 'form', { class: 'composer', 'aria-label': 'Write a message' }, [
      this.picker.el,
      this.box,
      h(doc, 'div', { class: 'composer-actions' }, [this.attachButton, this.sendButton]),
    ]);
    this.el.addEventListener('submit', (e) => e.preventDefault());
    // The key event comes from the textarea inside the element's shadow root
    // (keyboard events are composed), so it reaches this listener on the host.
    this.box.addEventListener('input', () => {
      if (this.box.value.trim() !== '') this.events.typing?.();
    });
    this.box.addEventListener('keydown', (event) => {
      if (this.pickerKey(event)) return;
      if (event.key === 'ArrowUp' && !this.box.value && !event.shiftKey && this.events.upInEmpty?.()) {
        event.preventDefault();
        return;
      }
      if (event.key === 'Escape' && this.events.escape?.()) {
        event.preventDefault();
        return;
      }
      if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      this.submit();
    });
    this.box.addEventListener('paste', (event) => {
      if (this.pasteCode(event)) return;
      const files = Array.from(event.clipboardData?.files ?? []).filter((f) => f.type.startsWith('image/'));
      if (files.length === 0) return;
      event.preventDefault();
      for (const file of files) this.events.image(file);
    });
    this.box.addEventListener('input', () => this.updateQuery());
    // Clicking elsewhere in the text moves the caret away from the `@`.
    this.box.addEventListener('click', () => this.updateQuery());
    this.box.addEventListener('blur', () => this.closePicker());
    this.sendButton.addEventListener('click', () => this.submit());
    this.attachButton.addEventListener('click', () => this.events.attach());
  }

  /**
   * Several lines copied from a VS Code editor (the clipboard then carries
   * `vscode-editor-data` with the language) go in as a fence in that language.
   */
  private pasteCode(event: ClipboardEvent): boolean {
    const data = event.clipboardData;
    // A paste of files only (or a synthetic event) may come without text: never fail the paste on it.
    if (!data || typeof data.getData !== 'function') return false;
    const lang = editorClipboardLanguage(data.getData('vscode-editor-data'));
    const text = data.getData('text/plain');
    if (lang === null || !text.replace(/\n$/, '').includes('\n')) return false;
    event.preventDefault();
    const before = this.box.value;
    // A fence must start on its own line.
    const sep = before === '' || before.endsWith('\n') ? '' : '\n';
    this.box.value = `${before}${sep}${fenceFor(text.replace(/\r\n/g, '\n'), lang)}\n`;
    return true;
  }

  /** Sends what is typed, unless it is only blank space; the box is emptied. */
  submit(): void {
    if (this.box.disabled) return;
    const text = this.box.value;
    if (text.trim() === '') return;
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_TEXT_BYTES) {
      this.events.tooLong(bytes);
      return;
    }
    this.events.send(text, mentionsToSend(text, this.accepted));
    this.box.value = '';
    this.accepted = [];
    this.closePicker();
  }

  /** The host's answer to members(): the list follows it if it is open. */
  setMembers(members: readonly ViewMember[]): void {
    this.members = [...members];
    if (this.query) this.picker.show(filterMembers(this.members, this.query.query));
  }

  /** Arrows, Enter/Tab and Escape while the list is open; true when the key was the list's. */
  private pickerKey(event: KeyboardEvent): boolean {
    if (!this.picker.open || event.isComposing) return false;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        this.picker.move(event.key === 'ArrowDown' ? 1 : -1);
        this.box.setAttribute('aria-activedescendant', this.picker.activeId ?? '');
        break;
      case 'Enter':
      case 'Tab': {
        if (event.shiftKey) return false;
        const member = this.picker.current();
        if (!member) return false;
        this.accept(member);
        break;
      }
      case 'Escape':
        this.closePicker();
        break;
      default:
        return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  /** Puts `@Name ` in place of the query and remembers whom it means. */
  private accept(member: ViewMember): void {
    const q = this.query;
    if (!q) return;
    const next = acceptMention(this.box.value, q, this.caret(), member.name);
    this.box.value = next.text;
    this.setCaret(next.caret);
    if (!this.accepted.some((m) => m.fingerprint === member.fingerprint)) this.accepted.push(member);
    this.closePicker();
  }

  private updateQuery(): void {
    const q = mentionQuery(this.box.value, this.caret());
    if (!q) {
      this.closePicker();
      return;
    }
    // A new `@`: ask the host afresh (someone may have spoken since); meanwhile the last list.
    if (!this.query || this.query.at !== q.at) this.events.members();
    this.query = q;
    this.picker.show(filterMembers(this.members, q.query));
    this.box.setAttribute('aria-controls', 'mention-picker');
    this.box.setAttribute('aria-activedescendant', this.picker.activeId ?? '');
  }

  private closePicker(): void {
    this.query = null;
    this.picker.close();
    this.box.removeAttribute('aria-activedescendant');
  }

  /** The caret in the text; <vscode-textarea> keeps its <textarea> inside (a plain one in tests), else the end. */
  private caret(): number {
    const inner = this.inner();
    return inner && typeof inner.selectionStart === 'number' ? inner.selectionStart : this.box.value.length;
  }

  private setCaret(at: number): void {
    const place = (): void => {
      const inner = this.inner();
      if (inner && typeof inner.setSelectionRange === 'function') inner.setSelectionRange(at, at);
    };
    place();
    // <vscode-textarea> copies a new value into its <textarea> on its next render, which puts the caret at the end: place it again after.
    const rendering = (this.box as TextBox & { updateComplete?: Promise<unknown> }).updateComplete;
    if (rendering) void rendering.then(place);
  }

  private inner(): HTMLTextAreaElement | undefined {
    const box = this.box as TextBox & { wrappedElement?: HTMLTextAreaElement; selectionStart?: unknown };
    if (box.wrappedElement) return box.wrappedElement;
    return typeof box.selectionStart === 'number' ? (this.box as unknown as HTMLTextAreaElement) : undefined;
  }

  setEnabled(enabled: boolean, placeholder: string): void {
    this.box.disabled = !enabled;
    this.box.placeholder = placeholder;
    for (const b of [this.sendButton, this.attachButton]) {
      if (enabled) b.removeAttribute('disabled');
      else b.setAttribute('disabled', '');
    }
  }

  focus(): void {
    this.box.focus();
  }

  /** Puts text in the box (an edit starts with the message's text), the caret at its end. */
  setText(text: string): void {
    this.box.value = text;
  }
}
