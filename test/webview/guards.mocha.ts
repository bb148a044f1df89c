// The guards on both ends of the host <-> webview channel: every valid message
// passes unchanged, anything malformed is refused (null), never half-accepted.

import { strict as assert } from 'node:assert';
import { parseHostMessage, parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../protocol/webview';
import { imageItem, snapshotWith, textItem } from './fixtures';

describe('webview message guards', () => {
  describe('webview -> host (checked by the extension)', () => {
    const valid: WebviewMessage[] = [
      { type: 'ready' },
      { type: 'send', room: 'team', text: 'hi' },
      { type: 'loadOlder', room: 'team' },
      { type: 'selectRoom', room: 'ops' },
      { type: 'openLink', url: 'https://example.com' },
      { type: 'openImage', room: 'team', sender: 'AAAA BBBB', cid: 'abcdefgh' },
      { type: 'saveImage', room: 'team', sender: 'AAAA BBBB', cid: 'abcdefgh' },
      { type: 'pasteImage', room: 'team', data: new Uint8Array([1, 2, 3]), name: 'a.png' },
      { type: 'command', command: 'connect' },
    ];
    for (const message of valid) {
      it(`accepts ${message.type}`, () => assert.deepEqual(parseWebviewMessage(message), message));
    }

    const invalid: Array<[string, unknown]> = [
      ['a non-object', 'ready'],
      ['null', null],
      ['an unknown type', { type: 'eval', code: '1' }],
      ['a numeric type', { type: 1 }],
      ['send to a bad room name', { type: 'send', room: '../etc', text: 'x' }],
      ['send without text', { type: 'send', room: 'team' }],
      ['send with text over 64 KiB', { type: 'send', room: 'team', text: 'x'.repeat(64 * 1024 + 1) }],
      ['openImage with a bad cid', { type: 'openImage', room: 'team', sender: 'AAAA BBBB', cid: 'short' }],
      ['openImage without a sender', { type: 'openImage', room: 'team', cid: 'abcdefgh' }],
      ['saveImage without a sender', { type: 'saveImage', room: 'team', cid: 'abcdefgh' }],
      ['pasteImage with no bytes', { type: 'pasteImage', room: 'team', data: new Uint8Array(0) }],
      ['pasteImage with an array instead of bytes', { type: 'pasteImage', room: 'team', data: [1, 2, 3] }],
      ['an unknown command', { type: 'command', command: 'workbench.action.terminal.new' }],
      ['openLink without a string', { type: 'openLink', url: { href: 'x' } }],
    ];
    for (const [what, value] of invalid) {
      it(`refuses ${what}`, () => assert.equal(parseWebviewMessage(value), null));
    }

    it('drops a pasted file name that is not text', () => {
      assert.deepEqual(parseWebviewMessage({ type: 'pasteImage', room: 'team', data: new Uint8Array([1]), name: 42 }), {
        type: 'pasteImage',
        room: 'team',
        data: new Uint8Array([1]),
      });
    });
  });

  describe('host -> webview (checked by the webview)', () => {
    const valid: HostMessage[] = [
      { type: 'snapshot', snapshot: snapshotWith([textItem(1, 'a'), imageItem(2)]) },
      { type: 'connection', connection: { state: 'reconnecting', detail: 'Lost.' }, me: null },
      { type: 'upsert', room: 'team', items: [{ ...textItem(3, 'p'), id: null, pending: true }] },
      { type: 'older', room: 'team', items: [], more: false },
      { type: 'rooms', rooms: [{ room: 'team', online: 1, unread: 2, more: true }], active: 'team' },
      { type: 'notice', level: 'error', text: 'Wrong passphrase.' },
      { type: 'focusComposer' },
    ];
    for (const message of valid) {
      it(`accepts ${message.type}`, () => assert.deepEqual(parseHostMessage(message), message));
    }

    const invalid: Array<[string, unknown]> = [
      ['an unknown connection state', { type: 'connection', connection: { state: 'hacked' }, me: null }],
      ['an item with an unknown kind', { type: 'upsert', room: 'team', items: [{ ...textItem(1, 'a'), kind: 'html' }] }],
      ['a text item whose text is not a string', { type: 'upsert', room: 'team', items: [{ ...textItem(1, 'a'), text: { html: '<b>' } }] }],
      ['an image with an SVG mime type', { type: 'upsert', room: 'team', items: [{ ...imageItem(1), image: { ...imageItem(1).image, mime: 'image/svg+xml' } }] }],
      ['an image whose data is a URL', { type: 'upsert', room: 'team', items: [{ ...imageItem(1), image: { ...imageItem(1).image, data: 'https://evil.test/x.png' } }] }],
      ['an image carrying bytes inline (they come by reference)', { type: 'upsert', room: 'team', items: [{ ...imageItem(1), image: { ...imageItem(1).image, data: new Uint8Array([1]) } }] }],
      ['an image without a ref', { type: 'upsert', room: 'team', items: [{ ...imageItem(1), image: { mime: 'image/png', w: 1, h: 1 } }] }],
      ['an image whose ref names no sender', { type: 'upsert', room: 'team', items: [{ ...imageItem(1), image: { ...imageItem(1).image, ref: { key: '<b>', cid: 'img-000001' } } }] }],
      ['a placeholder with an unknown reason', { type: 'upsert', room: 'team', items: [{ kind: 'placeholder', id: 1, cid: 'abcdefgh', ts: 1, reason: 'x' }] }],
      ['a snapshot with a bad room in it', { type: 'snapshot', snapshot: { ...snapshotWith([]), rooms: [{ room: 'Team!', online: 0, unread: 0, more: false, items: [] }] } }],
      ['a negative unread count', { type: 'rooms', rooms: [{ room: 'team', online: 1, unread: -1, more: false }], active: null }],
      ['a notice with an unknown level', { type: 'notice', level: 'html', text: 'x' }],
    ];
    for (const [what, value] of invalid) {
      it(`refuses ${what}`, () => assert.equal(parseHostMessage(value), null));
    }
  });
});
