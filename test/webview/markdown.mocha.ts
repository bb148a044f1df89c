// The Markdown renderer on a DOM (happy-dom): every element a message may use,
// links only to http(s) and only through the host callback, images never loaded,
// and an XSS corpus (raw HTML, hostile schemes in every link form, entity and
// emphasis tricks, 64 KiB of brackets and backticks) that never becomes markup.

import { strict as assert } from 'node:assert';
import { Window } from 'happy-dom';
import { FONT_STYLE, type HighlightedCode } from '../../protocol/highlight';
import { highlightedCode } from '../../webview/markdown/code';
import { MAX_NESTING, MAX_TOKENS, safeLinkUrl } from '../../webview/markdown/parse';
import { renderMarkdown, type MarkdownHooks } from '../../webview/markdown/render';

interface Rendered {
  root: HTMLElement;
  opened: string[];
  copied: string[];
  codeRequests: Array<[string, string]>;
}

// Every element and attribute the renderer may create; anything else in the output is a defect.
const ALLOWED_TAGS = new Set(['P', 'BR', 'EM', 'STRONG', 'S', 'CODE', 'A', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'DIV', 'SPAN', 'BUTTON']);
const ALLOWED_ATTRS = new Set(['class', 'data-testid', 'data-url', 'href', 'title', 'start', 'type', 'aria-label', 'aria-hidden', 'role', 'data-lang', 'style']);

