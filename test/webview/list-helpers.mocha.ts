// Pure helpers the message list takes up in issue 16's next phase: accessible
// names per message (webview/a11y.ts), when a long message collapses
// (webview/collapse.ts), and which rows to draw and where each room was read
// (webview/virtual.ts).

import { strict as assert } from 'node:assert';
import { excerpt, keyMarkLabel, LABEL_EXCERPT_CHARS, messageLabel } from '../../webview/a11y';
import { charsPerLine, COLLAPSE_LINES, estimateLines, shouldCollapse } from '../../webview/collapse';
import { offsets, placeOf, RowHeights, ScrollMemory, scrollTopFor, visibleWindow } from '../../webview/virtual';
import { imageItem, textItem } from './fixtures';

describe('webview list helpers', () => {
  describe('accessible names (a11y.ts)', () => {
    it('names a message by sender, time and text', () => {
      assert.equal(messageLabel(textItem(1, 'see you at\n\nthe   standup', { from: { name: 'Ada', fingerprint: 'F' } }), '18:44'), 'Ada, 18:44: see you at the standup');
    });

    it('marks own, pending and changed-key messages, and never reads the fingerprint', () => {
      const label = messageLabel(textItem(1, 'hi', { own: true, pending: true, verified: false, from: { name: 'Me', fingerprint: 'ABCD EFGH' } }), '09:05');
      assert.equal(label, 'Me (you), 09:05: hi (changed key, sending)');
      assert.ok(!label.includes('ABCD'));
      assert.equal(keyMarkLabel(true), 'verified');
      assert.equal(keyMarkLabel(false), 'changed key');
    });

    it('names images by file name and size, and placeholders by their sentence', () => {
      assert.equal(messageLabel(imageItem(2), '10:00'), 'Bob, 10:00: image dot.png, 1 by 1 pixels');
      assert.equal(
        messageLabel({ kind: 'placeholder', id: 3, cid: 'cid-000003', ts: 0, reason: 'undecryptable' }, '10:01'),
        '10:01: This message could not be decrypted.',
      );
    });

    it('cuts a long text to an excerpt without splitting a character', () => {
      const long = '😀'.repeat(LABEL_EXCERPT_CHARS + 10);
      const cut = excerpt(long);
      assert.equal(Array.from(cut).length, LABEL_EXCERPT_CHARS);
      assert.ok(cut.endsWith('…'));
      assert.ok(!/[\uD800-\uDBFF]…$/.test(cut), 'no lone high surrogate before the ellipsis');
      assert.equal(excerpt('short'), 'short');
    });
  });

  describe('collapsing long messages (collapse.ts)', () => {
    it('estimates wrapped lines per paragraph', () => {
      assert.equal(estimateLines('', 40), 1);
      assert.equal(estimateLines('a'.repeat(81), 40), 3);
      assert.equal(estimateLines('a\n\nb', 40), 3);
    });

    it('collapses after about 30 lines, at a narrow width sooner than at a wide one', () => {
      const text = 'word '.repeat(300); // 1,500 characters in one paragraph
      assert.equal(shouldCollapse(text, 100), false, '15 lines at 100 characters');
      assert.equal(shouldCollapse(text, 30), true, '50 lines at 30 characters (a 220 px sidebar)');
      assert.equal(shouldCollapse('line\n'.repeat(COLLAPSE_LINES), 80), true, '31 short lines');
      assert.equal(shouldCollapse('line\n'.repeat(COLLAPSE_LINES - 1), 80), false);
      assert.equal(shouldCollapse('x'.repeat(60 * 1024), charsPerLine(220, 7)), true, 'a 60 KB message');
    });

    it('turns a width in pixels into characters per line, never zero', () => {
      assert.equal(charsPerLine(220, 7), 31);
      assert.equal(charsPerLine(0, 7), 1);
    });
  });

  describe('windowing (virtual.ts)', () => {
    const heights = Array.from({ length: 2000 }, () => 50);

    it('draws only the rows near the viewport, and reserves the rest as padding', () => {
      const w = visibleWindow(heights, 50_000, 500, 200);
      assert.deepEqual(w, { start: 996, end: 1014, padTop: 49_800, padBottom: 100_000 - 50_700, total: 100_000 });
      assert.equal(w.padTop + (w.end - w.start) * 50 + w.padBottom, w.total);
    });

    it('keeps the drawn rows bounded whatever the room size (200 or 20,000 messages)', () => {
      const small = visibleWindow(Array.from({ length: 200 }, () => 50), 5000, 800);
      const big = visibleWindow(Array.from({ length: 20_000 }, () => 50), 500_000, 800);
      assert.equal(big.end - big.start, small.end - small.start);
      assert.ok(big.end - big.start <= 2 + (800 + 2 * 600) / 50);
    });

    it('handles the edges: empty, top, bottom, scrolled past the end', () => {
      assert.deepEqual(visibleWindow([], 0, 500), { start: 0, end: 0, padTop: 0, padBottom: 0, total: 0 });
      assert.equal(visibleWindow(heights, 0, 500, 0).start, 0);
      assert.equal(visibleWindow(heights, 0, 500, 0).end, 10);
      const end = visibleWindow(heights, 99_500, 500, 0);
      assert.deepEqual([end.start, end.end, end.padBottom], [1990, 2000, 0]);
      assert.equal(visibleWindow(heights, 1e9, 500, 0).end, 2000);
      assert.equal(visibleWindow([10, 1000, 10], 500, 100, 0).start, 1, 'a tall row in view is drawn');
    });

    it('estimates unmeasured rows from the measured ones and forgets rows that left', () => {
      const h = new RowHeights(40);
      assert.equal(h.get('a'), 40);
      h.set('a', 20);
      h.set('b', 60);
      assert.equal(h.get('c'), 40);
      h.set('a', 100);
      assert.equal(h.estimate(), 80);
      h.retain(['b']);
      assert.equal(h.estimate(), 60);
      h.set('x', Number.NaN);
      assert.equal(h.estimate(), 60, 'a bad measurement is ignored');
      assert.deepEqual(offsets([1, 2, 3]), [0, 1, 3, 6]);
    });

    it("remembers each room's place: the bottom, or the row at the top and the offset into it", () => {
      const keys = heights.map((_, i) => `msg:${i}`);
      const memory = new ScrollMemory();
      assert.deepEqual(memory.recall('team'), { kind: 'bottom' }, 'a new room opens at the newest');
      memory.remember('team', placeOf(keys, heights, 12_345, 500));
      memory.remember('ops', placeOf(keys, heights, 100_000 - 500, 500));
      assert.deepEqual(memory.recall('team'), { kind: 'anchor', key: 'msg:246', offset: 45 });
      assert.deepEqual(memory.recall('ops'), { kind: 'bottom' });
      // Older messages were put on top meanwhile: the same row is found by key.
      const more = [...Array.from({ length: 50 }, (_, i) => `old:${i}`), ...keys];
      const moreHeights = more.map(() => 50);
      assert.equal(scrollTopFor(memory.recall('team'), more, moreHeights, 500), 12_345 + 50 * 50);
      assert.equal(scrollTopFor({ kind: 'anchor', key: 'gone', offset: 0 }, keys, heights, 500), 99_500, 'a row that is gone: the bottom');
      memory.forget('team');
      assert.deepEqual(memory.recall('team'), { kind: 'bottom' });
    });
  });
});
