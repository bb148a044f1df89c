// The code highlighter without vscode: tokens for every supported language,
// plain tokens for unknown ones, colours that follow the theme, VS Code theme
// files with comments and `include` chains, the guard the webview runs on the
// result, and the same tokenizer bundled by esbuild as the extension ships it.

import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { codeText, isHighlightedCode, type HighlightedCode } from '../../protocol/highlight';
import { loadFallbackTheme } from '../../extension/highlight/fallback-themes';
import { LANGUAGES, resolveLanguage, type LanguageId } from '../../extension/highlight/languages';
import { findThemeFile, loadThemeFile, ThemeFileError, type ThemeExtension } from '../../extension/highlight/theme-file';
import { CodeTokenizer } from '../../extension/highlight/tokenizer';
// @ts-expect-error: a plain .mjs build helper without type declarations.
import { shikiSeparate } from '../../esbuild.shiki.mjs';

// One snippet per language with a keyword, a string or a comment the grammar must colour.
const SAMPLES: Record<LanguageId, string> = {
  typescript: 'interface A { b: string }\nconst x: number = 1; // note',
  tsx: 'const el = <div className="a">{x}</div>;',
  javascript: 'function f(a) { return "s" + a; } // c',
  jsx: 'export const C = () => <b>{1}</b>;',
  json: '{ "key": [1, true, null, "v"] }',
  jsonc: '{ // comment\n  "a": 1, }',
  python: 'def f(x):\n    return "s"  # comment',
  go: 'package main\nfunc main() { fmt.Println("hi") }',
  rust: 'fn main() { let s: &str = "x"; } // c',
  java: 'public class A { String s = "x"; }',
  c: '#include <stdio.h>\nint main(void) { return 0; }',
  cpp: 'template <typename T> class A { public: int x = 0; };',
  csharp: 'public class A { private string s = "x"; }',
  shellscript: 'if [ -f "$HOME/x" ]; then echo "yes"; fi # c',
  sql: "SELECT id, name FROM users WHERE name = 'x';",
  yaml: 'key: "value"\nlist:\n  - 1 # c',
  markdown: '# Title\n\n**bold** and `code`',
  html: '<div class="a"><script>let x = 1;</script></div>',
  css: '.a { color: red; margin: 0 auto; }',
  diff: '--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new',
};

function colours(code: HighlightedCode): Set<string> {
  const set = new Set<string>();
  for (const line of code.lines) for (const t of line) if (t.color) set.add(t.color.toLowerCase());
  return set;
}

function tokenColour(code: HighlightedCode, text: string): string | undefined {
  for (const line of code.lines) for (const t of line) if (t.text === text) return t.color?.toLowerCase();
  return undefined;
}

