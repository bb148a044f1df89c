// The pure tokenizer: Shiki with the Oniguruma regex engine VS Code itself uses
// (as WebAssembly; Shiki's JavaScript engine mis-tokenizes C++), grammars loaded
// on first use, one current theme; code in, HighlightedCode (plain data for the
// webview) out. No `vscode` here, so mocha tests it on Node.

import { createHighlighterCore, type HighlighterCore } from '@shikijs/core';
import { createOnigurumaEngine } from '@shikijs/engine-oniguruma';
import type { ThemeRegistrationRaw, ThemedToken } from '@shikijs/types';
import { isHexColor, MAX_CODE_CHARS, type CodeToken, type HighlightedCode } from '../../protocol/highlight';
import { loadGrammar, resolveLanguage, type LanguageId } from './languages';

/** Per-line tokenizing time limit (ms). */
const LINE_TIME_LIMIT_MS = 5000;

/** Plain tokens: one per line, no colour (the webview uses the editor's foreground). */
export function plainCode(code: string, lang = 'text'): HighlightedCode {
  return { lang, lines: code.split(/\r?\n/).map((text) => (text ? [{ text }] : [])) };
}

// Shiki may report colours in any CSS form a theme file used; only hex crosses to the webview.
function hex(color: string | undefined): string | undefined {
  if (!color) return undefined;
  return isHexColor(color) ? color : undefined;
}

function toToken(t: ThemedToken, fg: string | undefined): CodeToken {
  const token: CodeToken = { text: t.content };
  const color = hex(t.color);
  // The block's foreground is the default: most tokens then carry text only.
  if (color && color.toLowerCase() !== fg?.toLowerCase()) token.color = color;
  // Shiki: -1 not set, 0 none; bits as protocol FONT_STYLE.
  if (t.fontStyle !== undefined && t.fontStyle > 0) token.fontStyle = t.fontStyle & 15;
  return token;
}

/**
 * Results kept per (theme, language, text): a room shown again (the view hidden
 * and shown, a snapshot after reconnect) does not tokenize the same blocks again.
 * Bounded by entries and by characters, oldest dropped first.
 */
const CACHE_ENTRIES = 512;
const CACHE_CHARS = 4 * 1024 * 1024;

export class CodeTokenizer {
  private readonly loaded = new Map<LanguageId, Promise<void>>();
  private readonly cache = new Map<string, HighlightedCode>();
  private cacheChars = 0;
  private themeName = '';
  private fg: string | undefined;
  private bg: string | undefined;

  private constructor(private readonly shiki: HighlighterCore) {}

  static async create(): Promise<CodeTokenizer> {
    const shiki = await createHighlighterCore({
      themes: [],
      langs: [],
      // The WebAssembly (inlined in a module of its own) is read and compiled here, on first use.
      engine: createOnigurumaEngine(import('@shikijs/engine-oniguruma/wasm-inlined')),
    });
    return new CodeTokenizer(shiki);
  }

  /** Makes `theme` (a VS Code or Shiki theme object) the current one; returns its effective name. */
  async setTheme(theme: ThemeRegistrationRaw): Promise<string> {
    // Themes are cached by name: a changed file under the same name must replace the old one.
    const name = `${theme.name ?? 'theme'}#${++themeCounter}`;
    await this.shiki.loadTheme({ ...theme, name });
    const resolved = this.shiki.getTheme(name);
    this.themeName = name;
    // Results in the old colours are never asked for again.
    this.cache.clear();
    this.cacheChars = 0;
    this.fg = hex(resolved.fg);
    this.bg = hex(resolved.bg);
    return name;
  }

  get hasTheme(): boolean {
    return this.themeName !== '';
  }

  /** Tokens of `code` in `lang` (fence word or VS Code language id); an unknown language is plain. */
  async highlight(code: string, lang: string): Promise<HighlightedCode> {
    const id = resolveLanguage(lang);
    if (!id || !this.hasTheme || code.length > MAX_CODE_CHARS) return plainCode(code, id ?? 'text');
    await this.ensureLanguage(id);
    const key = `${this.themeName}\u0000${id}\u0000${code}`;
    const cached = this.cache.get(key);
    if (cached) {
      // Map order is the LRU order: move the hit to the newest end.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    // Shiki's default 500 ms per line is hit by a grammar's first line on a busy machine (its regexes compile
    // then), which leaves the rest of that line one colour; 5 s still stops a runaway pattern.
    const lines = this.shiki.codeToTokensBase(code, { lang: id, theme: this.themeName, tokenizeTimeLimit: LINE_TIME_LIMIT_MS });
    const result: HighlightedCode = { lang: id, lines: lines.map((line) => line.map((t) => toToken(t, this.fg))) };
    if (this.fg) result.fg = this.fg;
    if (this.bg) result.bg = this.bg;
    this.remember(key, result);
    return result;
  }

  private remember(key: string, result: HighlightedCode): void {
    this.cache.set(key, result);
    this.cacheChars += key.length;
    for (const [oldest] of this.cache) {
      if (this.cache.size <= CACHE_ENTRIES && this.cacheChars <= CACHE_CHARS) break;
      this.cache.delete(oldest);
      this.cacheChars -= oldest.length;
    }
  }

  private ensureLanguage(id: LanguageId): Promise<void> {
    let pending = this.loaded.get(id);
    if (!pending) {
      pending = loadGrammar(id).then((grammars) => this.shiki.loadLanguage(...grammars));
      // A failed load is retried next time rather than remembered.
      pending.catch(() => this.loaded.delete(id));
      this.loaded.set(id, pending);
    }
    return pending;
  }

  dispose(): void {
    this.shiki.dispose();
  }
}

let themeCounter = 0;
