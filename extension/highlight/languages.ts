// The languages code blocks are highlighted in, their aliases, and how each
// grammar is loaded: one dynamic import per language, so a grammar is read only
// when a block first needs it (the bundle keeps each in its own file, see esbuild.config.mjs).

import type { LanguageRegistration } from '@shikijs/types';

type GrammarModule = { default: LanguageRegistration[] };

export const LANGUAGES = {
  typescript: () => import('@shikijs/langs/typescript'),
  tsx: () => import('@shikijs/langs/tsx'),
  javascript: () => import('@shikijs/langs/javascript'),
  jsx: () => import('@shikijs/langs/jsx'),
  json: () => import('@shikijs/langs/json'),
  jsonc: () => import('@shikijs/langs/jsonc'),
  python: () => import('@shikijs/langs/python'),
  go: () => import('@shikijs/langs/go'),
  rust: () => import('@shikijs/langs/rust'),
  java: () => import('@shikijs/langs/java'),
  c: () => import('@shikijs/langs/c'),
  cpp: () => import('@shikijs/langs/cpp'),
  csharp: () => import('@shikijs/langs/csharp'),
  shellscript: () => import('@shikijs/langs/shellscript'),
  sql: () => import('@shikijs/langs/sql'),
  yaml: () => import('@shikijs/langs/yaml'),
  markdown: () => import('@shikijs/langs/markdown'),
  html: () => import('@shikijs/langs/html'),
  css: () => import('@shikijs/langs/css'),
  diff: () => import('@shikijs/langs/diff'),
} satisfies Record<string, () => Promise<GrammarModule>>;

export type LanguageId = keyof typeof LANGUAGES;

// Fence info strings and VS Code language ids that name one of ours.
const ALIASES: Record<string, LanguageId> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  typescriptreact: 'tsx',
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  javascriptreact: 'jsx',
  py: 'python',
  python3: 'python',
  golang: 'go',
  rs: 'rust',
  h: 'c',
  'c++': 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  hpp: 'cpp',
  cs: 'csharp',
  'c#': 'csharp',
  sh: 'shellscript',
  bash: 'shellscript',
  zsh: 'shellscript',
  shell: 'shellscript',
  console: 'shellscript',
  yml: 'yaml',
  md: 'markdown',
  htm: 'html',
  xhtml: 'html',
  patch: 'diff',
  jsonl: 'json',
};

function isLanguageId(id: string): id is LanguageId {
  return Object.hasOwn(LANGUAGES, id);
}

/** Our language for a fence's info word or a VS Code language id (any case), or null: shown plain. */
export function resolveLanguage(id: string): LanguageId | null {
  const key = id.trim().toLowerCase();
  if (isLanguageId(key)) return key;
  return Object.hasOwn(ALIASES, key) ? (ALIASES[key] ?? null) : null;
}

export async function loadGrammar(id: LanguageId): Promise<LanguageRegistration[]> {
  const module: GrammarModule = await LANGUAGES[id]();
  return module.default;
}
