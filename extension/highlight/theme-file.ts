// Finding and reading a VS Code colour theme file: which extension contributes
// the theme named in `workbench.colorTheme`, then its JSON-with-comments file
// with its `include` chain merged. Node only (no `vscode`), so it is unit-tested.

import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import type { ThemeRegistrationRaw } from '@shikijs/types';
import type { ThemeKind } from './fallback-themes';

/** The part of an extension this module reads (vscode.Extension has these). */
export interface ThemeExtension {
  extensionPath: string;
  packageJSON: unknown;
}

export class ThemeFileError extends Error {
  readonly code = 'theme_file';
}

// A theme chain deeper than this is a loop or an error; VS Code's own chains are 3 deep.
const MAX_INCLUDE_DEPTH = 8;

function fields(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function uiThemeKind(uiTheme: unknown): ThemeKind {
  switch (uiTheme) {
    case 'vs':
      return 'light';
    case 'hc-black':
      return 'hc-dark';
    case 'hc-light':
      return 'hc-light';
    default:
      return 'dark';
  }
}

export interface FoundTheme {
  path: string;
  kind: ThemeKind;
  label: string;
}

/**
 * The theme file for the `workbench.colorTheme` setting (matched by id, then by
 * label, as VS Code does), or null. A path outside its extension's folder is refused.
 */
export function findThemeFile(extensions: readonly ThemeExtension[], setting: string): FoundTheme | null {
  for (const key of ['id', 'label'] as const) {
    for (const ext of extensions) {
      const themes = fields(fields(ext.packageJSON)?.contributes)?.themes;
      if (!Array.isArray(themes)) continue;
      for (const entry of themes as unknown[]) {
        const theme = fields(entry);
        if (!theme || typeof theme.path !== 'string' || theme[key] !== setting) continue;
        const path = resolve(ext.extensionPath, theme.path);
        const inside = relative(ext.extensionPath, path);
        if (inside.startsWith('..') || isAbsolute(inside)) continue;
        const label = typeof theme.label === 'string' ? theme.label : setting;
        return { path, kind: uiThemeKind(theme.uiTheme), label };
      }
    }
  }
  return null;
}

interface ThemeJson {
  name?: string;
  type?: string;
  colors: Record<string, string>;
  tokenColors: unknown[];
  semanticHighlighting?: boolean;
}

async function readJsonc(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ThemeFileError(`cannot read theme file ${path}: ${(error as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value = fields(parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false }));
  if (!value || errors.length > 0) throw new ThemeFileError(`theme file ${path} is not valid JSON with comments`);
  return value;
}

async function readChain(path: string, depth: number, seen: Set<string>): Promise<ThemeJson> {
  if (depth > MAX_INCLUDE_DEPTH || seen.has(path)) throw new ThemeFileError(`theme include loop or chain too deep at ${path}`);
  seen.add(path);
  const json = await readJsonc(path);
  // `include` is read first and overridden by this file, as VS Code merges them.
  const base: ThemeJson =
    typeof json.include === 'string' ? await readChain(resolve(dirname(path), json.include), depth + 1, seen) : { colors: {}, tokenColors: [] };
  const colors = { ...base.colors };
  for (const [key, value] of Object.entries(fields(json.colors) ?? {})) if (typeof value === 'string') colors[key] = value;
  let tokenColors = base.tokenColors;
  if (Array.isArray(json.tokenColors)) tokenColors = [...base.tokenColors, ...(json.tokenColors as unknown[])];
  // A tokenColors string names a .tmTheme file: not read here (the caller falls back to Shiki's theme).
  else if (typeof json.tokenColors === 'string') throw new ThemeFileError(`theme ${path} keeps its token colours in ${json.tokenColors}`);
  const merged: ThemeJson = { colors, tokenColors };
  const name = typeof json.name === 'string' ? json.name : base.name;
  if (name) merged.name = name;
  const type = typeof json.type === 'string' ? json.type : base.type;
  if (type) merged.type = type;
  return merged;
}

/** The theme at `path` with its includes merged, as a Shiki theme; throws ThemeFileError. */
export async function loadThemeFile(path: string, kind: ThemeKind, label?: string): Promise<ThemeRegistrationRaw> {
  const theme = await readChain(resolve(path), 0, new Set());
  if (theme.tokenColors.length === 0) throw new ThemeFileError(`theme ${path} has no token colours`);
  const type = kind === 'light' || kind === 'hc-light' ? 'light' : 'dark';
  return {
    name: label ?? theme.name ?? path,
    type,
    colors: theme.colors,
    // Shiki reads VS Code's `tokenColors` as TextMate `settings`.
    settings: theme.tokenColors as ThemeRegistrationRaw['settings'],
  };
}
