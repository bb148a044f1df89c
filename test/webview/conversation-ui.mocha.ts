// The conversation UI on a happy-dom document (issue 13): the hover toolbar, the
// message menu by keyboard, reaction chips and the emoji picker, reply and edit
// through the composer (and Up in an empty one), delete with a confirmation,
// earlier versions, a reply's quote that jumps (loading older pages), typing.

import { strict as assert } from 'node:assert';
import type { ViewItem, ViewReplyItem, ViewTextItem, WebviewMessage } from '../../protocol/webview';
import { reactionLabel } from '../../webview/a11y';
import { QUICK_EMOJI } from '../../webview/elements/conversation';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem, imageItem } from './fixtures';

const ME = { name: 'Me', fingerprint: 'MEME MEME MEME MEME MEME MEME' };

function mine(n: number, text: string, opts: Partial<ViewTextItem> = {}): ViewTextItem {
  return textItem(n, text, { from: ME, own: true, ...opts });
}

function reply(n: number, to: number, text: string, preview: string | null): ViewReplyItem {
  const { kind: _kind, ...base } = textItem(n, text);
  return { ...base, kind: 'reply', replyTo: { id: to, sender: preview === null ? null : { name: 'Ann', fingerprint: textItem(1, '').from.fingerprint }, preview } };
}

function article(m: Mounted, id: number): HTMLElement {
  const el = m.root.querySelector<HTMLElement>(`[data-testid="message"][data-id="${id}"]`);
  assert.ok(el, `message ${id} is drawn`);
  return el;
}

function box(m: Mounted): HTMLElement & { value: string } {
  return m.root.querySelector('[data-testid="composer"]') as HTMLElement & { value: string };
}

function key(m: Mounted, el: Element, k: string, init: { shiftKey?: boolean } = {}): boolean {
  return el.dispatchEvent(new m.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }) as unknown as Event);
}

function popover(m: Mounted, testid: string): HTMLElement | null {
  return m.root.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
}

function last(m: Mounted): WebviewMessage | undefined {
  return m.posted.at(-1);
}

function show(m: Mounted, items: ViewItem[], more = false): void {
  m.deliver({ type: 'snapshot', snapshot: snapshotWith(items, more) });
}

