// Shiki's themes used when the active VS Code theme's file cannot be read: one
// per ColorThemeKind, each loaded on first use (its own file in the bundle).

import type { ThemeRegistrationRaw } from '@shikijs/types';

export type ThemeKind = 'light' | 'dark' | 'hc-dark' | 'hc-light';

const FALLBACKS: Record<ThemeKind, () => Promise<{ default: unknown }>> = {
  light: () => import('@shikijs/themes/light-plus'),
  dark: () => import('@shikijs/themes/dark-plus'),
  'hc-dark': () => import('@shikijs/themes/github-dark-high-contrast'),
  'hc-light': () => import('@shikijs/themes/github-light-high-contrast'),
};

export async function loadFallbackTheme(kind: ThemeKind): Promise<ThemeRegistrationRaw> {
  const module = await FALLBACKS[kind]();
  return module.default as ThemeRegistrationRaw;
}
