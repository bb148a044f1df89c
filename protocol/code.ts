// The `code` kind's field rules (PROTOCOL.md section 10), shared by the client that
// reads bodies, the host that makes and opens snippets, and the webview that shows them.

import { isCount, isString } from './guards';

/** A VS Code language id: 1-64 characters of a-z 0-9 . _ + # - (section 10). */
const LANG = /^[a-z0-9._+#-]{1,64}$/;
export const MAX_CODE_PATH_CHARS = 1024;
/** end <= start + this (section 10). */
export const MAX_CODE_LINE_SPAN = 65535;

export interface CodeSnippet {
  lang: string;
  /** Relative to the sender's workspace folder, "/"-separated; absent when the file was outside any folder. */
  path?: string;
  start: number;
  end: number;
  text: string;
}

export function isCodeLang(value: unknown): value is string {
  return isString(value) && LANG.test(value);
}

// Controls (C0, DEL, C1), line/paragraph separators and the bidi controls that could make a path read as another.
const UNSAFE_CHARS = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/u;

/**
 * A path a receiver may show and open inside its own workspace folder: relative,
 * "/"-separated, no "."/".." or empty segment, no drive, scheme, "~" or backslash.
 * Anything else is refused, never repaired, so Open cannot leave the folder.
 */
export function isSafeRelativePath(value: unknown): value is string {
  if (!isString(value) || value.length < 1 || value.length > MAX_CODE_PATH_CHARS) return false;
  if (value.startsWith('/') || value.startsWith('~') || value.includes('\\') || UNSAFE_CHARS.test(value)) return false;
  // "C:", "file:", "vscode-remote:": a colon in the first segment is a drive or a scheme.
  const first = value.split('/')[0] ?? '';
  if (first.includes(':')) return false;
  return value.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A 1-based line range of at most MAX_CODE_LINE_SPAN + 1 lines. */
export function isLineRange(start: unknown, end: unknown): boolean {
  return isCount(start) && isCount(end) && start >= 1 && start <= end && end - start <= MAX_CODE_LINE_SPAN;
}

/** `path:12-30`, `path:7`, or the language alone when the snippet has no path. */
export function snippetTitle(snippet: Pick<CodeSnippet, 'lang' | 'path' | 'start' | 'end'>): string {
  if (snippet.path === undefined) return snippet.lang;
  return snippet.start === snippet.end ? `${snippet.path}:${snippet.start}` : `${snippet.path}:${snippet.start}-${snippet.end}`;
}

/** Multi-line editor text pasted into the composer becomes a fence in its language. */
export function fenceFor(text: string, lang: string): string {
  // A fence longer than any backtick run inside, so the code cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${isCodeLang(lang) ? lang : ''}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/**
 * The language of text VS Code's editor put on the clipboard: its `vscode-editor-data`
 * entry is JSON with `mode` (the language id). Null for anything else.
 */
export function editorClipboardLanguage(data: string): string | null {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const mode = (parsed as Record<string, unknown>).mode;
    return isCodeLang(mode) ? mode : null;
  } catch {
    return null;
  }
}
