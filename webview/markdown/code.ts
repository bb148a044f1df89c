// A code block's DOM: language label, Copy button, and the code itself, either
// plain or built span by span from the host's highlighted tokens.

import { FONT_STYLE, isHexColor, type CodeToken, type HighlightedCode } from '../../protocol/highlight';
import { h, icon } from '../elements/dom';

export const CODE_TESTID = {
  block: 'code-block',
  lang: 'code-lang',
  copy: 'code-copy',
  code: 'code-text',
} as const;

// A label is for display: a long or odd info string is cut, never interpreted.
const MAX_LABEL_CHARS = 32;

export function languageLabel(lang: string): string {
  const label = lang.trim();
  if (label === '') return 'text';
  return label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label;
}

/**
 * `<code>` with one span per token; colours go through the CSSOM (allowed by the
 * CSP), never a style attribute string. The caller has run isHighlightedCode on
 * what the host sent; colours are checked again here because they reach CSS.
 */
export function highlightedCode(doc: Document, code: HighlightedCode): HTMLElement {
  const el = h(doc, 'code', { class: 'md-code-text hl', 'data-testid': CODE_TESTID.code, 'data-lang': code.lang });
  if (isHexColor(code.fg)) el.style.color = code.fg;
  if (isHexColor(code.bg)) el.style.backgroundColor = code.bg;
  // Uncoloured text between two spans (newlines included) becomes one text node, not one per
  // token and line: a third or more of a block's nodes, and nodes are what building costs.
  let text = '';
  code.lines.forEach((line, i) => {
    if (i > 0) text += '\n';
    for (const token of line) {
      if (token.color === undefined && !token.fontStyle) {
        text += token.text;
        continue;
      }
      if (text) el.append(doc.createTextNode(text));
      text = '';
      el.append(tokenSpan(doc, token));
    }
  });
  if (text) el.append(doc.createTextNode(text));
  return el;
}

function tokenSpan(doc: Document, token: CodeToken): HTMLElement {
  const span = doc.createElement('span');
  span.textContent = token.text;
  if (isHexColor(token.color)) span.style.color = token.color;
  const style = token.fontStyle ?? 0;
  if (style & FONT_STYLE.italic) span.style.fontStyle = 'italic';
  if (style & FONT_STYLE.bold) span.style.fontWeight = 'bold';
  const lines = [style & FONT_STYLE.underline ? 'underline' : '', style & FONT_STYLE.strikethrough ? 'line-through' : ''];
  const decoration = lines.filter(Boolean).join(' ');
  if (decoration) span.style.textDecoration = decoration;
  return span;
}

export function plainCode(doc: Document, text: string): HTMLElement {
  return h(doc, 'code', { class: 'md-code-text', 'data-testid': CODE_TESTID.code }, [text]);
}

export interface CodeBlockOptions {
  /** Language as written after the fence (or a kind's language id). */
  lang: string;
  text: string;
  /** The code element to show; default plain text. */
  code?: Node | null;
  /** Called with the block's exact text when Copy is pressed. */
  copy(text: string): void;
}

export function codeBlock(doc: Document, options: CodeBlockOptions): HTMLElement {
  const copy = h(doc, 'button', { type: 'button', class: 'md-code-copy', title: 'Copy', 'aria-label': 'Copy code', 'data-testid': CODE_TESTID.copy }, [
    icon(doc, 'copy'),
  ]);
  copy.addEventListener('click', (event) => {
    event.preventDefault();
    event.stopPropagation();
    options.copy(options.text);
  });
  const head = h(doc, 'div', { class: 'md-code-head' }, [
    h(doc, 'span', { class: 'md-code-lang', 'data-testid': CODE_TESTID.lang }, [languageLabel(options.lang)]),
    copy,
  ]);
  const pre = h(doc, 'pre', { class: 'md-code-pre' }, [options.code ?? plainCode(doc, options.text)]);
  return h(doc, 'div', { class: 'md-code', 'data-testid': CODE_TESTID.block }, [head, pre]);
}
