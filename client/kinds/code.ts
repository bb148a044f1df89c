// The "code" kind (PROTOCOL.md section 10): a shared selection with its language, relative path, lines and text.

import { MAX_TEXT_BYTES } from '../../protocol/constants';
import { isCodeLang, isLineRange, isSafeRelativePath, snippetTitle, type CodeSnippet } from '../../protocol/code';
import { isString } from '../../protocol/guards';
import type { ViewCodeItem } from '../../protocol/webview';
import { utf8 } from '../keys';
import type { BodyBase, CliShownBase, MessageKind, ShownBase } from './types';

export interface CodeBody extends BodyBase, CodeSnippet {
  k: 'code';
}

export interface CodeItem extends ShownBase {
  kind: 'code';
  code: CodeSnippet;
}

export interface CodeLine extends CliShownBase {
  kind: 'code';
  /** `path` is null when the sender's file was outside any workspace folder. */
  code: { lang: string; path: string | null; start: number; end: number; text: string };
}

/** The snippet's own fields, checked by the section 10 rules; null when any is wrong. */
export function checkSnippet(fields: Record<string, unknown>): CodeSnippet | null {
  const { lang, path, start, end, text } = fields;
  if (!isCodeLang(lang) || !isLineRange(start, end) || !isString(text) || utf8(text).length > MAX_TEXT_BYTES) return null;
  if (path !== undefined && !isSafeRelativePath(path)) return null;
  const snippet: CodeSnippet = { lang, start: start as number, end: end as number, text };
  if (path !== undefined) snippet.path = path;
  return snippet;
}

function copySnippet(s: CodeSnippet): CodeSnippet {
  const { lang, path, start, end, text } = s;
  return path === undefined ? { lang, start, end, text } : { lang, path, start, end, text };
}

export const codeKind: MessageKind<CodeBody, CodeItem, ViewCodeItem, CodeLine> = {
  k: 'code',
  guard(fields, base) {
    const snippet = checkSnippet(fields);
    return snippet ? { ...base, k: 'code', ...snippet } : null;
  },
  fields(body) {
    // Wire order of the vectors: lang, path?, start, end, text.
    const map: Record<string, unknown> = { lang: body.lang };
    if (body.path !== undefined) map.path = body.path;
    map.start = body.start;
    map.end = body.end;
    map.text = body.text;
    return map;
  },
  toItem: (body, base) => ({ ...base, kind: 'code', code: copySnippet(body) }),
  toViewItem: (item, base) => ({ ...base, kind: 'code', code: copySnippet(item.code) }),
  preview(item, max) {
    const line = `shared code: ${snippetTitle(item.code)}`;
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  },
  toCliJson(item, base) {
    const { lang, path, start, end, text } = item.code;
    return { ...base, kind: 'code', code: { lang, path: path ?? null, start, end, text } };
  },
};
