// The plain rules behind Share Selection and Open (PROTOCOL.md section 10), kept
// free of `vscode` so they are tested on Node: which lines a selection shares,
// which path may be sent, and whether the receiver's file still holds the snippet.

import { MAX_TEXT_BYTES } from '../protocol/constants';
import { isCodeLang, type CodeSnippet } from '../protocol/code';
export { fenceFor } from '../protocol/code';
import { relativeSnippetPath } from '../client/snippet';

/** A selection as 0-based positions (VS Code's shape, without its classes). */
export interface SelectionLines {
  startLine: number;
  endLine: number;
  endCharacter: number;
  empty: boolean;
}

/**
 * The 1-based lines a selection shares: with nothing selected the current line;
 * a selection ending at the start of a line does not take that line.
 */
export function sharedLines(sel: SelectionLines): { start: number; end: number } {
  if (sel.empty) return { start: sel.startLine + 1, end: sel.startLine + 1 };
  const last = sel.endLine > sel.startLine && sel.endCharacter === 0 ? sel.endLine - 1 : sel.endLine;
  return { start: sel.startLine + 1, end: last + 1 };
}

export interface SnippetSource {
  languageId: string;
  /** The file's absolute path when it is a file on disk; undefined for untitled or remote documents. */
  filePath?: string;
  /** Absolute paths of the workspace folder holding the file, if any. */
  folderPath?: string;
  /** The whole lines start..end, joined with \n. */
  text: string;
  start: number;
  end: number;
}

/** The snippet to send, or a sentence saying why not. The path is relative to the folder, or left out: never absolute. */
export function makeSnippet(source: SnippetSource): CodeSnippet | string {
  if (new TextEncoder().encode(source.text).length > MAX_TEXT_BYTES) return 'The selection is larger than 64 KiB; select fewer lines.';
  if (source.text.trim() === '') return 'There is nothing to share on that line: select some code.';
  const snippet: CodeSnippet = { lang: isCodeLang(source.languageId) ? source.languageId : 'plaintext', start: source.start, end: source.end, text: source.text };
  const path = source.folderPath !== undefined && source.filePath !== undefined ? relativeSnippetPath(source.folderPath, source.filePath) : undefined;
  if (path !== undefined) snippet.path = path;
  return snippet;
}

/** Whether the receiver's lines start..end (as read from its file) differ from the snippet's text (line endings aside). */
export function linesDiffer(fileLines: readonly string[], snippet: CodeSnippet): boolean {
  if (snippet.end > fileLines.length) return true;
  const there = fileLines.slice(snippet.start - 1, snippet.end).join('\n');
  return there.replace(/\r/g, '') !== snippet.text.replace(/\r/g, '');
}
