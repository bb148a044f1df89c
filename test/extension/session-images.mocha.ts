// Image bytes by reference against the REAL server (a Bun child process on 127.0.0.1
// with a real SQLite file): a room with 20 images reaches the webview without a single
// image byte in its snapshot or pages; the session keeps the bytes and serves each one
// by (room, sender, cid) through the router's `imageBytes` answer.

import { strict as assert } from 'node:assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { FileStateStore } from '../../client/file-store';
import { prepareImage } from '../../client/images/prepare';
import { generateIdentity } from '../../client/keys';
import { ChatSession, type SessionEvent } from '../../extension/session';
import { MementoCursorStore, MementoPinStore } from '../../extension/stores';
import { routeWebviewMessage, type RouterActions } from '../../extension/webview-router';
import type { HostMessage } from '../../protocol/webview';
import { encodePng } from '../client/images-fixtures';
import { TEST_KDF } from '../support/kdf';
import { startServer, type TestServer } from '../support/server';
import { until } from '../support/until';
import { InMemoryMemento } from './fakes';

const ROOM = 'pictures-20';
const IMAGES = 20;

function makeSession(server: string, name: string): { session: ChatSession; posts: HostMessage[] } {
  const memento = new InMemoryMemento();
  const session = new ChatSession({
    server,
    name,
    identity: generateIdentity(),
    outbox: new FileStateStore(mkdtempSync(join(tmpdir(), 'message-app-outbox-'))),
    cursors: new MementoCursorStore(memento, server),
    pins: new MementoPinStore(memento, server),
    client: { createKdf: TEST_KDF, kdfFloor: TEST_KDF, connection: { backoffMinMs: 50, backoffMaxMs: 200 } },
  });
  const posts: HostMessage[] = [];
  session.onEvent((e: SessionEvent) => {
    if (e.type === 'view') posts.push(e.message);
  });
  return { session, posts };
}

/** Every Uint8Array (or ArrayBuffer) anywhere in a value: a message to the view must have none but an answer's. */
function byteArrays(value: unknown, found: number[] = []): number[] {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) found.push(value.byteLength);
  else if (Array.isArray(value)) for (const v of value) byteArrays(v, found);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) byteArrays(v, found);
  return found;
}

describe('image bytes by reference (session against the real server)', function () {
  this.timeout(60_000);
  let server: TestServer;
  const open: ChatSession[] = [];

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    for (const s of open.splice(0)) await s.close();
    await server?.stop();
  });

  it('a snapshot of a room with 20 images carries no image bytes; each is served once by sender and cid', async () => {
    const ann = makeSession(server.address, 'Ann');
    const bob = makeSession(server.address, 'Bob');
    open.push(ann.session, bob.session);
    await ann.session.connect();
    await ann.session.join(ROOM, 'pass', { create: true });

    // Noise does not compress: each image is tens of kilobytes, so inline bytes could not hide in the numbers.
    const noise = Buffer.alloc(160 * 160 * 4);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const image = await prepareImage({ bytes: await encodePng({ data: noise, width: 160, height: 160 }), name: 'noise.png' });
    assert.ok(image.data.length > 20_000, `a large image (${image.data.length} bytes)`);
    const cids: string[] = [];
    for (let i = 0; i < IMAGES; i++) cids.push(await ann.session.sendImage(ROOM, image));
    await until('all acks', () => ann.session.state.room(ROOM)!.items.every((i) => i.id !== null));

    await bob.session.connect();
    await bob.session.join(ROOM, 'pass');
    await until('20 images at Bob', () => (bob.session.state.room(ROOM)?.items.filter((i) => i.kind === 'image').length === IMAGES ? true : undefined));

    // What the webview gets: the snapshot (sent on ready and after hide/show) and the pages, as postMessage clones them.
    const snapshot: HostMessage = { type: 'snapshot', snapshot: bob.session.state.snapshot() };
    const wire = serialize(snapshot);
    assert.deepEqual(byteArrays(snapshot), [], 'no bytes in the snapshot');
    assert.ok(wire.length < 20 * 1024, `snapshot is ${wire.length} bytes for ${IMAGES} images of ${image.data.length} bytes each`);
    assert.equal(wire.indexOf(Buffer.from(image.data.subarray(0, 64))), -1, 'no image bytes in the serialized snapshot');
    const toView = bob.posts.filter((m) => m.type !== 'imageBytes');
    assert.ok(toView.some((m) => m.type === 'older' && m.items.length === IMAGES));
    assert.deepEqual(byteArrays(toView), [], 'no bytes in any upsert or page');

    // The view asks by ref; the router answers once per request, with the bytes byte for byte, only for the named sender.
    const shown = bob.session.state.room(ROOM)!.items[0]!;
    assert.ok(shown.kind === 'image');
    assert.deepEqual(shown.image.ref, { key: ann.session.identity.fingerprint, cid: cids[0] });
    const answers: HostMessage[] = [];
    const actions = { session: () => bob.session, post: (m: HostMessage) => answers.push(m) } as unknown as RouterActions;
    await routeWebviewMessage({ type: 'imageBytes', room: ROOM, sender: shown.image.ref.key, cid: shown.image.ref.cid }, actions);
    await routeWebviewMessage({ type: 'imageBytes', room: ROOM, sender: bob.session.identity.fingerprint, cid: shown.image.ref.cid }, actions);
    assert.equal(answers.length, 1);
    const answer = answers[0]!;
    assert.ok(answer.type === 'imageBytes' && answer.mime === 'image/png');
    assert.deepEqual(Buffer.from(answer.data), Buffer.from(image.data));
  });
});
