// The webview router (extension/webview-router.ts): each message from the view
// reaches the one action it names, with its arguments; without a session a send
// is refused with a notice and a page request still gets its answer; unsafe
// links are not opened; and what fails validation never reaches an action.

import { strict as assert } from 'node:assert';
import { routeWebviewMessage, type RoutedSession, type RouterActions, type ViewRequest } from '../../extension/webview-router';
import { parseWebviewMessage } from '../../protocol/webview';
import type { HostImage } from '../../extension/session';
import { BOB_FINGERPRINT, imageItem, PNG_1x1 } from '../webview/fixtures';

/** Records every call as one line; a session that records too. */
function recorder(withSession: boolean): { calls: string[]; actions: RouterActions } {
  const calls: string[] = [];
  const image = imageItem(1);
  const session: RoutedSession = {
    sendText: async (room, text, mentions) => calls.push(`sendText ${room} ${text}${mentions ? ` mentions ${mentions.join(',')}` : ''}`),
    mentionable: (room) => {
      calls.push(`members ${room}`);
      return [{ name: 'Bob', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF' }];
    },
    loadOlder: async (room) => {
      calls.push(`loadOlder ${room}`);
    },
    selectRoom: (room) => calls.push(`selectRoom ${room}`),
    image: (_room, sender, cid): HostImage | undefined => (cid === image.cid && sender === BOB_FINGERPRINT ? { item: image, data: PNG_1x1 } : undefined),
    typing: (room) => calls.push(`typing ${room}`),
    sendReply: async (room, to, text, mentions) => calls.push(`sendReply ${room} ${to} ${text}${mentions ? ` mentions ${mentions.join(',')}` : ''}`),
    react: async (room, id, emoji, remove) => calls.push(`react ${room} ${id} ${emoji} ${remove}`),
    edit: async (room, id, text, mentions) => calls.push(`edit ${room} ${id} ${text}${mentions ? ` mentions [${mentions.join(',')}]` : ''}`),
    deleteMessage: async (room, id) => {
      calls.push(`deleteMessage ${room} ${id}`);
    },
  };
  const actions: RouterActions = {
    session: () => (withSession ? session : undefined),
    post: (m) => calls.push(`post ${JSON.stringify(m)}`),
    notice: (level, text) => calls.push(`notice ${level} ${text}`),
    rememberRoom: (room) => calls.push(`rememberRoom ${room}`),
    openExternal: async (url) => {
      calls.push(`openExternal ${url.href}`);
    },
    openImage: ({ item, data }) => calls.push(`openImage ${item.cid} ${data.length}`),
    saveImage: async (room, sender, cid) => {
      calls.push(`saveImage ${room} ${sender} ${cid}`);
    },
    sendImageBytes: async (room, input, label) => {
      calls.push(`sendImageBytes ${room} ${input.bytes.length} ${input.name ?? '-'} ${label}`);
    },
    runCommand: async (id) => {
      calls.push(`runCommand ${id}`);
    },
    highlight: async (lang, text) => {
      calls.push(`highlight ${lang} ${text}`);
      return { lang, lines: [[{ text, color: '#ff0000' }]] };
    },
    openCode: async (code) => {
      calls.push(`openCode ${JSON.stringify(code)}`);
    },
    copyText: async (text) => {
      calls.push(`copyText ${text}`);
    },
    saveFile: async (room, cid) => {
      calls.push(`saveFile ${room} ${cid}`);
    },
    sendDroppedUri: async (uri) => {
      calls.push(`sendDroppedUri ${uri}`);
    },
    sendDroppedBytes: async (data, name) => {
      calls.push(`sendDroppedBytes ${data.length} ${name}`);
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

  it('answers a highlight request with the tokens under the same id; Open and Copy go to their actions', async () => {
    assert.deepEqual(await route({ type: 'highlight', id: 7, lang: 'ts', text: 'x' }), [
      'highlight ts x',
      `post ${JSON.stringify({ type: 'highlighted', id: 7, code: { lang: 'ts', lines: [[{ text: 'x', color: '#ff0000' }]] } })}`,
    ]);
    const code = { lang: 'go', path: 'main.go', start: 1, end: 2, text: 'a\nb' };
    assert.deepEqual(await route({ type: 'openCode', code }), [`openCode ${JSON.stringify(code)}`]);
    assert.deepEqual(await route({ type: 'copyText', text: 'abc' }), ['copyText abc']);
  });

  it('drops an openCode whose path is absolute or escapes, before any action', async () => {
    const { parseWebviewMessage } = await import('../../protocol/webview');
    for (const path of ['/etc/passwd', '../x', 'C:/x', 'a\\b']) {
      assert.equal(parseWebviewMessage({ type: 'openCode', code: { lang: 'c', path, start: 1, end: 1, text: '' } }), null);
    }
    assert.deepEqual(parseWebviewMessage({ type: 'openCode', code: { lang: 'c', path: 'a/b.c', start: 1, end: 1, text: '', extra: 1 } }), {
      type: 'openCode',
      code: { lang: 'c', path: 'a/b.c', start: 1, end: 1, text: '' },
    });
  });

  it('file messages: Save File As, a dropped file by URI and by bytes each reach their action', async () => {
    assert.deepEqual(await route({ type: 'saveFile', room: 'team', cid }), [`saveFile team ${cid}`]);
    assert.deepEqual(await route({ type: 'dropFile', room: 'team', uri: 'file:///tmp/a.log' }), ['sendDroppedUri file:///tmp/a.log']);
    assert.deepEqual(await route({ type: 'dropFileBytes', room: 'team', data: new Uint8Array(3), name: 'a.log' }), ['sendDroppedBytes 3 a.log']);
    // What fails validation never becomes a request: no name, an oversized name, a bad cid.
    assert.equal(parseWebviewMessage({ type: 'dropFileBytes', room: 'team', data: new Uint8Array(3) }), null);
    assert.equal(parseWebviewMessage({ type: 'dropFileBytes', room: 'team', data: new Uint8Array(3), name: 'x'.repeat(256) }), null);
    assert.equal(parseWebviewMessage({ type: 'saveFile', room: 'team', cid: 'no spaces allowed' }), null);
  });

  it('conversation: reply, react, edit, delete and typing reach the session by message id', async () => {
    assert.deepEqual(await route({ type: 'reply', room: 'team', to: 3, text: 'yes' }), ['sendReply team 3 yes']);
    const print = 'AAAA BBBB CCCC DDDD EEEE FFFF';
    assert.deepEqual(await route({ type: 'reply', room: 'team', to: 3, text: '@Bob yes', mentions: [print] }), [`sendReply team 3 @Bob yes mentions ${print}`]);
    assert.equal(parseWebviewMessage({ type: 'reply', room: 'team', to: 3, text: 'x', mentions: ['not a fingerprint'] }), null);
    assert.deepEqual(await route({ type: 'react', room: 'team', id: 3, emoji: '👍', remove: false }), ['react team 3 👍 false']);
    assert.deepEqual(await route({ type: 'react', room: 'team', id: 3, emoji: '👍', remove: true }), ['react team 3 👍 true']);
    assert.deepEqual(await route({ type: 'edit', room: 'team', id: 3, text: 'fixed' }), ['edit team 3 fixed']);
    // Section 13: an edit's mentions reach the session as they came, an empty list ("no one now") included.
    assert.deepEqual(await route({ type: 'edit', room: 'team', id: 3, text: '@Bob fixed', mentions: [print] }), [`edit team 3 @Bob fixed mentions [${print}]`]);
    assert.deepEqual(await route({ type: 'edit', room: 'team', id: 3, text: 'fixed', mentions: [] }), ['edit team 3 fixed mentions []']);
    for (const mentions of [['not a fingerprint'], print, [print, 3], Array.from({ length: 33 }, () => print), null]) {
      assert.equal(parseWebviewMessage({ type: 'edit', room: 'team', id: 3, text: 'x', mentions }), null, JSON.stringify(mentions));
    }
    assert.deepEqual(await route({ type: 'delete', room: 'team', id: 3 }), ['deleteMessage team 3']);
    assert.deepEqual(await route({ type: 'typing', room: 'team' }), ['typing team']);
    // Without a session: a notice for the changes, silence for typing.
    const calls = await route({ type: 'delete', room: 'team', id: 3 }, false);
    assert.equal(calls.length, 1);
    assert.match(calls[0]!, /^notice error Message App is not connected/);
    assert.deepEqual(await route({ type: 'typing', room: 'team' }, false), []);
    // Validation: ids are positive integers, texts non-empty, an emoji short, remove a boolean; extra fields are dropped.
    for (const raw of [
      { type: 'reply', room: 'team', to: 0, text: 'x' },
      { type: 'reply', room: 'team', to: 1.5, text: 'x' },
      { type: 'reply', room: 'team', to: 1, text: '' },
      { type: 'edit', room: 'team', id: -1, text: 'x' },
      { type: 'edit', room: 'team', id: 1, text: 'x'.repeat(64 * 1024 + 1) },
      { type: 'react', room: 'team', id: 1, emoji: '', remove: false },
      { type: 'react', room: 'team', id: 1, emoji: 'x'.repeat(65), remove: false },
      { type: 'react', room: 'team', id: 1, emoji: '👍' },
      { type: 'delete', room: 'team', id: '3' },
      { type: 'typing', room: 'Not A Room' },
    ]) {
      assert.equal(parseWebviewMessage(raw), null, JSON.stringify(raw));
    }
    assert.deepEqual(parseWebviewMessage({ type: 'delete', room: 'team', id: 3, cid: 'x', html: '<b>' }), { type: 'delete', room: 'team', id: 3 });
  });

  it('sends text through the session', async () => {
    assert.deepEqual(await route({ type: 'send', room: 'team', text: 'hi' }), ['sendText team hi']);
  });

  it('sends the fingerprints picked with @ along, and answers a members request (an empty list without a session)', async () => {
    assert.deepEqual(await route({ type: 'send', room: 'team', text: '@Bob hi', mentions: ['AAAA BBBB CCCC DDDD EEEE FFFF'] }), [
      'sendText team @Bob hi mentions AAAA BBBB CCCC DDDD EEEE FFFF',
    ]);
    assert.deepEqual(await route({ type: 'members', room: 'team' }), [
      'members team',
      `post ${JSON.stringify({ type: 'members', room: 'team', members: [{ name: 'Bob', fingerprint: 'AAAA BBBB CCCC DDDD EEEE FFFF' }] })}`,
    ]);
    assert.deepEqual(await route({ type: 'members', room: 'team' }, false), [`post ${JSON.stringify({ type: 'members', room: 'team', members: [] })}`]);
    // What the view sends is checked: fingerprints only (no keys, no markup), at most 32.
    assert.equal(parseWebviewMessage({ type: 'send', room: 'team', text: 'x', mentions: ['<b>'] }), null);
    assert.equal(parseWebviewMessage({ type: 'send', room: 'team', text: 'x', mentions: 'AAAA' }), null);
    assert.equal(parseWebviewMessage({ type: 'send', room: 'team', text: 'x', mentions: Array.from({ length: 33 }, () => 'AAAA') }), null);
    assert.deepEqual(parseWebviewMessage({ type: 'send', room: 'team', text: 'x', mentions: ['AAAA'] }), { type: 'send', room: 'team', text: 'x', mentions: ['AAAA'] });
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

  it("opens an image the session shows with its bytes, and nothing for an unknown cid or another sender's", async () => {
    const sender = BOB_FINGERPRINT;
    assert.deepEqual(await route({ type: 'openImage', room: 'team', sender, cid }), [`openImage ${cid} ${PNG_1x1.length}`]);
    assert.deepEqual(await route({ type: 'openImage', room: 'team', sender, cid: 'unknown1' }), []);
    assert.deepEqual(await route({ type: 'openImage', room: 'team', sender: 'EEEE FFFF 0000 1111', cid }), []);
  });

  it('saves an image (named by sender and cid) and sends pasted bytes with their name or a label', async () => {
    const sender = BOB_FINGERPRINT;
    assert.deepEqual(await route({ type: 'saveImage', room: 'team', sender, cid }), [`saveImage team ${sender} ${cid}`]);
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
