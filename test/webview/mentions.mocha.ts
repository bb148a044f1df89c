// @mentions in the webview: finding the `@query` at the caret, filtering members, accepting one,
// the keyboard (arrows, Enter/Tab, Escape) in the real composer, what `send` carries, and how a
// received mention is drawn (text nodes only; a mention of the reader highlighted), and an edit's
// mentions (kept, added, cleared; the chips follow the folded edit).

import { strict as assert } from 'node:assert';
import type { ViewMember } from '../../protocol/webview';
import { acceptMention, filterMembers, mentionQuery, mentionsToSend } from '../../webview/mentions';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

const ADA: ViewMember = { name: 'Ada Lovelace', fingerprint: 'LYOC IQ4N 73YH RUIN RLDH 4RRM' };
const BOB: ViewMember = { name: 'Bob', fingerprint: 'GR2Q 7GF5 LH6P ZFDN URNK VPUT' };
const BEA: ViewMember = { name: 'béa', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF' };
const ZED: ViewMember = { name: 'Zed_bo', fingerprint: 'ZZZZ BBBB CCCC DDDD EEEE FFFF' };

describe('mentions: the pure parts', () => {
  it('finds the @query ending at the caret, not inside an e-mail address or across a space', () => {
    assert.deepEqual(mentionQuery('hi @bo', 6), { at: 3, query: 'bo' });
    assert.deepEqual(mentionQuery('@', 1), { at: 0, query: '' });
    assert.deepEqual(mentionQuery('(@Ad) x', 4), { at: 1, query: 'Ad' });
    assert.equal(mentionQuery('ada@example.com', 15), null);
    assert.equal(mentionQuery('@bob and', 8), null);
    assert.equal(mentionQuery('no at sign', 10), null);
    // Only what is before the caret counts.
    assert.deepEqual(mentionQuery('@bo rest', 3), { at: 0, query: 'bo' });
  });

  it('filters by name start, then word start, then anywhere; case and accents do not matter', () => {
    const all = [ADA, BOB, BEA, ZED];
    assert.deepEqual(filterMembers(all, 'b'), [BEA, BOB, ZED]);
    assert.deepEqual(filterMembers(all, 'BE'), [BEA]);
    assert.deepEqual(filterMembers(all, 'love'), [ADA]);
    // Only "contains" matches: ordered by name.
    assert.deepEqual(filterMembers(all, 'o'), [ADA, BOB, ZED]);
    assert.deepEqual(filterMembers(all, 'xyz'), []);
    assert.deepEqual(filterMembers(all, ''), [ADA, BEA, BOB, ZED]);
    assert.equal(filterMembers(Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, fingerprint: 'A' })), 'm').length, 8);
  });

  it('accepting replaces the query with "@Name " and keeps what follows', () => {
    assert.deepEqual(acceptMention('hi @bo', { at: 3, query: 'bo' }, 6, 'Bob'), { text: 'hi @Bob ', caret: 8 });
    assert.deepEqual(acceptMention('@b there', { at: 0, query: 'b' }, 2, 'Bob'), { text: '@Bob there', caret: 5 });
  });

  it('sends only the accepted members still named in the text, once each', () => {
    assert.deepEqual(mentionsToSend('@Bob and @Bob', [BOB, BOB]), [BOB.fingerprint]);
    assert.deepEqual(mentionsToSend('just text', [BOB]), []);
    assert.deepEqual(mentionsToSend('@Ada Lovelace, @Bob', [ADA, BOB]), [ADA.fingerprint, BOB.fingerprint]);
  });
});

