// The webview's image cache (webview/image-cache.ts): one request per (sender, cid)
// however many rows ask at once, a blob: URL holding the served bytes, no second
// request once cached (a hide/show redraw), a new request after release, and
// answers nobody asked for never enter the cache. Runs on Node's URL/Blob.

import { strict as assert } from 'node:assert';
import type { ImageRef } from '../../protocol/webview';
import { ImageCache } from '../../webview/image-cache';
import { PNG_1x1 } from './fixtures';

const ALICE = 'AAAA BBBB CCCC DDDD';
const BOB = 'EEEE FFFF 0000 1111';

function cacheWithLog(): { cache: ImageCache; asked: ImageRef[] } {
  const asked: ImageRef[] = [];
  return { cache: new ImageCache((ref) => asked.push(ref)), asked };
}

async function blobBytes(url: string): Promise<Uint8Array> {
  // Node resolves its own blob: URLs through node:buffer.
  const { resolveObjectURL } = await import('node:buffer');
  const blob = resolveObjectURL(url);
  assert.ok(blob, `no blob behind ${url}`);
  return new Uint8Array(await blob.arrayBuffer());
}

describe('webview image cache', () => {
  it('asks once for concurrent requests of one image and resolves all with the served bytes', async () => {
    const { cache, asked } = cacheWithLog();
    const ref = { key: BOB, cid: 'img-000001' };
    const first = cache.url(ref);
    const second = cache.url({ ...ref });
    assert.deepEqual(asked, [ref]);
    cache.deliver({ sender: BOB, cid: 'img-000001', mime: 'image/png', data: PNG_1x1 });
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a, b);
    assert.match(a, /^blob:/);
    assert.deepEqual(await blobBytes(a), PNG_1x1);
    cache.clear();
  });

  it('serves a cached image again without a request (a hide/show redraw)', async () => {
    const { cache, asked } = cacheWithLog();
    const ref = { key: BOB, cid: 'img-000002' };
    const pending = cache.url(ref);
    cache.deliver({ sender: BOB, cid: ref.cid, mime: 'image/png', data: PNG_1x1 });
    const url = await pending;
    assert.equal(cache.cached(ref), url);
    assert.equal(await cache.url(ref), url);
    assert.equal(asked.length, 1);
    cache.clear();
  });

  it('asks again after a release, and the released URL no longer resolves', async () => {
    const { cache, asked } = cacheWithLog();
    const ref = { key: BOB, cid: 'img-000003' };
    const pending = cache.url(ref);
    cache.deliver({ sender: BOB, cid: ref.cid, mime: 'image/png', data: PNG_1x1 });
    const url = await pending;
    cache.release(ref);
    const { resolveObjectURL } = await import('node:buffer');
    assert.equal(resolveObjectURL(url), undefined);
    assert.equal(cache.cached(ref), undefined);
    void cache.url(ref);
    assert.equal(asked.length, 2);
    cache.clear();
  });

  it('keeps two senders\' images with the same cid apart', async () => {
    const { cache, asked } = cacheWithLog();
    const fromAlice = cache.url({ key: ALICE, cid: 'img-000004' });
    const fromBob = cache.url({ key: BOB, cid: 'img-000004' });
    assert.equal(asked.length, 2);
    const other = Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]);
    cache.deliver({ sender: ALICE, cid: 'img-000004', mime: 'image/jpeg', data: other });
    cache.deliver({ sender: BOB, cid: 'img-000004', mime: 'image/png', data: PNG_1x1 });
    assert.deepEqual(await blobBytes(await fromAlice), other);
    assert.deepEqual(await blobBytes(await fromBob), PNG_1x1);
    cache.clear();
  });

  it('ignores answers nobody asked for and repeated answers', async () => {
    const { cache } = cacheWithLog();
    cache.deliver({ sender: BOB, cid: 'img-000005', mime: 'image/png', data: PNG_1x1 });
    assert.equal(cache.size, 0);
    const ref = { key: BOB, cid: 'img-000006' };
    const pending = cache.url(ref);
    cache.deliver({ sender: BOB, cid: ref.cid, mime: 'image/png', data: PNG_1x1 });
    const url = await pending;
    cache.deliver({ sender: BOB, cid: ref.cid, mime: 'image/jpeg', data: Uint8Array.from([1, 2, 3]) });
    assert.equal(cache.cached(ref), url);
    assert.deepEqual(await blobBytes(url), PNG_1x1);
    assert.equal(cache.size, 1);
    cache.clear();
    assert.equal(cache.size, 0);
  });
});
