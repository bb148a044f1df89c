// The chat view's hold for notices it could not take yet (extension/held-notices.ts):
// kept in order, at most ten, and an error from an earlier attempt is dropped
// once a room is joined, so it never shows after the join that followed it.

import { strict as assert } from 'node:assert';
import { HeldNotices, isTransient } from '../../extension/held-notices';
import type { HostMessage } from '../../protocol/webview';
import { snapshotWith } from '../webview/fixtures';

const error = (text: string): HostMessage & { type: 'notice' } => ({ type: 'notice', level: 'error', text });
const info = (text: string): HostMessage & { type: 'notice' } => ({ type: 'notice', level: 'info', text });

describe('extension held notices', () => {
  it('gives back what it held, in order, once', () => {
    const held = new HeldNotices();
    held.hold(info('a'));
    held.hold({ type: 'focusComposer' });
    held.hold(error('b'));
    assert.deepEqual(held.take(), [info('a'), { type: 'focusComposer' }, error('b')]);
    assert.deepEqual(held.take(), []);
  });

  it('keeps only the last ten', () => {
    const held = new HeldNotices();
    for (let i = 0; i < 15; i++) held.hold(info(`n${i}`));
    assert.deepEqual(held.take().map((m) => (m.type === 'notice' ? m.text : '')), ['n5', 'n6', 'n7', 'n8', 'n9', 'n10', 'n11', 'n12', 'n13', 'n14']);
  });

  it('drops held errors when a connection or snapshot says joined, and keeps info notes and focus requests', () => {
    const held = new HeldNotices();
    held.hold(error('Cannot reach the chat server at 127.0.0.1:1 (ECONNREFUSED).'));
    held.hold(info('Message App keeps trying.'));
    held.hold({ type: 'focusComposer' });
    held.seen({ type: 'connection', connection: { state: 'connecting' }, me: null });
    held.seen({ type: 'snapshot', snapshot: { ...snapshotWith([]), connection: { state: 'reconnecting' } } });
    held.seen({ type: 'connection', connection: { state: 'joined', server: '127.0.0.1:7070' }, me: null });
    assert.deepEqual(held.take(), [info('Message App keeps trying.'), { type: 'focusComposer' }]);

    held.hold(error('Cannot reach the chat server.'));
    held.seen({ type: 'snapshot', snapshot: snapshotWith([]) });
    assert.deepEqual(held.take(), []);
  });

  it('counts only notices and focus requests as transient', () => {
    assert.equal(isTransient(info('x')), true);
    assert.equal(isTransient({ type: 'focusComposer' }), true);
    assert.equal(isTransient({ type: 'rooms', rooms: [], active: null }), false);
  });
});