describe('Markdown renderer (happy-dom)', () => {
  let window: Window;
  let doc: Document;

  before(() => {
    window = new Window({ url: 'https://webview.test/' });
    doc = window.document as unknown as Document;
  });
  after(async () => {
    await window.happyDOM.close();
  });

  function render(source: string, renderCode?: MarkdownHooks['renderCode']): Rendered {
    const opened: string[] = [];
    const copied: string[] = [];
    const codeRequests: Array<[string, string]> = [];
    const root = doc.createElement('div');
    root.append(
      renderMarkdown(doc, source, {
        openLink: (url) => opened.push(url),
        copyCode: (text) => copied.push(text),
        renderCode: (lang, text) => {
          codeRequests.push([lang, text]);
          return renderCode?.(lang, text) ?? null;
        },
      }),
    );
    return { root, opened, copied, codeRequests };
  }

  function html(r: Rendered): string {
    // Shown only in assertion messages, to read what was built.
    return r.root.innerHTML;
  }

  /** The structural invariants every rendering keeps, whatever the input. */
  function assertSafe(r: Rendered, source: string): void {
    for (const el of Array.from(r.root.querySelectorAll('*'))) {
      assert.ok(ALLOWED_TAGS.has(el.tagName), `unexpected <${el.tagName}> from ${JSON.stringify(source.slice(0, 80))}: ${html(r).slice(0, 300)}`);
      for (const name of el.getAttributeNames()) {
        assert.ok(ALLOWED_ATTRS.has(name), `unexpected attribute ${name} on <${el.tagName}>`);
        assert.ok(!name.startsWith('on'), `event handler attribute ${name}`);
      }
      // Only highlighted code spans are styled, and only by the renderer.
      if (el.hasAttribute('style')) assert.ok(el.closest('code.hl'), `style outside highlighted code: ${el.outerHTML}`);
    }
    for (const a of Array.from(r.root.querySelectorAll('a'))) {
      const href = a.getAttribute('href') ?? '';
      assert.match(href, /^https?:\/\//, `link to ${href}`);
      assert.equal(a.getAttribute('data-url'), href);
    }
    assert.equal((window as unknown as { hacked?: unknown }).hacked, undefined);
  }

  function links(r: Rendered): Array<[string, string]> {
    return Array.from(r.root.querySelectorAll('a')).map((a) => [a.textContent ?? '', a.getAttribute('data-url') ?? '']);
  }

  describe('elements', () => {
    it('renders emphasis, strong, strikethrough and inline code as their own elements', () => {
      const r = render('*a* _b_ **c** __d__ ~~e~~ `f *g*` ***h***');
      assertSafe(r, '');
      assert.deepEqual(Array.from(r.root.querySelectorAll('p > em')).map((e) => e.textContent), ['a', 'b', 'h']);
      assert.deepEqual(Array.from(r.root.querySelectorAll('strong')).map((e) => e.textContent), ['c', 'd', 'h']);
      assert.deepEqual(Array.from(r.root.querySelectorAll('s')).map((e) => e.textContent), ['e']);
      const code = r.root.querySelector('code')!;
      assert.equal(code.textContent, 'f *g*', 'markup inside inline code stays literal');
      assert.equal(code.children.length, 0);
      assert.equal(r.root.textContent, 'a b c d e f *g* h');
    });

    it('keeps line breaks inside a paragraph and separates paragraphs', () => {
      const r = render('one\ntwo\n\nthree');
      assertSafe(r, '');
      const ps = Array.from(r.root.querySelectorAll('p'));
      assert.deepEqual(ps.map((p) => p.textContent), ['onetwo', 'three']);
      assert.equal(ps[0]!.querySelectorAll('br').length, 1);
    });

    it('renders bullet and ordered lists, with the start number and nesting', () => {
      const r = render('- one\n- two\n  - inner\n\n3. three\n4. four');
      assertSafe(r, '');
      const ul = r.root.querySelector('ul')!;
      assert.deepEqual(Array.from(ul.children).map((li) => li.tagName), ['LI', 'LI']);
      assert.equal(ul.querySelector('li > ul > li')?.textContent, 'inner');
      const ol = r.root.querySelector('ol')!;
      assert.equal(ol.getAttribute('start'), '3');
      assert.deepEqual(Array.from(ol.children).map((li) => li.textContent), ['three', 'four']);
      assert.equal(r.root.querySelectorAll('li > p').length, 0, 'tight lists have no paragraphs');
    });

    it('renders block quotes with Markdown inside', () => {
      const r = render('> quoted **bold**\n> > nested');
      assertSafe(r, '');
      const outer = r.root.querySelector('blockquote')!;
      assert.equal(outer.querySelector('strong')?.textContent, 'bold');
      assert.equal(outer.querySelector('blockquote')?.textContent, 'nested');
    });

    it('renders a fenced block with its language label, plain <pre><code> by default, and Copy copies the exact text', () => {
      const text = 'const a = "<b>";\n\n  return a; // **not bold**';
      const r = render('before\n```ts title="x"\n' + text + '\n```\nafter');
      assertSafe(r, '');
      assert.deepEqual(r.codeRequests, [['ts', text]]);
      const block = r.root.querySelector('[data-testid="code-block"]')!;
      assert.equal(block.querySelector('[data-testid="code-lang"]')?.textContent, 'ts');
      const code = block.querySelector('pre > code')!;
      assert.equal(code.textContent, text);
      assert.equal(code.children.length, 0);
      (block.querySelector('[data-testid="code-copy"]') as HTMLElement).click();
      assert.deepEqual(r.copied, [text]);
      assert.deepEqual(Array.from(r.root.querySelectorAll('p')).map((p) => p.textContent), ['before', 'after']);
    });

    it('labels a fence without a language "text", takes tilde fences, and runs an unclosed fence to the end', () => {
      const r = render('~~~\nplain\n~~~\n\n```python\nopen\nstill code');
      assertSafe(r, '');
      const labels = Array.from(r.root.querySelectorAll('[data-testid="code-lang"]')).map((e) => e.textContent);
      assert.deepEqual(labels, ['text', 'python']);
      assert.deepEqual(r.codeRequests, [['', 'plain'], ['python', 'open\nstill code']]);
    });

    it('uses the node the renderCode hook returns, built from highlighted tokens with colours and font styles', () => {
      const tokens: HighlightedCode = {
        lang: 'typescript',
        fg: '#d4d4d4',
        bg: '#1e1e1e',
        lines: [
          [{ text: 'let', color: '#569cd6', fontStyle: FONT_STYLE.bold }, { text: ' x' }],
          [{ text: '// why', color: '#6a9955', fontStyle: FONT_STYLE.italic | FONT_STYLE.underline }],
        ],
      };
      const r = render('```ts\nlet x\n// why\n```', (lang) => (lang === 'ts' ? highlightedCode(doc, tokens) : null));
      assertSafe(r, '');
      const code = r.root.querySelector('pre > code.hl') as HTMLElement;
      assert.ok(code, html(r));
      assert.equal(code.textContent, 'let x\n// why');
      const spans = Array.from(code.querySelectorAll('span')) as HTMLElement[];
      assert.deepEqual(spans.map((s) => s.textContent), ['let', '// why']);
      assert.equal(spans[0]!.style.color, '#569cd6');
      assert.equal(spans[0]!.style.fontWeight, 'bold');
      assert.equal(spans[1]!.style.fontStyle, 'italic');
      assert.equal(spans[1]!.style.textDecoration, 'underline');
      assert.equal(code.style.backgroundColor, '#1e1e1e');
      (r.root.querySelector('[data-testid="code-copy"]') as HTMLElement).click();
      assert.deepEqual(r.copied, ['let x\n// why']);
    });

    it('never puts a colour that is not hex into CSS, even from tokens that skipped the guard', () => {
      const hostile = {
        lang: 'ts',
        fg: 'red;background:url(https://evil.test/x)',
        lines: [[{ text: 'a', color: 'url(https://evil.test/y)' }, { text: 'b', color: '#123456' }]],
      } as HighlightedCode;
      const code = highlightedCode(doc, hostile);
      assert.equal(code.style.color, '');
      const spans = Array.from(code.querySelectorAll('span')) as HTMLElement[];
      assert.deepEqual(spans.map((s) => s.style.color), ['', '#123456']);
      assert.equal(code.textContent, 'ab');
    });

    it('builds uncoloured tokens and the newlines between them as one text node, spans only where the look changes', () => {
      const tokens: HighlightedCode = {
        lang: 'typescript',
        lines: [
          [{ text: 'let', color: '#569cd6' }, { text: ' x' }, { text: ' = ' }],
          [{ text: '  ' }, { text: '1', color: '#b5cea8' }, { text: ';' }],
          [],
          [{ text: '// c', fontStyle: FONT_STYLE.italic }],
        ],
      };
      const code = highlightedCode(doc, tokens);
      const nodes = Array.from(code.childNodes).map((n) => [n.nodeName, n.textContent]);
      assert.deepEqual(nodes, [
        ['SPAN', 'let'],
        ['#text', ' x = \n  '],
        ['SPAN', '1'],
        ['#text', ';\n\n'],
        ['SPAN', '// c'],
      ]);
      assert.equal(code.textContent, 'let x = \n  1;\n\n// c');
    });

    it('makes inline, titled, reference (full, collapsed, shortcut), angle and bare links, each opened through the host', () => {
      const r = render(
        [
          '[inline](https://a.test/x?y=1 "T") [full][r1] [R2][] [R3] <https://angle.test/p> https://bare.test/q.',
          '',
          '[r1]: https://ref1.test',
          '[r2]: http://ref2.test/a',
          '[R3]: <https://ref3.test/with space>',
        ].join('\n'),
      );
      assertSafe(r, '');
      assert.deepEqual(links(r), [
        ['inline', 'https://a.test/x?y=1'],
        ['full', 'https://ref1.test/'],
        ['R2', 'http://ref2.test/a'],
        ['R3', 'https://ref3.test/with%20space'],
        ['https://angle.test/p', 'https://angle.test/p'],
        ['https://bare.test/q', 'https://bare.test/q'],
      ]);
      assert.equal(r.root.querySelector('a')!.getAttribute('title'), 'T');
      for (const a of Array.from(r.root.querySelectorAll('a'))) {
        const click = new window.MouseEvent('click', { bubbles: true, cancelable: true });
        a.dispatchEvent(click as unknown as Event);
        assert.ok(click.defaultPrevented, 'a click never navigates the webview');
      }
      assert.deepEqual(r.opened, links(r).map(([, url]) => url));
    });

    it('shows an image as a link labelled with its alt text and loads nothing', () => {
      const r = render('![diagram](http://img.test/d.png) ![](https://img.test/e.png "t") ![ref][i]\n\n[i]: https://img.test/f.png');
      assertSafe(r, '');
      assert.equal(r.root.querySelectorAll('img, picture, source, object, embed').length, 0);
      assert.deepEqual(links(r), [
        ['diagram', 'http://img.test/d.png'],
        ['https://img.test/e.png', 'https://img.test/e.png'],
        ['ref', 'https://img.test/f.png'],
      ]);
      (r.root.querySelector('a') as HTMLElement).click();
      assert.deepEqual(r.opened, ['http://img.test/d.png']);
    });

    it('leaves headings, rules, tables and indented code as text', () => {
      const source = '# not a heading\n\nalso not\n===\n\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    indented';
      const r = render(source);
      assertSafe(r, source);
      assert.equal(r.root.querySelectorAll('h1, h2, hr, table, pre').length, 0);
      for (const part of ['# not a heading', 'also not', '===', '---', '| a | b |', 'indented']) {
        assert.ok(r.root.textContent!.includes(part), `${part} kept as text`);
      }
    });

    it('treats bare names without a scheme as text (no fuzzy links)', () => {
      const r = render('example.com www.example.com user@example.com');
      assert.equal(r.root.querySelectorAll('a').length, 0);
    });
  });

  describe('XSS corpus', () => {
    const HOSTILE_URLS = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'javascript&colon;alert(1)',
      '&#106;avascript:alert(1)',
      '&#x6A;avascript:alert(1)',
      '&#0000106;avascript:alert(1)',
      'java%73cript:alert(1)',
      'java\\script:alert(1)',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'data:image/png;base64,iVBORw0KGgo=',
      'vbscript:msgbox(1)',
      'vscode:extension/evil.ext',
      'vscode-insiders://evil',
      'command:workbench.action.terminal.new',
      'command:_workbench.downloadResource?%5B%22https%3A%2F%2Fevil.test%22%5D',
      'file:///etc/passwd',
      '//evil.test/x',
      '/relative/path',
      'mailto:a@evil.test',
      'ftp://evil.test/x',
    ];
    // Every way Markdown can make a link or an image from a URL.
    const FORMS: Array<[string, (url: string) => string]> = [
      ['inline', (u) => `[x](${u})`],
      ['inline angle', (u) => `[x](<${u}>)`],
      ['inline titled', (u) => `[x](${u} "t")`],
      ['reference', (u) => `[x][r]\n\n[r]: ${u}`],
      ['collapsed reference', (u) => `[r][]\n\n[r]: ${u}`],
      ['shortcut reference', (u) => `[r]\n\n[r]: ${u}`],
      ['angle autolink', (u) => `<${u}>`],
      ['bare', (u) => `see ${u} here`],
      ['image', (u) => `![x](${u})`],
      ['image reference', (u) => `![x][r]\n\n[r]: ${u}`],
      ['link around image', (u) => `[![x](${u})](${u})`],
      ['emphasised link', (u) => `***[x](${u})***`],
    ];

    for (const [form, make] of FORMS) {
      it(`makes no link from a non-http(s) URL: ${form}`, () => {
        for (const url of HOSTILE_URLS) {
          const source = make(url);
          const r = render(source);
          assertSafe(r, source);
          assert.deepEqual(links(r), [], `${form} ${url}: ${html(r)}`);
        }
      });
    }

    it('still makes the link when the same forms carry an https URL (the corpus tests the scheme, not the syntax)', () => {
      for (const [form, make] of FORMS) {
        const r = render(make('https://ok.test/p'));
        assertSafe(r, form);
        assert.ok(links(r).length >= 1, `${form}: ${html(r)}`);
        for (const [, url] of links(r)) assert.equal(url, 'https://ok.test/p');
      }
    });

    const HTML = [
      '<script>window.hacked = 1</script>',
      '<img src=x onerror="window.hacked=1">',
      '<div onclick="window.hacked=1">\n*still markdown?*\n</div>',
      '<iframe src="https://evil.test"></iframe>',
      '<style>body{display:none}</style>',
      '<svg onload="window.hacked=1"><circle/></svg>',
      '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
      '<a href="javascript:alert(1)">html link</a>',
      '<!-- comment --> <![CDATA[ x ]]> <?php echo 1 ?>',
      'text <b onmouseover=alert(1)>bold</b> <span style="color:red">red</span>',
      '<details open ontoggle=alert(1)>',
      '<meta http-equiv="refresh" content="0;url=https://evil.test">',
      '<base href="https://evil.test/">',
      '<form action="https://evil.test"><input autofocus onfocus=alert(1)></form>',
      '<object data="https://evil.test/x.swf"></object><embed src=x>',
      '<template><script>alert(1)</script></template>',
      '**<img src=x onerror=alert(1)>**',
      '`<script>` inside code stays code',
      '```html\n<script>alert(1)</script>\n```',
    ];

    it('shows raw HTML blocks and inline HTML as literal text and creates no element from them', () => {
      for (const source of HTML) {
        const r = render(source);
        assertSafe(r, source);
        assert.equal(r.root.querySelectorAll('script, img, iframe, style, svg, math, b, span[style], details, meta, base, form, input, object, embed, template').length, 0, source);
      }
      const all = render(HTML.join('\n\n'));
      for (const marker of ['<script>', '<img src=x onerror=', '<iframe', '<svg onload', '<a href="javascript:alert(1)">', '<!-- comment -->', 'ontoggle']) {
        assert.ok(all.root.textContent!.includes(marker), `${marker} shown as text`);
      }
      assert.equal(all.root.querySelector('pre code')?.textContent, '<script>alert(1)</script>');
    });

    it('keeps nested emphasis and bracket tricks harmless and their text intact', () => {
      const cases: Array<[string, string]> = [
        ['*[x](javascript:alert(1))*', '[x](javascript:alert(1))'],
        ['[**bold**](javascript:alert(1))', '[bold](javascript:alert(1))'],
        ['[a [b](https://ok.test) c](javascript:x)', '[a b c](javascript:x)'],
        ['[x](https://ok.test "a\\" onclick=\\"alert(1)")', 'x'],
        ['*a **b *c* b** a*', 'a b c b a'],
        ['**[x](https://ok.test)**', 'x'],
        // NUL becomes U+FFFD (markdown-it's normalize), which no URL may hold.
        ['[x]( https://ok.test ) [y](https://ok.test\u0000)', 'x [y](https://ok.test\uFFFD)'],
        ['_<img src=x>_', '<img src=x>'],
        ['~~~~~~~~x~~~~~~~~', ''],
      ];
      for (const [source, text] of cases) {
        const r = render(source);
        assertSafe(r, source);
        if (text) assert.equal(r.root.textContent, text, source);
      }
      const titled = render('[x](https://ok.test "a\\" onclick=\\"alert(1)")').root.querySelector('a')!;
      assert.equal(titled.getAttribute('title'), 'a" onclick="alert(1)', 'the title is an attribute value, never markup');
      assert.equal(titled.getAttribute('onclick'), null);
    });

    it('shows a message with more than MAX_TOKENS spans as plain text, and one just under it formatted', () => {
      const over = '*a* '.repeat(MAX_TOKENS);
      const r = render(over);
      assertSafe(r, over);
      assert.equal(r.root.textContent, over.replace(/\n/g, ''));
      assert.equal(r.root.querySelectorAll('em').length, 0);
      const under = '*a* '.repeat(Math.floor(MAX_TOKENS / 5));
      assert.equal(render(under).root.querySelectorAll('em').length, Math.floor(MAX_TOKENS / 5));
    });

    it('shows a message nested deeper than the limit as plain text, losing nothing', () => {
      for (const source of ['> '.repeat(5000) + 'deep', '- '.repeat(5000) + 'deep', '> - '.repeat(MAX_NESTING) + 'deep']) {
        const r = render(source);
        assertSafe(r, source);
        assert.equal(r.root.textContent, source);
        assert.equal(r.root.children.length, 0);
      }
      const shallow = render('> - > ok');
      assert.equal(shallow.root.querySelector('blockquote li blockquote')?.textContent, 'ok');
    });

    describe('64 KiB of backticks and brackets (timed in bench:render)', () => {
      const N = 64 * 1024;
      const cases: Array<[string, string, (r: Rendered, source: string) => void]> = [
        ['unmatched brackets', '['.repeat(N / 2) + ']'.repeat(N / 2), (r, s) => assert.equal(r.root.textContent, s)],
        ['link openers', '[a]('.repeat(N / 4), (r, s) => assert.equal(r.root.textContent, s)],
        ['image openers', '![['.repeat(N / 3), (r, s) => assert.equal(r.root.textContent, s)],
        ['backtick runs of every length', Array.from({ length: 2000 }, (_, i) => '`'.repeat((i % 60) + 1) + '[x]').join('').slice(0, N), (r) => {
          assert.equal(r.root.querySelectorAll('a').length, 0);
        }],
        ['backtick-bracket pairs (16 Ki code spans: over MAX_TOKENS, so plain text)', '`['.repeat(N / 2), (r, s) => {
          assert.equal(r.root.children.length, 0);
          assert.equal(r.root.textContent, s);
        }],
        ['one fence of 64 Ki backticks', '`'.repeat(N), (r) => {
          assert.equal(r.root.querySelectorAll('[data-testid="code-block"]').length, 1);
          assert.equal(r.root.querySelector('pre code')!.textContent, '');
        }],
        ['links with brackets in the URL', '[x](https://a.test/[)'.repeat(N / 21), (r) => {
          assert.equal(r.root.querySelectorAll('a').length, 0, 'an unbalanced bracket in a destination is no link');
        }],
        ['bare URLs then brackets (thousands of links: plain text)', 'https://a.test/[ '.repeat(N / 17), (r, s) => {
          assert.equal(r.root.children.length, 0);
          assert.equal(r.root.textContent, s);
        }],
      ];
      for (const [name, source, check] of cases) {
        it(name, () => {
          assert.ok(source.length <= N && source.length > N - 64, `${name} is ${source.length} characters`);
          const r = render(source);
          assertSafe(r, source);
          check(r, source);
        });
      }
    });
  });

  describe('safeLinkUrl', () => {
    it('accepts http and https and returns the normalised URL', () => {
      assert.equal(safeLinkUrl('https://Example.test/a b'), 'https://example.test/a%20b');
      assert.equal(safeLinkUrl(' http://x.test '), 'http://x.test/');
    });
    it('refuses every other scheme, relative URLs and URLs over 8192 characters', () => {
      for (const url of ['javascript:alert(1)', 'vscode:x', 'command:x', 'data:,x', 'file:///x', '/x', 'x', '', 'https://x.test/' + 'a'.repeat(8192)]) {
        assert.equal(safeLinkUrl(url), null, url);
      }
    });
  });
});
