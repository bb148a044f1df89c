// Highlighted code as plain data: the host tokenizes, the webview builds nodes
// from these spans itself (never an HTML string), after `isHighlightedCode`.

import { isFields, isString } from './guards';

/** TextMate/Shiki font-style bits; 0 or absent is normal text. */
export const FONT_STYLE = { italic: 1, bold: 2, underline: 4, strikethrough: 8 } as const;
const FONT_STYLE_ALL = 1 | 2 | 4 | 8;

export interface CodeToken {
  text: string;
  /** `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`; absent: the block's foreground. */
  color?: string;
  /** Bits of FONT_STYLE. */
  fontStyle?: number;
}

/** One code block: tokens per line (the lines hold no newline characters). */
export interface HighlightedCode {
  /** Language id the tokens were made with; 'text' for plain. */
  lang: string;
  lines: CodeToken[][];
  /** Theme foreground and background, same colour syntax as tokens. */
  fg?: string;
  bg?: string;
}

/** A block is at most the text limit (64 Ki UTF-16 units) of code, so never more lines or tokens. */
export const MAX_CODE_CHARS = 64 * 1024;
const MAX_LANG_CHARS = 64;

// A colour ends up in `element.style.color`: only a hex colour, nothing CSS could read as more.
const HEX_COLOR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

export function isHexColor(value: unknown): value is string {
  return isString(value) && HEX_COLOR.test(value);
}

export function isCodeToken(value: unknown): value is CodeToken {
  if (!isFields(value) || !isString(value.text) || value.text.includes('\n')) return false;
  if (value.color !== undefined && !isHexColor(value.color)) return false;
  if (value.fontStyle !== undefined) {
    const s = value.fontStyle;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || (s & ~FONT_STYLE_ALL) !== 0) return false;
  }
  return true;
}

export function isHighlightedCode(value: unknown): value is HighlightedCode {
  if (!isFields(value) || !isString(value.lang) || value.lang.length > MAX_LANG_CHARS) return false;
  if (value.fg !== undefined && !isHexColor(value.fg)) return false;
  if (value.bg !== undefined && !isHexColor(value.bg)) return false;
  if (!Array.isArray(value.lines) || value.lines.length > MAX_CODE_CHARS + 1) return false;
  let chars = 0;
  let tokens = 0;
  for (const line of value.lines as unknown[]) {
    if (!Array.isArray(line)) return false;
    for (const token of line as unknown[]) {
      if (!isCodeToken(token)) return false;
      chars += token.text.length;
      tokens += 1;
    }
    if (chars > MAX_CODE_CHARS || tokens > MAX_CODE_CHARS) return false;
  }
  return true;
}

/** The plain text the tokens spell, lines joined with \n (what Copy copies). */
export function codeText(code: HighlightedCode): string {
  return code.lines.map((line) => line.map((t) => t.text).join('')).join('\n');
}