describe('mentions in the chat view', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
  });
  afterEach(async () => {
    await m.close();
  });

  const box = (): HTMLTextAreaElement => m.root.querySelector('[data-testid="composer"]') as HTMLTextAreaElement;
  const type = (text: string): void => {
    box().value = text;
    box().dispatchEvent(new m.window.Event('input', { bubbles: true }) as unknown as Event);
  };
  const key = (k: string): boolean => box().dispatchEvent(new m.window.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }) as unknown as Event);
  const picker = (): HTMLElement => m.root.querySelector('[data-testid="mention-picker"]') as HTMLElement;
  const options = (): string[] => Array.from(picker().querySelectorAll('[data-testid="mention-option"]')).map((o) => `${o.textContent}|${o.getAttribute('aria-selected')}`);

  it('typing @ asks the host for the members; the list shows them with fingerprints; arrows and Enter accept; Enter then sends the mention', () => {
    type('hello @');
    assert.deepEqual(m.posted.at(-1), { type: 'members', room: 'team' });
    assert.equal(picker().hidden, true, 'nothing to show before the host answers');
    m.deliver({ type: 'members', room: 'team', members: [ADA, BOB, BEA] });
    assert.equal(picker().hidden, false);
    type('hello @b');
    assert.equal(m.posted.filter((p) => p.type === 'members').length, 1, 'the same @ does not ask again');
    assert.deepEqual(options(), ['@béaAAAA BBBB|true', '@BobGR2Q 7GF5|false']);
    const bobOption = picker().querySelectorAll('[data-testid="mention-option"]')[1]!;
    assert.equal(bobOption.getAttribute('title'), `Bob: ${BOB.fingerprint}`);
    assert.equal(key('ArrowDown'), false);
    assert.deepEqual(options(), ['@béaAAAA BBBB|false', '@BobGR2Q 7GF5|true']);
    assert.equal(key('Enter'), false, 'Enter accepts, it does not send');
    assert.equal(box().value, 'hello @Bob ');
    assert.equal(picker().hidden, true);
    assert.equal(m.posted.filter((p) => p.type === 'send').length, 0);
    box().value = 'hello @Bob see this';
    key('Enter');
    assert.deepEqual(m.posted.at(-1), { type: 'send', room: 'team', text: 'hello @Bob see this', mentions: [BOB.fingerprint] });
  });

  it('Tab accepts too; Escape closes the list and Enter then sends plain text without mentions', () => {
    type('@');
    m.deliver({ type: 'members', room: 'team', members: [ADA, BOB] });
    type('@ad');
    assert.equal(key('Tab'), false);
    assert.equal(box().value, '@Ada Lovelace ');
    type('x @b');
    assert.equal(picker().hidden, false);
    assert.equal(key('Escape'), false);
    assert.equal(picker().hidden, true);
    key('Enter');
    assert.deepEqual(m.posted.at(-1), { type: 'send', room: 'team', text: 'x @b' }, 'the earlier accepted name was typed over: no mention');
  });

  it('members of another room are not offered', () => {
    type('@');
    m.deliver({ type: 'members', room: 'elsewhere', members: [BOB] });
    assert.equal(picker().hidden, true);
  });

  it('draws mentions as @Name text under the message; one of the reader is marked and highlighted; markup stays text', () => {
    const item = textItem(1, 'hey', {
      mentions: [
        { name: 'Me', fingerprint: ADA.fingerprint, me: true, pinned: true },
        { name: '<img src=x onerror=alert(1)>', fingerprint: BOB.fingerprint, me: false, pinned: false },
      ],
    });
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([item, textItem(2, 'plain')]) });
    const chips = Array.from(m.root.querySelectorAll('[data-testid="mentions"] .mention'));
    assert.deepEqual(chips.map((c) => [c.textContent, c.className]), [
      ['@Me', 'mention me'],
      ['@<img src=x onerror=alert(1)>', 'mention unpinned'],
    ]);
    assert.equal(m.root.querySelector('img'), null, 'a name never becomes markup');
    assert.match(chips[1]!.getAttribute('title') ?? '', /no name pinned/);
    assert.equal(m.root.querySelectorAll('.mentions-me').length, 1);
  });
  describe('in an edit (PROTOCOL.md section 13)', () => {
    const ME = { name: 'Me', fingerprint: 'MEME MEME MEME MEME MEME MEME' };
    const bobShown = { name: 'Bob', fingerprint: BOB.fingerprint, me: false, pinned: true };
    const editMine = (): void => (m.root.querySelector('[data-testid="message"][data-id="1"] [data-action="edit"]') as HTMLElement).click();

    it('keeps the mentions still named in the text, adds those accepted while editing, and sends [] when none is left', () => {
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, '@Bob lunch?', { from: ME, own: true, mentions: [bobShown] })]) });
      editMine();
      assert.equal(box().value, '@Bob lunch?');
      type('@Bob @ad');
      m.deliver({ type: 'members', room: 'team', members: [ADA, BOB] });
      assert.equal(key('Enter'), false, 'Enter accepts');
      box().value = `${box().value}lunch?`;
      key('Enter');
      assert.deepEqual(m.posted.at(-1), { type: 'edit', room: 'team', id: 1, text: '@Bob @Ada Lovelace lunch?', mentions: [BOB.fingerprint, ADA.fingerprint] });
      editMine();
      box().value = 'lunch?';
      key('Enter');
      assert.deepEqual(m.posted.at(-1), { type: 'edit', room: 'team', id: 1, text: 'lunch?', mentions: [] }, 'no @Bob left: no one is mentioned now');
    });

    it('the chips and the highlight of a mention of me follow an edit the host folded in', () => {
      const plain = textItem(1, 'lunch?');
      m.deliver({ type: 'snapshot', snapshot: snapshotWith([plain]) });
      assert.equal(m.root.querySelectorAll('[data-testid="mentions"]').length, 0);
      const meShown = { name: 'Me', fingerprint: ADA.fingerprint, me: true, pinned: true };
      m.deliver({ type: 'upsert', room: 'team', items: [{ ...plain, text: '@Me @Bob lunch?', edited: true, versions: ['lunch?'], mentions: [meShown, bobShown] }] });
      const chips = Array.from(m.root.querySelectorAll('[data-testid="mentions"] .mention')).map((c) => c.textContent);
      assert.deepEqual(chips, ['@Me', '@Bob']);
      assert.equal(m.root.querySelectorAll('.mentions-me').length, 1);
      m.deliver({ type: 'upsert', room: 'team', items: [{ ...plain, text: 'lunch at noon?', edited: true, versions: ['lunch?', '@Me @Bob lunch?'] }] });
      assert.equal(m.root.querySelectorAll('[data-testid="mentions"]').length, 0, 'an edit that mentions no one leaves no chip');
      assert.equal(m.root.querySelectorAll('.mentions-me').length, 0);
    });
  });
});
