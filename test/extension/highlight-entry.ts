// Entry bundled by the highlight test as the extension is (esbuild, CommonJS):
// the pure tokenizer with a fallback theme, nothing from vscode.

import type { HighlightedCode } from '../../protocol/highlight';
import { loadFallbackTheme, type ThemeKind } from '../../extension/highlight/fallback-themes';
import { CodeTokenizer } from '../../extension/highlight/tokenizer';

export async function highlightOnce(code: string, lang: string, kind: ThemeKind): Promise<HighlightedCode> {
  const tokenizer = await CodeTokenizer.create();
  try {
    await tokenizer.setTheme(await loadFallbackTheme(kind));
    return await tokenizer.highlight(code, lang);
  } finally {
    tokenizer.dispose();
  }
}
