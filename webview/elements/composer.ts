// The message box: Enter sends, Shift+Enter breaks the line; pasted or dropped
// images are handed to the host as bytes (the host prepares and encrypts them).

import { editorClipboardLanguage, fenceFor } from '../../protocol/code';
import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { MAX_TEXT_CHARS } from '../../protocol/webview';
import { h } from './dom';
import { TESTID } from './selectors';

export interface ComposerEvents {
  send(text: string): void;
  /** A key that changes the text was typed (the host rate-limits the signal). */
  typing?(): void;
  /** The text is over the protocol's 64 KiB; it stays in the box. */
  tooLong(bytes: number): void;
  attach(): void;
  image(file: File): void;
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
    this.el = h(doc, 'form', { class: 'composer', 'aria-label': 'Write a message' }, [
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
    this.events.send(text);
    this.box.value = '';
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
}
