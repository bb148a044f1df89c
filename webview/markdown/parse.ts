// Markdown source -> markdown-it tokens, configured for chat: raw HTML off, only
// the inline and block rules a message needs, and links only to http(s).

import MarkdownIt from 'markdown-it';
import type { MarkdownIt as Parser, Token } from 'markdown-it';

export type { Token };

/**
 * How deep blocks (quotes, lists) and inline spans may nest. markdown-it drops
 * the rest of a message past this depth, so a message that reaches it is shown
 * as plain text instead: nothing is lost, and the DOM stays shallow.
 */
export const MAX_NESTING = 20;

/**
 * At most this many tokens (blocks and inline spans) are built into elements; a
 * message with more (thousands of code spans or links: made to be heavy, not
 * read) is shown as plain text, so one message cannot make tens of thousands of nodes.
 */
export const MAX_TOKENS = 4096;

// Longer links would be refused by the host's openLink guard anyway; keep them text.
const MAX_URL_CHARS = 8192;

/**
 * The URL a message link may open, or null. Parsed by URL (after markdown-it has
 * decoded entities and escapes), so `&#106;avascript:`, `JAVASCRIPT:`, `vscode:`,
 * `command:`, `data:`, `file:` and relative paths are all refused.
 */
export function safeLinkUrl(raw: string): string | null {
  if (raw.length > MAX_URL_CHARS) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

function createParser(): Parser {
  const md = new MarkdownIt('default', {
    html: false,
    linkify: true,
    typographer: false,
    // A newline in a chat message is a line break, as users type it.
    breaks: true,
    maxNesting: MAX_NESTING,
  });
  // What a chat message does not get: headings and rules from ordinary lines
  // ("# 1", "---"), tables, and code from indentation (pasted text is often indented).
  md.disable(['heading', 'lheading', 'hr', 'table', 'code', 'html_block', 'html_inline']);
  // Bare links only with their scheme written out: `example.com` stays text.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  // markdown-it asks this for inline links, reference links, autolinks, linkified
  // text and images; false leaves the source as literal text.
  md.validateLink = (url: string): boolean => safeLinkUrl(url) !== null;
  return md;
}

let parser: Parser | undefined;

export interface ParsedMarkdown {
  /** Block tokens; `inline` tokens carry their inline `children`. */
  tokens: Token[];
  /** true: nested too deep or too many tokens to render; show `source` as plain text. */
  plain: boolean;
}

export function parseMarkdown(source: string): ParsedMarkdown {
  parser ??= createParser();
  const tokens = parser.parse(source, {});
  // A block opened at the last level means its content was parsed at the limit, where markdown-it stops.
  let count = 0;
  for (const t of tokens) count += 1 + (t.children?.length ?? 0);
  const plain = count > MAX_TOKENS || tokens.some((t) => t.nesting === 1 && t.level >= MAX_NESTING - 1);
  return { tokens: plain ? [] : tokens, plain };
}
