// The webview router (extension/webview-router.ts): each message from the view
// reaches the one action it names, with its arguments; without a session a send
// is refused with a notice and a page request still gets its answer; unsafe
// links are not opened; and what fails validation never reaches an action.

import { strict as assert } from 'node:assert';
import { routeWebviewMessage, type RoutedSession, type RouterActions, type ViewRequest } from '../../extension/webview-router';
import { parseWebviewMessage, type ViewImageItem } from '../../protocol/webview';
import { imageItem } from '../webview/fixtures';

/** Records every call as one line; a session that records too. */
function recorder(withSession: boolean): { calls: string[]; actions: RouterActions } {
  const calls: string[] = [];
  const image = imageItem(1);
  const session: RoutedSession = {
    sendText: async (room, text) => calls.push(`sendText ${room} ${text}`),
    loadOlder: async (room) => {
      calls.push(`loadOlder ${room}`);
    },
    selectRoom: (room) => calls.push(`selectRoom ${room}`),
    typing: (room) => calls.push(`typing ${room}`),
    imageItem: (room, cid): ViewImageItem | undefined => (cid === image.cid ? image : undefined),
  };
  const actions: RouterActions = {
    session: () => (withSession ? session : undefined),
    post: (m) => calls.push(`post ${JSON.stringify(m)}`),
    notice: (level, text) => calls.push(`notice ${level} ${text}`),
    rememberRoom: (room) => calls.push(`rememberRoom ${room}`),
    openExternal: async (url) => {
      calls.push(`openExternal ${url.href}`);
    },
    openImage: (item) => calls.push(`openImage ${item.cid}`),
    saveImage: async (room, cid) => {
      calls.push(`saveImage ${room} ${cid}`);
    },
    sendImageBytes: async (room, input, label) => {
      calls.push(`sendImageBytes ${room} ${input.bytes.length} ${input.name ?? '-'} ${label}`);
    },
    runCommand: async (id) => {
      calls.push(`runCommand ${id}`);
    },
  };
  return { calls, actions };
}

async function route(message: ViewRequest, withSession = true): Promise<string[]> {
  const r = recorder(withSession);
  await routeWebviewMessage(message, r.actions);
  return r.calls;
}

describe('extension webview router', () => {
  const cid = imageItem(1).cid;

  it('sends text through the session', async () => {
    assert.deepEqual(await route({ type: 'send', room: 'team', text: 'hi' }), ['sendText team hi']);
  });

  it('refuses to send without a session, with a notice', async () => {
    const calls = await route({ type: 'send', room: 'team', text: 'hi' }, false);
    assert.equal(calls.length, 1);
    assert.match(calls[0]!, /^notice error Message App is not connected/);
  });

  it('asks the session for an older page, and answers an empty last page without one', async () => {
    assert.deepEqual(await route({ type: 'loadOlder', room: 'team' }), ['loadOlder team']);
    assert.deepEqual(await route({ type: 'loadOlder', room: 'team' }, false), [
      `post ${JSON.stringify({ type: 'older', room: 'team', items: [], more: false })}`,
    ]);
  });

  it('selects a room and remembers it for this window', async () => {
    assert.deepEqual(await route({ type: 'selectRoom', room: 'ops' }), ['selectRoom ops', 'rememberRoom ops']);
  });

  it('opens http(s) links and refuses anything else with a notice', async () => {
    assert.deepEqual(await route({ type: 'openLink', url: 'https://example.test/a?b=1' }), ['openExternal https://example.test/a?b=1']);
    for (const url of ['javascript:alert(1)', 'command:workbench.action.quit', 'file:///etc/passwd', 'not a url']) {
      assert.deepEqual(await route({ type: 'openLink', url }), ['notice error Only http and https links can be opened from the chat.'], url);
    }
  });

  it('opens an image the session shows, and nothing for an unknown cid', async () => {
    assert.deepEqual(await route({ type: 'openImage', room: 'team', cid }), [`openImage ${cid}`]);
    assert.deepEqual(await route({ type: 'openImage', room: 'team', cid: 'unknown1' }), []);
  });

  it('saves an image and sends pasted bytes with their name or a label', async () => {
    assert.deepEqual(await route({ type: 'saveImage', room: 'team', cid }), [`saveImage team ${cid}`]);
    assert.deepEqual(await route({ type: 'pasteImage', room: 'team', data: new Uint8Array(3), name: 'a.png' }), ['sendImageBytes team 3 a.png a.png']);
    assert.deepEqual(await route({ type: 'pasteImage', room: 'team', data: new Uint8Array(2) }), ['sendImageBytes team 2 - pasted image']);
  });

  it("runs each toolbar button's command", async () => {
    assert.deepEqual(await route({ type: 'command', command: 'connect' }), ['runCommand messageApp.connect']);
    assert.deepEqual(await route({ type: 'command', command: 'showFingerprint' }), ['runCommand messageApp.showFingerprint']);
  });

  it('never routes what fails validation (the view provider drops it first)', async () => {
    const bad: unknown[] = [
      null,
      'send',
      { type: 'send', room: 'Not A Room', text: 'x' },
      { type: 'send', room: 'team', text: 42 },
      { type: 'openImage', room: 'team', cid: '../../x' },
      { type: 'command', command: 'workbench.action.quit' },
      { type: 'pasteImage', room: 'team', data: [1, 2, 3] },
      { type: 'eval', code: '1' },
    ];
    for (const raw of bad) assert.equal(parseWebviewMessage(raw), null, JSON.stringify(raw));
  });
});