describe('code highlighter (Shiki, Oniguruma WebAssembly as in VS Code)', () => {
  let tokenizer: CodeTokenizer;
  before(async () => {
    tokenizer = await CodeTokenizer.create();
    await tokenizer.setTheme(await loadFallbackTheme('dark'));
  });
  after(() => tokenizer.dispose());

  it('has a sample for every language it lists (TypeScript to diff, as the issue asks)', () => {
    const wanted = ['typescript', 'javascript', 'json', 'python', 'go', 'rust', 'java', 'c', 'cpp', 'csharp', 'shellscript', 'sql', 'yaml', 'markdown', 'html', 'css', 'diff'];
    for (const id of wanted) assert.ok(Object.hasOwn(LANGUAGES, id), id);
    assert.deepEqual(Object.keys(SAMPLES).sort(), Object.keys(LANGUAGES).sort());
  });

  for (const id of Object.keys(SAMPLES) as LanguageId[]) {
    it(`colours ${id} in more than one colour and keeps its text exactly`, async () => {
      const code = SAMPLES[id];
      const result = await tokenizer.highlight(code, id);
      assert.equal(result.lang, id);
      assert.equal(codeText(result), code);
      assert.equal(result.lines.length, code.split('\n').length);
      assert.ok(colours(result).size >= 2, `${id}: ${JSON.stringify(result.lines)}`);
      assert.ok(isHighlightedCode(result), 'the output passes the guard the webview runs');
    });
  }

  it('colours keywords, strings and comments with the theme colours (Dark+)', async () => {
    const result = await tokenizer.highlight('const s = "x"; // c', 'ts');
    assert.equal(tokenColour(result, 'const'), '#569cd6');
    assert.equal(tokenColour(result, '"x"'), '#ce9178');
    assert.equal(tokenColour(result, '// c'), '#6a9955');
    assert.equal(result.bg?.toLowerCase(), '#1e1e1e');
    assert.equal(result.fg?.toLowerCase(), '#d4d4d4');
  });

  it('accepts fence words and VS Code language ids as aliases, in any case', () => {
    const cases: Array<[string, LanguageId]> = [
      ['ts', 'typescript'], ['TypeScript', 'typescript'], ['typescriptreact', 'tsx'], ['py', 'python'], ['golang', 'go'],
      ['rs', 'rust'], ['c++', 'cpp'], ['cs', 'csharp'], ['sh', 'shellscript'], ['bash', 'shellscript'],
      ['yml', 'yaml'], ['md', 'markdown'], ['patch', 'diff'], [' json ', 'json'],
    ];
    for (const [alias, id] of cases) assert.equal(resolveLanguage(alias), id, alias);
    for (const unknown of ['', 'cobol', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(resolveLanguage(unknown), null, unknown);
  });

  it('gives an unknown language plain tokens: the text, line by line, without colour', async () => {
    const code = 'PROCEDURE DIVISION.\n    DISPLAY "HI".\n\nSTOP RUN.';
    for (const lang of ['cobol', '', '__proto__']) {
      const result = await tokenizer.highlight(code, lang);
      assert.equal(result.lang, 'text');
      assert.equal(codeText(result), code);
      assert.equal(colours(result).size, 0);
      assert.deepEqual(result.lines[2], []);
      assert.ok(isHighlightedCode(result));
    }
  });

  it('is plain until a theme is set, and the theme switch changes the colours', async () => {
    const fresh = await CodeTokenizer.create();
    try {
      const code = 'const s = "x"; // c';
      assert.equal(colours(await fresh.highlight(code, 'ts')).size, 0);
      await fresh.setTheme(await loadFallbackTheme('dark'));
      const dark = await fresh.highlight(code, 'ts');
      await fresh.setTheme(await loadFallbackTheme('light'));
      const light = await fresh.highlight(code, 'ts');
      assert.equal(tokenColour(dark, 'const'), '#569cd6');
      assert.equal(tokenColour(light, 'const'), '#0000ff');
      assert.notDeepEqual(dark.lines, light.lines);
      assert.notEqual(dark.bg, light.bg);
      await fresh.setTheme(await loadFallbackTheme('hc-dark'));
      const hc = await fresh.highlight(code, 'ts');
      assert.notDeepEqual(hc.lines, dark.lines);
    } finally {
      fresh.dispose();
    }
  });

  it('returns the same result for the same block until the theme changes', async () => {
    const code = 'let cached = 1;';
    const a = await tokenizer.highlight(code, 'ts');
    assert.equal(await tokenizer.highlight(code, 'typescript'), a, 'an alias hits the same entry');
    assert.notEqual(await tokenizer.highlight(code, 'js'), a, 'another language is another entry');
    const fresh = await CodeTokenizer.create();
    try {
      await fresh.setTheme(await loadFallbackTheme('dark'));
      const dark = await fresh.highlight(code, 'ts');
      await fresh.setTheme(await loadFallbackTheme('dark'));
      const again = await fresh.highlight(code, 'ts');
      assert.notEqual(again, dark, 'setTheme empties the cache');
      assert.deepEqual(again, dark);
    } finally {
      fresh.dispose();
    }
  });

  it('handles CRLF, empty code and code over the text limit (plain) without failing', async () => {
    assert.equal(codeText(await tokenizer.highlight('let a;\r\nlet b;', 'ts')), 'let a;\nlet b;');
    assert.deepEqual((await tokenizer.highlight('', 'ts')).lines.flat().map((t) => t.text).join(''), '');
    const big = 'x'.repeat(64 * 1024 + 1);
    const result = await tokenizer.highlight(big, 'ts');
    assert.equal(colours(result).size, 0);
    assert.equal(codeText(result), big);
  });

  describe('VS Code theme files', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'message-app-theme-'));
      await writeFile(
        join(dir, 'base.json'),
        `{
          // comments and trailing commas, as VS Code allows
          "name": "Base",
          "colors": { "editor.background": "#101010", "editor.foreground": "#eeeeee" },
          "tokenColors": [
            { "scope": ["keyword", "storage.type"], "settings": { "foreground": "#112233" } },
            { "scope": "string", "settings": { "foreground": "#999999" } },
          ],
        }`,
      );
      await writeFile(
        join(dir, 'child.json'),
        `{
          "name": "Child",
          "include": "./base.json",
          /* the child overrides strings and adds italic comments */
          "tokenColors": [
            { "scope": "string", "settings": { "foreground": "#445566" } },
            { "scope": "comment", "settings": { "foreground": "#778899", "fontStyle": "italic" } }
          ]
        }`,
      );
      await writeFile(join(dir, 'loop-a.json'), '{ "include": "./loop-b.json", "tokenColors": [] }');
      await writeFile(join(dir, 'loop-b.json'), '{ "include": "./loop-a.json", "tokenColors": [] }');
      await writeFile(join(dir, 'tm.json'), '{ "tokenColors": "./x.tmTheme" }');
      await writeFile(join(dir, 'broken.json'), '{ "tokenColors": [ ');
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads a theme with `include`: the included colours, overridden by the including file', async () => {
      const theme = await loadThemeFile(join(dir, 'child.json'), 'dark', 'Child Theme');
      const own = await CodeTokenizer.create();
      try {
        await own.setTheme(theme);
        const result = await own.highlight('const s = "x"; // c', 'typescript');
        assert.equal(tokenColour(result, 'const'), '#112233', 'keyword colour from the included file');
        assert.equal(tokenColour(result, '"x"'), '#445566', 'string colour overridden by the child');
        const comment = result.lines[0]!.find((t) => t.text === '// c');
        assert.equal(comment?.color?.toLowerCase(), '#778899');
        assert.equal(comment?.fontStyle, 1);
        assert.equal(result.bg, '#101010');
        assert.equal(result.fg, '#eeeeee');
      } finally {
        own.dispose();
      }
    });

    it('refuses include loops, .tmTheme colours and broken JSON with a ThemeFileError', async () => {
      for (const file of ['loop-a.json', 'tm.json', 'broken.json', 'missing.json']) {
        await assert.rejects(loadThemeFile(join(dir, file), 'dark'), ThemeFileError, file);
      }
    });

    it('finds the active theme by id, then label, with its kind; never a path outside the extension', () => {
      const extensions: ThemeExtension[] = [
        { extensionPath: '/ext/none', packageJSON: { contributes: {} } },
        { extensionPath: '/ext/bad', packageJSON: { contributes: { themes: [{ id: 'Evil', label: 'Evil', uiTheme: 'vs-dark', path: '../../etc/passwd' }] } } },
        { extensionPath: '/ext/weird', packageJSON: { contributes: { themes: 'nope' } } },
        { extensionPath: '/ext/defaults', packageJSON: { contributes: { themes: [
          { id: 'Default Dark Modern', label: '%modern%', uiTheme: 'vs-dark', path: './themes/dark_modern.json' },
          { label: 'Light+', uiTheme: 'vs', path: './themes/light_plus.json' },
          { id: 'Default High Contrast', uiTheme: 'hc-black', path: './themes/hc_black.json' },
          { id: 'Default High Contrast Light', uiTheme: 'hc-light', path: './themes/hc_light.json' },
        ] } } },
      ];
      assert.deepEqual(findThemeFile(extensions, 'Default Dark Modern'), { path: '/ext/defaults/themes/dark_modern.json', kind: 'dark', label: '%modern%' });
      assert.equal(findThemeFile(extensions, 'Light+')?.kind, 'light');
      assert.equal(findThemeFile(extensions, 'Default High Contrast')?.kind, 'hc-dark');
      assert.equal(findThemeFile(extensions, 'Default High Contrast Light')?.kind, 'hc-light');
      assert.equal(findThemeFile(extensions, 'Evil'), null);
      assert.equal(findThemeFile(extensions, 'Not Installed'), null);
    });
  });

  describe('the guard on highlighted code (host -> webview)', () => {
    it('refuses colours that are not hex, newlines in a token, unknown style bits and wrong shapes', () => {
      const ok: HighlightedCode = { lang: 'ts', lines: [[{ text: 'a', color: '#abc', fontStyle: 3 }]], fg: '#ffffff', bg: '#00000080' };
      assert.ok(isHighlightedCode(ok));
      const bad: unknown[] = [
        { ...ok, lines: [[{ text: 'a', color: 'red' }]] },
        { ...ok, lines: [[{ text: 'a', color: '#abc;background:url(https://evil.test)' }]] },
        { ...ok, lines: [[{ text: 'a\nb' }]] },
        { ...ok, lines: [[{ text: 'a', fontStyle: 16 }]] },
        { ...ok, lines: [[{ text: 'a', fontStyle: 1.5 }]] },
        { ...ok, lines: [{ text: 'a' }] },
        { ...ok, lines: 'a' },
        { ...ok, fg: 'expression(alert(1))' },
        { ...ok, lang: 'x'.repeat(65) },
        { ...ok, lines: [[{ text: 'x'.repeat(64 * 1024 + 1) }]] },
        null,
        [],
      ];
      for (const value of bad) assert.equal(isHighlightedCode(value), false, JSON.stringify(value)?.slice(0, 100));
    });
  });

  describe('bundled as the extension ships it (esbuild, CommonJS, grammars in their own files)', () => {
    let out: string;
    before(async () => {
      out = await mkdtemp(join(tmpdir(), 'message-app-shiki-'));
    });
    after(async () => {
      await rm(out, { recursive: true, force: true });
    });

    it('highlights from the CommonJS bundle, loading the grammar file only then', async () => {
      const shiki = shikiSeparate();
      await esbuild.build({
        entryPoints: { highlight: 'test/extension/highlight-entry.ts' },
        bundle: true,
        outdir: out,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'warning',
        plugins: [shiki.plugin],
        supported: shiki.supported,
      });
      await esbuild.build(shiki.options(out));
      const main = await stat(join(out, 'highlight.js'));
      const grammar = await stat(join(out, 'shiki', 'langs-typescript.js'));
      assert.ok(main.size < grammar.size * 2, `the grammars stay out of the main bundle (${main.size} bytes)`);
      const require = createRequire(join(out, 'highlight.js'));
      const bundled = require('./highlight.js') as typeof import('./highlight-entry');
      const loadedBefore = Object.keys(require.cache).filter((p) => p.includes(`${join(out, 'shiki')}`));
      assert.deepEqual(loadedBefore, []);
      const tokens = await bundled.highlightOnce('const s = "x";', 'ts', 'dark');
      assert.equal(tokenColour(tokens, 'const'), '#569cd6');
      const loadedAfter = Object.keys(require.cache).filter((p) => p.includes(`${join(out, 'shiki')}`)).map((p) => p.slice(out.length));
      assert.deepEqual(loadedAfter.sort(), ['/shiki/engine-oniguruma-wasm-inlined.js', '/shiki/langs-typescript.js', '/shiki/themes-dark-plus.js']);
    });
  });
});
