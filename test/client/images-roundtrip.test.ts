// Images end to end: prepared by prepareImage, sent by one ChatClient through the real server
// (bun server/main.ts on 127.0.0.1 with a real SQLite file), received byte for byte by another.

import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import type { ImageItem, RoomItem } from '../../client/chat-client';
import { prepareImage } from '../../client/images/prepare';
import type { PreparedImage } from '../../client/images/types';
import { makeClient, sharedServer, type TestClient } from './helpers';
import { EXIF_MAKE, GPS_MARKER_BE, RED, contains, encodeJpeg, encodePng, exifPayload, solid, storedQuadrants, withApp1 } from './images-fixtures';

const shared = sharedServer({ beforeAll, afterAll });
const { track } = shared;

const ROOM = 'pictures';
const PASS = 'a picture is worth a passphrase';

function imageItems(c: TestClient): ImageItem[] {
  return c.items(ROOM).flatMap((i) => (i.kind === 'image' ? [i] : []));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

function expectSameImage(got: PreparedImage, sent: PreparedImage): void {
  expect(got.mime).toBe(sent.mime);
  expect([got.w, got.h]).toEqual([sent.w, sent.h]);
  expect(got.name).toBe(sent.name);
  expect(got.data.length).toBe(sent.data.length);
  expect(sameBytes(got.data, sent.data)).toBe(true);
}

describe('images through the real server', () => {
  let ada: TestClient;
  let bob: TestClient;
  let photo: PreparedImage;
  let logo: PreparedImage;

  test('a photo and a transparent PNG arrive at another client byte for byte, without metadata', async () => {
    ada = track(makeClient(shared.server.address, 'Ada'));
    bob = track(makeClient(shared.server.address, 'Bob'));
    await ada.client.connect();
    await bob.client.connect();
    await ada.client.joinRoom(ROOM, PASS, { create: true });
    await bob.client.joinRoom(ROOM, PASS);

    const camera = withApp1(await encodeJpeg(storedQuadrants(6, 1200, 1600)), exifPayload(6));
    photo = await prepareImage({ bytes: camera, name: 'IMG_2041.JPG' });
    expect([photo.mime, photo.w, photo.h]).toEqual(['image/jpeg', 960, 1280]);
    const transparent = solid(600, 300, RED);
    for (let i = 3; i < transparent.data.length; i += 8) transparent.data[i] = 100;
    logo = await prepareImage({ bytes: await encodePng(transparent), name: 'logo.png' });
    expect(logo.mime).toBe('image/png');

    const photoCid = await ada.client.sendImage(ROOM, photo);
    const logoCid = await ada.client.sendImage(ROOM, logo);
    await ada.waitFor((e) => [photoCid, logoCid].every((cid) => e.some((x) => x.type === 'acked' && x.cid === cid)), 10_000, 'acks');
    await bob.waitFor(() => imageItems(bob).length === 2, 10_000, 'two images at Bob');

    const [gotPhoto, gotLogo] = imageItems(bob);
    expect(gotPhoto?.cid).toBe(photoCid);
    expect(gotLogo?.cid).toBe(logoCid);
    expectSameImage(gotPhoto!.image, photo);
    expectSameImage(gotLogo!.image, logo);
    expect(gotPhoto!.from.name).toBe('Ada');
    // What travelled carries none of the camera's metadata.
    expect(contains(gotPhoto!.image.data, EXIF_MAKE)).toBe(false);
    expect(contains(gotPhoto!.image.data, GPS_MARKER_BE)).toBe(false);
  });

  test('the server stored only ciphertext: no slice of the image is in its database', async () => {
    const files = [shared.server.dataFile, `${shared.server.dataFile}-wal`].filter((f) => existsSync(f));
    expect(files.length).toBeGreaterThan(0);
    const stored = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const image of [photo, logo]) {
      const middle = Math.floor(image.data.length / 2);
      expect(contains(stored, image.data.subarray(middle, middle + 32))).toBe(false);
    }
  });

  test('a client joining later gets the same bytes from history', async () => {
    const carol = track(makeClient(shared.server.address, 'Carol'));
    await carol.client.connect();
    await carol.client.joinRoom(ROOM, PASS);
    const page = await carol.client.loadOlder(ROOM);
    const fromHistory = [...page.messages, ...carol.items(ROOM)].filter((i): i is ImageItem => i.kind === 'image');
    const byCid = new Map(fromHistory.map((i) => [i.cid, i.image]));
    const [first, second] = imageItems(bob);
    expectSameImage(byCid.get(first!.cid)!, photo);
    expectSameImage(byCid.get(second!.cid)!, logo);
  });

  test('an image whose stated size differs from its header is shown as a placeholder, not as an image', async () => {
    // Eve knows the passphrase and signs her message, but lies about the size (and then about the type).
    const eve = track(makeClient(shared.server.address, 'Eve'));
    await eve.client.connect();
    await eve.client.joinRoom(ROOM, PASS);
    const before = bob.items(ROOM).length;
    const lyingCid = await eve.client.sendImage(ROOM, { ...photo, w: 96, h: 128 });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const svgCid = await eve.client.sendImage(ROOM, { mime: 'image/svg+xml', w: 10, h: 10, data: svg } as unknown as PreparedImage);
    await bob.waitFor(() => bob.items(ROOM).length >= before + 2, 10_000, "Eve's messages at Bob");
    const placeholders = bob.items(ROOM).slice(before).map((i: RoomItem) => [i.cid, i.kind === 'placeholder' ? i.error : i.kind]);
    expect(placeholders).toContainEqual([lyingCid, 'unsupported']);
    expect(placeholders).toContainEqual([svgCid, 'unsupported']);
  });
});
