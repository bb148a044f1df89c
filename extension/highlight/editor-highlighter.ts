// The thin vscode part of highlighting: which theme is active (its file when an
// extension contributes one we can read, else Shiki's theme of the same kind),
// and an event when the user switches theme, so open code blocks are re-highlighted.

import * as vscode from 'vscode';
import type { HighlightedCode } from '../../protocol/highlight';
import { loadFallbackTheme, type ThemeKind } from './fallback-themes';
import { findThemeFile, loadThemeFile } from './theme-file';
import { CodeTokenizer, plainCode } from './tokenizer';

function kindOf(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.Dark:
      return 'dark';
    case vscode.ColorThemeKind.HighContrast:
      return 'hc-dark';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'hc-light';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

export class EditorHighlighter implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the theme changed and highlight() uses the new colours: re-highlight what is shown. */
  readonly onDidChangeTheme = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private tokenizer: Promise<CodeTokenizer> | undefined;
  private themeReady: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveColorTheme(() => this.reloadTheme()),
      // A theme of the same kind changes only the setting, not always the kind event.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('workbench.colorTheme')) this.reloadTheme();
      }),
    );
  }

  /** Tokens for a block; plain (never a failure) if anything about highlighting goes wrong. */
  async highlight(code: string, lang: string): Promise<HighlightedCode> {
    try {
      const tokenizer = await this.ready();
      return await tokenizer.highlight(code, lang);
    } catch (error) {
      this.log(`highlight: ${lang}: ${(error as Error).message}`);
      return plainCode(code);
    }
  }

  private async ready(): Promise<CodeTokenizer> {
    this.tokenizer ??= CodeTokenizer.create();
    const tokenizer = await this.tokenizer;
    this.themeReady ??= this.applyTheme(tokenizer);
    await this.themeReady;
    return tokenizer;
  }

  private reloadTheme(): void {
    this.themeReady = undefined;
    // Only once a tokenizer exists is there anything shown to re-highlight.
    if (!this.tokenizer) return;
    void this.ready().then(
      () => this.changed.fire(),
      (error: unknown) => this.log(`theme: ${(error as Error).message}`),
    );
  }

  private async applyTheme(tokenizer: CodeTokenizer): Promise<void> {
    const kind = kindOf(vscode.window.activeColorTheme.kind);
    const setting = vscode.workspace.getConfiguration('workbench').get<string>('colorTheme') ?? '';
    const found = setting ? findThemeFile(vscode.extensions.all, setting) : null;
    if (found) {
      try {
        await tokenizer.setTheme(await loadThemeFile(found.path, kind, found.label));
        return;
      } catch (error) {
        this.log(`theme ${setting}: ${(error as Error).message}; using the default ${kind} colours`);
      }
    }
    await tokenizer.setTheme(await loadFallbackTheme(kind));
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    void this.tokenizer?.then((t) => t.dispose());
  }
}
