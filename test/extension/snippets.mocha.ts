// Share Selection and Open, their plain rules (extension/snippets.ts): which lines are
// shared, that no absolute path is ever sent, when the receiver's lines differ, and
// the fence a pasted editor selection becomes.

import { strict as assert } from 'node:assert';
import { fenceFor, linesDiffer, makeSnippet, sharedLines } from '../../extension/snippets';

describe('Share Selection rules', () => {
  it('with nothing selected shares the current line; a selection ending at a line start leaves that line out', () => {
    assert.deepEqual(sharedLines({ startLine: 4, endLine: 4, endCharacter: 3, empty: true }), { start: 5, end: 5 });
    assert.deepEqual(sharedLines({ startLine: 4, endLine: 7, endCharacter: 2, empty: false }), { start: 5, end: 8 });
    assert.deepEqual(sharedLines({ startLine: 4, endLine: 7, endCharacter: 0, empty: false }), { start: 5, end: 7 });
    assert.deepEqual(sharedLines({ startLine: 4, endLine: 4, endCharacter: 0, empty: false }), { start: 5, end: 5 });
  });

  it('sends the path relative to the workspace folder, and no path (never an absolute one) for a file outside it', () => {
    const base = { languageId: 'typescript', text: 'let a = 1;', start: 3, end: 3 };
    assert.deepEqual(makeSnippet({ ...base, filePath: '/home/ada/proj/src/a.ts', folderPath: '/home/ada/proj' }), { lang: 'typescript', path: 'src/a.ts', start: 3, end: 3, text: 'let a = 1;' });
    const outside = makeSnippet({ ...base, filePath: '/home/ada/notes/a.ts', folderPath: '/home/ada/proj' });
    assert.deepEqual(outside, { lang: 'typescript', start: 3, end: 3, text: 'let a = 1;' });
    const untitled = makeSnippet(base);
    assert.deepEqual(untitled, { lang: 'typescript', start: 3, end: 3, text: 'let a = 1;' });
    for (const s of [outside, untitled]) assert.ok(!JSON.stringify(s).includes('/home'), 'no home folder leaks');
  });

  it('refuses an empty line and a selection over 64 KiB with a sentence; an odd language id becomes plaintext', () => {
    assert.match(String(makeSnippet({ languageId: 'go', text: '   ', start: 1, end: 1 })), /nothing to share/);
    assert.match(String(makeSnippet({ languageId: 'go', text: 'x'.repeat(65 * 1024), start: 1, end: 1 })), /64 KiB/);
    assert.deepEqual(makeSnippet({ languageId: 'Weird Lang', text: 'x', start: 1, end: 1 }), { lang: 'plaintext', start: 1, end: 1, text: 'x' });
  });
});

describe('Open rules', () => {
  const snippet = { lang: 'go', path: 'main.go', start: 2, end: 3, text: 'b\nc' };
  it('says the lines differ only when they do (line endings aside, missing lines differ)', () => {
    assert.equal(linesDiffer(['a', 'b', 'c', 'd'], snippet), false);
    assert.equal(linesDiffer(['a', 'b\r', 'c'], snippet), false);
    assert.equal(linesDiffer(['a', 'B', 'c'], snippet), true);
    assert.equal(linesDiffer(['a', 'b'], snippet), true);
  });
});

describe('pasting editor text into the composer', () => {
  it('wraps it in a fence with its language, longer than any backtick run inside', () => {
    assert.equal(fenceFor('let a = 1;\nlet b = 2;\n', 'typescript'), '```typescript\nlet a = 1;\nlet b = 2;\n```');
    assert.equal(fenceFor('a ```` b\nc', 'markdown'), '`````markdown\na ```` b\nc\n`````');
    assert.equal(fenceFor('x\ny', 'Not A Lang'), '```\nx\ny\n```');
  });
});
