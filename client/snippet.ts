// Making a `code` body's snippet from a file (PROTOCOL.md section 10): the line range,
// the language, and a path relative to a folder, never an absolute one. Used by the
// CLI (`chat send --code`) and by the extension's Share Selection.

import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { MAX_TEXT_BYTES } from '../protocol/constants';
import { isCodeLang, isSafeRelativePath, MAX_CODE_LINE_SPAN, type CodeSnippet } from '../protocol/code';
import { ClientError } from './errors';
import { utf8 } from './keys';

/**
 * `file` relative to `folder`, "/"-separated, when the file lies inside it;
 * undefined otherwise (or when the result would not pass the receiver's rules),
 * so no home folder, user name or machine path ever goes into a body.
 */
export function relativeSnippetPath(folder: string, file: string): string | undefined {
  if (!isAbsolute(folder) || !isAbsolute(file)) return undefined;
  const rel = relative(folder, file);
  if (rel === '' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) return undefined;
  const path = rel.split(sep).join('/');
  return isSafeRelativePath(path) ? path : undefined;
}

// File extensions whose VS Code language id differs from the extension itself.
const LANG_BY_EXT: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'typescriptreact',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascriptreact',
  py: 'python', rs: 'rust', rb: 'ruby', cs: 'csharp', cc: 'cpp', cxx: 'cpp', hpp: 'cpp', h: 'c',
  sh: 'shellscript', bash: 'shellscript', zsh: 'shellscript', yml: 'yaml', md: 'markdown',
  htm: 'html', kt: 'kotlin', patch: 'diff', jsonl: 'json',
};

/** The VS Code language id for a file name ("plaintext" when nothing fits). */
export function languageOfFile(file: string): string {
  const ext = extname(file).slice(1).toLowerCase();
  const lang = Object.hasOwn(LANG_BY_EXT, ext) ? LANG_BY_EXT[ext] : ext;
  return lang !== undefined && isCodeLang(lang) ? lang : 'plaintext';
}

export interface CodeSpec {
  file: string;
  start?: number;
  end?: number;
}

/** `FILE`, `FILE:START` or `FILE:START-END` (read from the end, so a Windows drive's colon stays in FILE). */
export function parseCodeSpec(spec: string): CodeSpec {
  const m = /^(.+?):(\d+)(?:-(\d+))?$/.exec(spec);
  if (!m || m[1] === undefined || m[2] === undefined) return { file: spec };
  const start = Number(m[2]);
  const end = m[3] === undefined ? start : Number(m[3]);
  return { file: m[1], start, end };
}

/** The lines `start`..`end` (1-based, inclusive) of `content`, checked against the section 10 limits. */
export function sliceLines(content: string, start: number | undefined, end: number | undefined): { start: number; end: number; text: string } {
  const lines = content.replace(/\r\n?/g, '\n').split('\n');
  // A final newline does not start another line.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const first = start ?? 1;
  const last = end ?? lines.length;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first) {
    throw new ClientError('invalid_input', `Lines ${first}-${last} are not a range: give START-END with 1 <= START <= END.`);
  }
  if (last > lines.length) throw new ClientError('invalid_input', `The file has ${lines.length} lines; line ${last} does not exist.`);
  if (last - first > MAX_CODE_LINE_SPAN) throw new ClientError('invalid_input', `A snippet can span at most ${MAX_CODE_LINE_SPAN + 1} lines.`);
  const text = lines.slice(first - 1, last).join('\n');
  if (utf8(text).length > MAX_TEXT_BYTES) throw new ClientError('too_large', 'A snippet can be at most 64 KiB; choose fewer lines.');
  return { start: first, end: last, text };
}

/** Reads a snippet for `chat send --code`: the path is relative to `folder` (the working directory) or left out. */
export async function snippetFromFile(spec: CodeSpec, folder: string, lang?: string): Promise<CodeSnippet> {
  if (lang !== undefined && !isCodeLang(lang)) {
    throw new ClientError('invalid_input', `"${lang}" is not a language id (1-64 characters of a-z 0-9 . _ + # -).`);
  }
  // A relative FILE is read from the folder it is made relative to.
  const file = resolve(folder, spec.file);
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new ClientError('invalid_input', `Cannot read ${spec.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const { start, end, text } = sliceLines(content, spec.start, spec.end);
  const path = relativeSnippetPath(resolve(folder), file);
  const snippet: CodeSnippet = { lang: lang ?? languageOfFile(spec.file), start, end, text };
  if (path !== undefined) snippet.path = path;
  return snippet;
}
