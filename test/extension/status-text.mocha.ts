// The status-bar wording (extension/state/status-text.ts): the current room with
// its own unread count, the other rooms' unread apart from it (never "big (3)"
// when the three are elsewhere), and the connection states.

import { strict as assert } from 'node:assert';
import { statusView } from '../../extension/state/status-text';
import type { ViewRoomSummary } from '../../protocol/webview';

const joined = { state: 'joined', server: '127.0.0.1:7070' } as const;
const room = (name: string, unread: number): ViewRoomSummary => ({ room: name, online: 1, unread, more: false });

describe('extension status-bar text', () => {
  it('shows the current room without a count when nothing is unread', () => {
    const v = statusView(joined, 'big', [room('big', 0), room('ops', 0)]);
    assert.equal(v.text, '$(comment-discussion) big');
    assert.equal(v.label, 'Message App, room big');
    assert.equal(v.warning, false);
  });

  it('does not put the unread of other rooms next to the current room', () => {
    const v = statusView(joined, 'big', [room('big', 0), room('ops', 2), room('dev', 1)]);
    assert.equal(v.text, '$(comment-discussion) big  $(bell-dot) 3');
    assert.ok(!v.text.includes('big (3)'), v.text);
    assert.match(v.tooltip, /3 unread in other rooms: ops \(2\), dev \(1\)/);
    assert.equal(v.label, 'Message App, room big, 3 unread in other rooms');
  });

  it("counts the current room's unread (view hidden) apart from the others'", () => {
    const v = statusView(joined, 'big', [room('big', 4), room('ops', 1)]);
    assert.equal(v.text, '$(comment-discussion) big (4)  $(bell-dot) 1');
    assert.match(v.tooltip, /^4 unread in big$/m);
    assert.match(v.tooltip, /^1 unread in other rooms: ops \(1\)$/m);
  });

  it('says offline, connecting and reconnecting (on the warning colour) without counts', () => {
    assert.equal(statusView({ state: 'idle' }, null, []).text, '$(comment-discussion) Chat: offline');
    assert.equal(statusView({ state: 'closed' }, 'big', [room('big', 2)]).text, '$(comment-discussion) Chat: offline');
    assert.equal(statusView({ state: 'connecting' }, null, []).text, '$(sync~spin) Chat: connecting');
    const lost = statusView({ state: 'reconnecting', server: 'h:1', detail: 'Cannot reach the chat server at h:1.' }, 'big', [room('big', 1)]);
    assert.equal(lost.text, '$(sync~spin) Chat: reconnecting');
    assert.equal(lost.warning, true);
    assert.match(lost.tooltip, /Cannot reach the chat server at h:1\./);
  });

  it('says when connected without a room', () => {
    assert.equal(statusView({ state: 'hello', server: 'h:1' }, null, []).text, '$(comment-discussion) Chat: no room');
  });
});
