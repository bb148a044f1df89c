// Highlighting in the view: each code block on screen asks the host for tokens once
// (per language and text), shows plain text until they come, and asks again after
// a theme change. Only blocks that are drawn ask, so a long room costs nothing off screen.

import type { HighlightedCode } from '../protocol/highlight';
import type { WebviewMessage } from '../protocol/webview';
import { highlightedCode, plainCode } from './markdown/code';

type Post = (message: Extract<WebviewMessage, { type: 'highlight' }>) => void;

interface Entry {
  lang: string;
  text: string;
  /** Tokens for the current theme, once the host answered. */
  code?: HighlightedCode;
  /** The id of the request in flight, if any. */
  asked?: number;
  /** Drawn elements showing this block (dropped once they leave the document). */
  shown: Set<HTMLElement>;
}

// Most recent blocks kept with their tokens; an older one asks again when drawn again.
const MAX_ENTRIES = 500;

export class CodeHighlights {
  private readonly entries = new Map<string, Entry>();
  private readonly byId = new Map<number, Entry>();
  private nextId = 1;

  constructor(
    private readonly doc: Document,
    private readonly post: Post,
  ) {}

  /** The `<code>` element for a block: highlighted if known for this theme, else plain and asked for. */
  element(lang: string, text: string): HTMLElement {
    const key = `${lang}\n${text}`;
    let entry = this.entries.get(key);
    if (entry) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = { lang, text, shown: new Set() };
      this.entries.set(key, entry);
      this.trim();
    }
    const el = entry.code ? highlightedCode(this.doc, entry.code) : plainCode(this.doc, text);
    entry.shown.add(el);
    if (!entry.code) this.ask(entry);
    return el;
  }

  /** The host's answer: every drawn element of that block gets its spans. */
  apply(id: number, code: HighlightedCode): void {
    const entry = this.byId.get(id);
    this.byId.delete(id);
    if (!entry || entry.asked !== id) return;
    entry.asked = undefined;
    entry.code = code;
    // A copy: the loop adds the new elements to the set it walks.
    const shown = [...entry.shown];
    entry.shown.clear();
    for (const el of shown) {
      if (!el.isConnected) continue;
      const next = highlightedCode(this.doc, code);
      el.replaceWith(next);
      entry.shown.add(next);
    }
  }

  /** New colours: forget every token, and ask again for the blocks on screen. */
  themeChanged(): void {
    this.byId.clear();
    for (const entry of this.entries.values()) {
      entry.code = undefined;
      entry.asked = undefined;
      for (const el of entry.shown) if (!el.isConnected) entry.shown.delete(el);
      if (entry.shown.size > 0) this.ask(entry);
    }
  }

  /** Requests in flight (for tests). */
  get pending(): number {
    return this.byId.size;
  }

  private ask(entry: Entry): void {
    if (entry.asked !== undefined) return;
    const id = this.nextId++;
    entry.asked = id;
    this.byId.set(id, entry);
    this.post({ type: 'highlight', id, lang: entry.lang, text: entry.text });
  }

  private trim(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES) return;
      if (entry.asked !== undefined) this.byId.delete(entry.asked);
      this.entries.delete(key);
    }
  }
}
