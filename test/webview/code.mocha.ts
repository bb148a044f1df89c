// Code in the chat view (happy-dom): fenced blocks and shared snippets ask the host
// for tokens once, show plain text until they come, take the spans when they do,
// ask again after a theme change; a snippet shows path:lines, Copy and Open go to the host.

import { strict as assert } from 'node:assert';
import type { CodeSnippet } from '../../protocol/code';
import { parseHostMessage, type ViewCodeItem, type WebviewMessage } from '../../protocol/webview';
import { mount, type Mounted } from './dom';
import { snapshotWith, T0, textItem } from './fixtures';

function codeItem(n: number, code: CodeSnippet): ViewCodeItem {
  return { kind: 'code', id: n, cid: `code-${String(n).padStart(6, '0')}`, ts: T0 + n * 60_000, from: { name: 'Ann', fingerprint: 'F' }, own: false, verified: true, pending: false, code };
}

function highlightRequests(m: Mounted): Extract<WebviewMessage, { type: 'highlight' }>[] {
  return m.posted.filter((p): p is Extract<WebviewMessage, { type: 'highlight' }> => p.type === 'highlight');
}

/** The host's answer, through the same guard the real channel runs. */
function answer(m: Mounted, id: number, color: string): void {
  const raw: unknown = { type: 'highlighted', id, code: { lang: 'typescript', fg: '#111111', bg: '#fafafa', lines: [[{ text: 'const', color }, { text: ' a = 1;' }]] } };
  const message = parseHostMessage(raw);
  assert.ok(message, 'a valid answer passes the guard');
  m.deliver(message);
}

describe('code blocks in the view (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('a fenced block with a language asks for tokens once, shows plain text, then the host colours', () => {
    const source = 'look:\n```ts\nconst a = 1;\n```';
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, source), textItem(2, source), textItem(3, '```\nno language\n```')]) });
    const asks = highlightRequests(m);
    // Two blocks with the same language and text share one request; the one without a language asks nothing.
    assert.deepEqual(asks.map((a) => [a.lang, a.text]), [['ts', 'const a = 1;']]);
    const codes = (): HTMLElement[] => Array.from(m.root.querySelectorAll<HTMLElement>('[data-testid="code-text"]'));
    assert.deepEqual(codes().map((c) => c.textContent), ['const a = 1;', 'const a = 1;', 'no language']);
    assert.equal(codes()[0]?.querySelector('span'), null);
    answer(m, asks[0]?.id ?? -1, '#ff0000');
    const spans = codes().slice(0, 2).map((c) => c.querySelector('span'));
    for (const span of spans) assert.equal(span?.style.color, '#ff0000');
    assert.equal(codes()[0]?.textContent, 'const a = 1;');
    assert.equal(m.root.querySelectorAll('[data-testid="code-lang"]')[0]?.textContent, 'ts');
  });

  it('an answer with a colour that is not a hex colour never reaches the view', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, '```ts\nx\n```')]) });
    const id = highlightRequests(m)[0]?.id ?? -1;
    const bad: unknown = { type: 'highlighted', id, code: { lang: 'ts', lines: [[{ text: 'x', color: 'red;background:url(https://evil.test)' }]] } };
    assert.equal(parseHostMessage(bad), null);
  });

  it('a theme change asks again for the blocks on screen and takes the new colours', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, '```ts\nconst a = 1;\n```')]) });
    answer(m, highlightRequests(m)[0]?.id ?? -1, '#ff0000');
    m.deliver({ type: 'themeChanged' });
    const again = highlightRequests(m);
    assert.equal(again.length, 2);
    answer(m, again[1]?.id ?? -1, '#00ff00');
    assert.equal(m.root.querySelector<HTMLElement>('[data-testid="code-text"] span')?.style.color, '#00ff00');
    // A late answer to the request from before the change is dropped.
    answer(m, again[0]?.id ?? -1, '#ff0000');
    assert.equal(m.root.querySelector<HTMLElement>('[data-testid="code-text"] span')?.style.color, '#00ff00');
  });

  it('a shared snippet shows path:lines and its language, highlighted; Copy and Open go to the host', async () => {
    const snippet = { lang: 'typescript', path: 'src/a.ts', start: 12, end: 30, text: 'const a = 1;' };
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([codeItem(1, snippet), codeItem(2, { lang: 'python', start: 1, end: 1, text: 'x = 1' })]) });
    const titles = Array.from(m.root.querySelectorAll('[data-testid="code-title"]')).map((e) => e.textContent);
    assert.deepEqual(titles, ['src/a.ts:12-30', 'python']);
    assert.deepEqual(Array.from(m.root.querySelectorAll('[data-testid="code-lang"]')).map((e) => e.textContent), ['typescript', 'python']);
    assert.deepEqual(highlightRequests(m).map((a) => a.lang), ['typescript', 'python']);
    m.root.querySelector<HTMLElement>('[data-testid="code-copy"]')?.click();
    assert.deepEqual(m.posted.at(-1), { type: 'copyText', text: 'const a = 1;' });
    m.root.querySelector<HTMLElement>('[data-testid="code-open"]')?.click();
    assert.deepEqual(m.posted.at(-1), { type: 'openCode', code: snippet });
    const { messageLabel } = await import('../../webview/a11y');
    assert.equal(messageLabel(codeItem(1, snippet), '09:06'), 'Ann, 09:06: code src/a.ts lines 12 to 30');
  });

  it('a code item whose path is absolute is not a valid view item', async () => {
    const { isViewItem } = await import('../../protocol/webview');
    assert.equal(isViewItem(codeItem(1, { lang: 'c', path: '/etc/passwd', start: 1, end: 1, text: '' })), false);
    assert.equal(isViewItem(codeItem(1, { lang: 'c', path: 'etc/passwd', start: 1, end: 1, text: '' })), true);
  });

  it('pasting several lines copied from an editor puts them in a fence with their language; other pastes are left alone', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const box = m.root.querySelector('[data-testid="composer"]') as HTMLElement & { value: string };
    const paste = (data: Record<string, string>): boolean => {
      const event = new m.window.Event('paste', { bubbles: true, cancelable: true }) as unknown as Event;
      Object.defineProperty(event, 'clipboardData', { value: { files: [], types: Object.keys(data), getData: (t: string) => data[t] ?? '' } });
      return box.dispatchEvent(event);
    };
    box.value = 'see:';
    assert.equal(paste({ 'text/plain': 'let a = 1;\r\nlet b = 2;\r\n', 'vscode-editor-data': JSON.stringify({ version: 1, mode: 'typescript' }) }), false);
    assert.equal(box.value, 'see:\n```typescript\nlet a = 1;\nlet b = 2;\n```\n');
    box.value = '';
    // One line from the editor, or several lines from elsewhere, paste as they are.
    assert.equal(paste({ 'text/plain': 'one line', 'vscode-editor-data': JSON.stringify({ mode: 'typescript' }) }), true);
    assert.equal(paste({ 'text/plain': 'a\nb' }), true);
    assert.equal(paste({ 'text/plain': 'a\nb', 'vscode-editor-data': '{"mode":"<script>"}' }), true);
    assert.equal(box.value, '');
  });
});
