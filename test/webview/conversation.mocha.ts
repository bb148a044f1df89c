// The thin webview side of the conversation (happy-dom): "(edited)" and reactions drawn as text under
// a message and redrawn when they change, "message deleted" in the place of a message, the typing line
// from the host's list, and the host -> view `typing` guard. The hover actions and chips are issue 13e's.

import { strict as assert } from 'node:assert';
import { parseHostMessage } from '../../protocol/webview';
import { mount, type Mounted } from './dom';
import { snapshotWith, textItem } from './fixtures';

function row(m: Mounted, id: number): Element | null {
  return m.root.querySelector(`[data-testid="message"][data-id="${id}"]`);
}

describe('webview conversation (happy-dom)', () => {
  let m: Mounted;
  beforeEach(() => {
    m = mount();
  });
  afterEach(async () => {
    await m.close();
  });

  it('draws "(edited)" and reactions as text, and redraws a row when they change', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'lunch at noon?')]) });
    assert.equal(row(m, 1)?.querySelector('[data-testid="edited"]'), null);
    const hostile = '<img src=x onerror=alert(1)>';
    m.deliver({
      type: 'upsert',
      room: 'team',
      items: [
        {
          ...textItem(1, 'lunch at 12:30?'),
          edited: true,
          versions: ['lunch at noon?'],
          reactions: [{ emoji: '👍', count: 2, names: ['Bob', hostile], mine: true }],
        },
      ],
    });
    const r = row(m, 1);
    assert.equal(r?.querySelector('[data-testid="message-text"]')?.textContent, 'lunch at 12:30?');
    assert.equal(r?.querySelector('[data-testid="edited"]')?.textContent, '(edited)');
    const chip = r?.querySelector('[data-testid="reaction"]');
    assert.equal(chip?.textContent, '👍 2');
    assert.equal(chip?.getAttribute('title'), `Bob, ${hostile}`);
    assert.ok(chip?.classList.contains('mine'));
    assert.equal(r?.querySelector('img'), null);
  });

  it('puts "message deleted" in the place of the message with that id', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([textItem(1, 'a'), textItem(2, 'secret'), textItem(3, 'c')]) });
    m.deliver({ type: 'upsert', room: 'team', items: [{ kind: 'placeholder', id: 2, cid: 'deletedcid1', ts: 2, reason: 'deleted' }] });
    assert.equal(row(m, 2)?.textContent?.includes('message deleted'), true);
    assert.equal(row(m, 2)?.textContent?.includes('secret'), false);
    assert.equal(m.root.querySelectorAll('[data-testid="message"]').length, 3);
  });

  it('shows who types as the host says, and nothing once the list is empty', () => {
    m.deliver({ type: 'snapshot', snapshot: snapshotWith([]) });
    const line = (): Element | null => m.root.querySelector('[data-testid="typing"]');
    m.deliver({ type: 'typing', room: 'team', who: [{ name: 'Ada', fingerprint: 'AA' }] });
    assert.equal(line()?.textContent, 'Ada is typing…');
    m.deliver({ type: 'typing', room: 'team', who: [{ name: 'Ada', fingerprint: 'AA' }, { name: 'Bob', fingerprint: 'BB' }] });
    assert.equal(line()?.textContent, 'Ada and Bob are typing…');
    m.deliver({ type: 'typing', room: 'team', who: [] });
    assert.equal(line()?.textContent, '');
    assert.equal((line() as HTMLElement | null)?.hidden, true);
  });

  it('validates typing from the host: a list of senders, nothing else kept', () => {
    assert.deepEqual(parseHostMessage({ type: 'typing', room: 'team', who: [{ name: 'Ada', fingerprint: 'AA', key: 'x' }] }), {
      type: 'typing',
      room: 'team',
      who: [{ name: 'Ada', fingerprint: 'AA' }],
    });
    assert.equal(parseHostMessage({ type: 'typing', room: 'team', who: 'Ada' }), null);
    assert.equal(parseHostMessage({ type: 'typing', room: 'team', who: [{ name: 'Ada' }] }), null);
    assert.equal(parseHostMessage({ type: 'typing', room: 'Not A Room', who: [] }), null);
  });
});
