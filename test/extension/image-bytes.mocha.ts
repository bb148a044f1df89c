// Image bytes by reference: the webview's `imageBytes` request and the host's answer
// are validated where they come in (protocol/webview.ts), and the router answers a
// request once, only with the bytes of the image the named sender sent.

import { strict as assert } from 'node:assert';
import { routeWebviewMessage, type RouterActions } from '../../extension/webview-router';
import { parseHostMessage, parseWebviewMessage, type HostMessage } from '../../protocol/webview';
import { imageItem, PNG_1x1 } from '../webview/fixtures';

const image = imageItem(1);
const BOB = image.from.fingerprint;

function router(): { posted: HostMessage[]; actions: RouterActions } {
  const posted: HostMessage[] = [];
  const unexpected = (): never => assert.fail('no other action expected');
  const actions: RouterActions = {
    session: () => ({
      sendText: unexpected,
      loadOlder: unexpected,
      selectRoom: unexpected,
      typing: unexpected,
      sendReply: unexpected,
      react: unexpected,
      edit: unexpected,
      deleteMessage: unexpected,
      image: (_room, sender, cid) => (cid === image.cid && sender === BOB ? { item: image, data: PNG_1x1 } : undefined),
    }),
    post: (m) => posted.push(m),
    notice: unexpected,
    rememberRoom: unexpected,
    openExternal: unexpected,
    openImage: unexpected,
    saveImage: unexpected,
    sendImageBytes: unexpected,
    runCommand: unexpected,
    highlight: unexpected,
    openCode: unexpected,
    copyText: unexpected,
    saveFile: unexpected,
    sendDroppedUri: unexpected,
    sendDroppedBytes: unexpected,
  };
  return { posted, actions };
}

describe('image bytes by reference', () => {
  it('accepts a well-formed request and answer', () => {
    const request = { type: 'imageBytes', room: 'team', sender: BOB, cid: image.cid };
    assert.deepEqual(parseWebviewMessage(request), request);
    const answer = { ...request, mime: 'image/png', data: PNG_1x1 };
    assert.deepEqual(parseHostMessage(answer), answer);
  });

  it('refuses malformed requests', () => {
    const base = { type: 'imageBytes', room: 'team', sender: BOB, cid: image.cid };
    for (const [what, bad] of [
      ['no sender', { ...base, sender: undefined }],
      ['an empty sender', { ...base, sender: '' }],
      ['a sender with markup', { ...base, sender: '<b>x</b>' }],
      ['a huge sender', { ...base, sender: 'A'.repeat(10_000) }],
      ['a bad cid', { ...base, cid: 'x' }],
      ['a bad room', { ...base, room: '' }],
    ] as const) {
      assert.equal(parseWebviewMessage(bad), null, what);
    }
  });

  it('refuses answers with an SVG mime, a string for bytes or no bytes', () => {
    const base = { type: 'imageBytes', room: 'team', sender: BOB, cid: image.cid, mime: 'image/png', data: PNG_1x1 };
    for (const [what, bad] of [
      ['an SVG mime', { ...base, mime: 'image/svg+xml' }],
      ['a URL for bytes', { ...base, data: 'https://evil.test/x.png' }],
      ['empty bytes', { ...base, data: new Uint8Array(0) }],
      ['no sender', { ...base, sender: undefined }],
    ] as const) {
      assert.equal(parseHostMessage(bad), null, what);
    }
  });

  it('answers a request once with the image bytes of the named sender', async () => {
    const { posted, actions } = router();
    await routeWebviewMessage({ type: 'imageBytes', room: 'team', sender: BOB, cid: image.cid }, actions);
    assert.deepEqual(posted, [{ type: 'imageBytes', room: 'team', sender: BOB, cid: image.cid, mime: 'image/png', data: PNG_1x1 }]);
  });

  it('does not answer for another sender\'s cid or an unknown cid', async () => {
    const { posted, actions } = router();
    await routeWebviewMessage({ type: 'imageBytes', room: 'team', sender: 'EEEE FFFF 0000 1111', cid: image.cid }, actions);
    await routeWebviewMessage({ type: 'imageBytes', room: 'team', sender: BOB, cid: 'img-999999' }, actions);
    assert.deepEqual(posted, []);
  });
});