describe('conversation UI (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  describe('hover toolbar', () => {
    it("offers React, Reply and More on someone's message, and Edit and Delete too on mine; none while sending", () => {
      show(m, [textItem(1, 'hi'), mine(2, 'hello'), mine(3, 'on its way', { id: null, pending: true })]);
      const actions = (id: string): string[] =>
        Array.from(m.root.querySelectorAll(`[data-testid="message"][data-id="${id}"] [data-testid="message-actions"] [data-action]`)).map((b) => b.getAttribute('data-action') ?? '');
      assert.deepEqual(actions('1'), ['react', 'reply', 'more']);
      assert.deepEqual(actions('2'), ['react', 'reply', 'edit', 'delete', 'more']);
      assert.deepEqual(actions(''), [], 'a pending message has no id to name yet');
      const bar = article(m, 2).querySelector('[data-testid="message-actions"]')!;
      assert.equal(bar.getAttribute('role'), 'toolbar');
      for (const b of Array.from(bar.querySelectorAll('button'))) {
        assert.equal(b.getAttribute('tabindex'), '-1', 'out of the tab order: the menu gives the keyboard the same');
        assert.ok(b.getAttribute('aria-label'), 'each button is named');
      }
    });

    it('offers no Edit on my image (only text can be edited), and nothing on "message deleted"', () => {
      show(m, [{ ...imageItem(1), from: ME, own: true }, { kind: 'placeholder', id: 2, cid: 'cid-000002', ts: textItem(2, '').ts, reason: 'deleted' }]);
      const acts = Array.from(article(m, 1).querySelectorAll('[data-action]')).map((b) => b.getAttribute('data-action'));
      assert.deepEqual(acts, ['react', 'reply', 'delete', 'more']);
      assert.equal(article(m, 2).querySelector('[data-testid="message-actions"]'), null);
      assert.match(article(m, 2).textContent ?? '', /message deleted/);
    });
  });

  describe('reactions', () => {
    const reacted = textItem(1, 'ship it', {
      reactions: [
        { emoji: '👍', count: 2, names: ['Ann', 'Me'], mine: true },
        { emoji: '🎉', count: 1, names: ['Bob'], mine: false },
      ],
    });

    it('shows a chip per emoji with its count, who reacted in its title, pressed when mine', () => {
      show(m, [reacted]);
      const chips = Array.from(article(m, 1).querySelectorAll<HTMLElement>('[data-testid="reaction"]'));
      assert.deepEqual(chips.map((c) => c.textContent), ['👍2', '🎉1']);
      assert.deepEqual(chips.map((c) => c.getAttribute('title')), ['Ann, Me', 'Bob']);
      assert.deepEqual(chips.map((c) => c.getAttribute('aria-pressed')), ['true', 'false']);
      assert.equal(chips[0]!.getAttribute('aria-label'), reactionLabel(reacted.reactions![0]!));
      assert.equal(chips[0]!.tagName, 'BUTTON', 'reachable with Tab and Enter');
    });

    it('toggles mine with a click on a chip: removes 👍 (mine), adds 🎉', () => {
      show(m, [reacted]);
      const chips = article(m, 1).querySelectorAll<HTMLElement>('[data-testid="reaction"]');
      chips[0]!.click();
      assert.deepEqual(last(m), { type: 'react', room: 'team', id: 1, emoji: '👍', remove: true });
      chips[1]!.click();
      assert.deepEqual(last(m), { type: 'react', room: 'team', id: 1, emoji: '🎉', remove: false });
    });

    it('picks one of the six quick emoji or any emoji typed in the picker, and gives focus back', () => {
      show(m, [reacted]);
      (article(m, 1).querySelector('[data-action="react"]') as HTMLElement).click();
      const picker = popover(m, 'emoji-picker')!;
      assert.equal(picker.getAttribute('role'), 'dialog');
      const quick = Array.from(picker.querySelectorAll<HTMLElement>('[data-emoji]'));
      assert.deepEqual(quick.map((q) => q.textContent), [...QUICK_EMOJI]);
      assert.equal(m.document.activeElement, quick[0], 'focus starts on the first emoji');
      key(m, quick[0]!, 'ArrowRight');
      assert.equal(m.document.activeElement, quick[1]);
      assert.equal(quick[0]!.getAttribute('aria-pressed'), 'true', '👍 is already mine: choosing it takes it back');
      quick[3]!.click();
      assert.deepEqual(last(m), { type: 'react', room: 'team', id: 1, emoji: '🎉', remove: false });
      assert.equal(popover(m, 'emoji-picker'), null);
      assert.equal(m.document.activeElement, article(m, 1));

      (article(m, 1).querySelector('[data-action="react"]') as HTMLElement).click();
      const input = popover(m, 'emoji-input') as HTMLInputElement;
      input.value = 'hello world';
      key(m, input, 'Enter');
      assert.notEqual((last(m) as { emoji?: string }).emoji, 'hello world', 'a sentence is not an emoji');
      input.value = ' 🦀 ';
      key(m, input, 'Enter');
      assert.deepEqual(last(m), { type: 'react', room: 'team', id: 1, emoji: '🦀', remove: false });
    });

    it('closes the picker with Escape without reacting', () => {
      show(m, [reacted]);
      (article(m, 1).querySelector('[data-action="react"]') as HTMLElement).click();
      const before = m.posted.length;
      key(m, popover(m, 'emoji-picker')!.querySelector('[data-emoji]')!, 'Escape');
      assert.equal(popover(m, 'emoji-picker'), null);
      assert.equal(m.posted.length, before);
    });
  });

  describe('reply', () => {
    it('shows "Replying to Ann: ..." above the composer, sends the text as a reply, and Cancel or Escape leaves the mode', () => {
      show(m, [textItem(1, 'lunch at noon?\nor later')]);
      (article(m, 1).querySelector('[data-action="reply"]') as HTMLElement).click();
      const banner = popover(m, 'compose-mode')!;
      assert.equal(banner.hidden, false);
      assert.equal(banner.textContent, 'Replying to Ann: lunch at noon?');
      assert.equal(banner.querySelector('button')!.getAttribute('aria-label'), 'Cancel reply');
      box(m).value = 'noon works';
      key(m, box(m), 'Enter');
      assert.deepEqual(last(m), { type: 'reply', room: 'team', to: 1, text: 'noon works' });
      assert.equal(banner.hidden, true);
      box(m).value = 'plain again';
      key(m, box(m), 'Enter');
      assert.deepEqual(last(m), { type: 'send', room: 'team', text: 'plain again' });

      (article(m, 1).querySelector('[data-action="reply"]') as HTMLElement).click();
      key(m, box(m), 'Escape');
      assert.equal(banner.hidden, true);
      (article(m, 1).querySelector('[data-action="reply"]') as HTMLElement).click();
      (banner.querySelector('button') as HTMLElement).click();
      assert.equal(banner.hidden, true);
    });

    it("draws the quote as a button that jumps to the message answered", () => {
      show(m, [textItem(1, 'the plan'), ...Array.from({ length: 5 }, (_, i) => textItem(i + 2, `x${i}`)), reply(7, 1, 'agreed', 'the plan')]);
      const quote = article(m, 7).querySelector<HTMLElement>('[data-testid="reply-quote"]')!;
      assert.equal(quote.tagName, 'BUTTON');
      assert.equal(quote.textContent, 'Ann: the plan');
      quote.click();
      assert.equal(m.document.activeElement, article(m, 1));
    });

    it('asks for older pages until the message answered is loaded, then shows it', () => {
      show(m, [textItem(50, 'newer'), reply(51, 3, 'about that', null)], true);
      m.posted.length = 0;
      (article(m, 51).querySelector('[data-testid="reply-quote"]') as HTMLElement).click();
      assert.deepEqual(m.posted, [{ type: 'loadOlder', room: 'team' }]);
      m.deliver({ type: 'older', room: 'team', items: [textItem(20, 'older')], more: true });
      assert.deepEqual(m.posted.filter((p) => p.type === 'loadOlder').length, 2, 'not there yet: one more page');
      m.deliver({ type: 'older', room: 'team', items: [textItem(3, 'the one')], more: false });
      assert.equal(m.document.activeElement, article(m, 3));
    });

    it('says so when the message answered is not in the room any more', () => {
      show(m, [textItem(5, 'a'), reply(6, 2, 'b', null)], false);
      (article(m, 6).querySelector('[data-testid="reply-quote"]') as HTMLElement).click();
      assert.match(popover(m, 'notice')!.textContent ?? '', /no longer in the room/);
    });
  });

  describe('edit', () => {
    it('puts my message in the composer and sends the new text as an edit (nothing when unchanged)', () => {
      show(m, [mine(1, 'teh plan')]);
      (article(m, 1).querySelector('[data-action="edit"]') as HTMLElement).click();
      assert.equal(box(m).value, 'teh plan');
      assert.equal(popover(m, 'compose-mode')!.getAttribute('data-mode'), 'edit');
      box(m).value = 'the plan';
      key(m, box(m), 'Enter');
      // Section 13: an edit always says whom the new text mentions (no one here).
      assert.deepEqual(last(m), { type: 'edit', room: 'team', id: 1, text: 'the plan', mentions: [] });
      (article(m, 1).querySelector('[data-action="edit"]') as HTMLElement).click();
      const before = m.posted.length;
      key(m, box(m), 'Enter');
      assert.equal(m.posted.length, before, 'the same text is no edit');
    });

    it('edits my newest text with Up in an empty composer, and Escape gives the empty box back', () => {
      show(m, [mine(1, 'first'), mine(2, 'second'), textItem(3, 'not mine')]);
      assert.equal(key(m, box(m), 'ArrowUp'), false, 'Up was used');
      assert.equal(box(m).value, 'second');
      key(m, box(m), 'Escape');
      assert.equal(box(m).value, '');
      assert.equal(popover(m, 'compose-mode')!.hidden, true);
      box(m).value = 'typing';
      assert.equal(key(m, box(m), 'ArrowUp'), true, 'Up in a box with text moves the caret as usual');
    });

    it('shows "(edited)" as a button that opens the earlier versions as plain text', () => {
      show(m, [textItem(1, 'v3 **bold**', { edited: true, versions: ['v1 <b>x</b>', 'v2'] })]);
      const edited = article(m, 1).querySelector<HTMLElement>('[data-testid="edited"]')!;
      assert.equal(edited.tagName, 'BUTTON');
      assert.equal(edited.getAttribute('aria-label'), 'Edited. Show 2 earlier versions');
      edited.click();
      const dialog = popover(m, 'versions')!;
      const rows = Array.from(dialog.querySelectorAll('li')).map((li) => [li.querySelector('.version-label')!.textContent, li.querySelector('.version-text')!.textContent]);
      assert.deepEqual(rows, [['Original', 'v1 <b>x</b>'], ['Edit 1', 'v2'], ['Now', 'v3 **bold**']]);
      assert.equal(dialog.querySelector('b'), null, 'markup in a version stays text');
      key(m, dialog.querySelector('button')!, 'Escape');
      assert.equal(popover(m, 'versions'), null);
    });
  });

  describe('delete', () => {
    it('asks first: Cancel keeps the message, Delete for Everyone sends the delete', () => {
      show(m, [mine(1, 'oops')]);
      (article(m, 1).querySelector('[data-action="delete"]') as HTMLElement).click();
      let dialog = popover(m, 'confirm-delete')!;
      assert.equal(dialog.getAttribute('role'), 'alertdialog');
      assert.equal(m.document.activeElement, dialog.querySelector('[data-confirm="cancel"]'), 'the safe answer has focus');
      (dialog.querySelector('[data-confirm="cancel"]') as HTMLElement).click();
      assert.equal(m.posted.some((p) => p.type === 'delete'), false);
      (article(m, 1).querySelector('[data-action="delete"]') as HTMLElement).click();
      dialog = popover(m, 'confirm-delete')!;
      (dialog.querySelector('[data-confirm="delete"]') as HTMLElement).click();
      assert.deepEqual(last(m), { type: 'delete', room: 'team', id: 1 });
      assert.equal(popover(m, 'confirm-delete'), null);
    });
  });

  describe('the message menu', () => {
    it('opens with Shift+F10 on a focused message, moves with the arrows, runs an action, and Escape returns focus', () => {
      show(m, [mine(1, 'hello')]);
      const msg = article(m, 1);
      msg.focus();
      key(m, msg, 'F10', { shiftKey: true });
      const menu = popover(m, 'message-menu')!;
      assert.equal(menu.getAttribute('role'), 'menu');
      const items = Array.from(menu.querySelectorAll<HTMLElement>('[role="menuitem"]'));
      assert.deepEqual(items.map((i) => i.textContent), ['Add Reaction...', 'Reply', 'Edit', 'Delete for Everyone...', 'Copy Text']);
      assert.equal(m.document.activeElement, items[0]);
      key(m, items[0]!, 'ArrowUp');
      assert.equal(m.document.activeElement, items[4], 'wraps around');
      key(m, items[4]!, 'Escape');
      assert.equal(popover(m, 'message-menu'), null);
      assert.equal(m.document.activeElement, msg);
      key(m, msg, 'ContextMenu');
      (popover(m, 'message-menu')!.querySelectorAll<HTMLElement>('[role="menuitem"]')[4]!).click();
      assert.deepEqual(last(m), { type: 'copyText', text: 'hello' });
    });

    it('opens on right-click over a message, but leaves links, the key mark and selected text to the usual menu', () => {
      show(m, [textItem(1, 'see https://example.com', { verified: false, why: 'changed key' })]);
      const right = (el: Element): boolean => el.dispatchEvent(new m.window.MouseEvent('contextmenu', { bubbles: true, cancelable: true }) as unknown as Event);
      assert.equal(right(article(m, 1).querySelector('a')!), true, 'a link keeps its own menu');
      assert.equal(popover(m, 'message-menu'), null);
      const mark = article(m, 1).querySelector('[data-vscode-context*="sender"]');
      assert.ok(mark, 'the changed key has a mark with a context');
      assert.equal(right(mark), true, "the key mark keeps VS Code's menu (Trust New Key...)");
      assert.equal(popover(m, 'message-menu'), null);
      assert.equal(right(article(m, 1).querySelector('[data-testid="message-text"]')!), false);
      assert.ok(popover(m, 'message-menu'));
      (popover(m, 'message-menu')!.querySelector('[data-menu-action="reply"]') as HTMLElement).click();
      assert.equal(popover(m, 'compose-mode')!.hidden, false);
    });
  });

  it('says who is typing under the list, politely', () => {
    show(m, [textItem(1, 'x')]);
    m.deliver({ type: 'typing', room: 'team', who: [{ name: 'Alice', fingerprint: 'AAAA' }] });
    const line = popover(m, 'typing')!;
    assert.equal(line.getAttribute('aria-live'), 'polite');
    assert.equal(line.hidden, false);
    assert.equal(line.textContent, 'Alice is typing…');
    m.deliver({ type: 'typing', room: 'team', who: [] });
    assert.equal(line.hidden, true);
  });
});
