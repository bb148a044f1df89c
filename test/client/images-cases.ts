// The image pipeline's behaviour as runner-neutral cases, run by bun:test (the CLI's runtime) and mocha on Node 20 (the extension host's).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageError, type ImageErrorCode } from '../../client/images/errors';
import { readImageHeader } from '../../client/images/header';
import { jpegTurboAvailable, setJpegWasmPath } from '../../client/images/jpeg-turbo';
import { checkReceivedImage } from '../../client/images/check';
import { prepareImage, type PrepareOptions } from '../../client/images/prepare';
import type { PreparedImage } from '../../client/images/types';
import {
  BLUE,
  EXIF_MAKE,
  GPS_MARKER_BE,
  GREEN,
  RED,
  WHITE,
  contains,
  decodePixels,
  encodeGif,
  encodeJpeg,
  encodePng,
  exifPayload,
  jpegMarkers,
  near,
  pixelAt,
  pngBomb,
  pngChunkTypes,
  prng,
  solid,
  storedQuadrants,
  withApp1,
  type Rgba,
} from './images-fixtures';

export interface ImageCase {
  name: string;
  run: () => Promise<void>;
}

async function refused(promise: Promise<unknown>, code: ImageErrorCode, sentence?: RegExp): Promise<ImageError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ImageError, `expected ImageError, got ${String(error)}`);
    assert.equal(error.code, code, `code of "${error.message}"`);
    // Users see this: a sentence, not a stack trace or a decoder's internals.
    assert.match(error.message, /^[A-Z].*\.$/);
    if (sentence) assert.match(error.message, sentence);
    return error;
  }
  assert.fail(`expected refusal with ${code}`);
}

/** Metadata-free: JPEG has only JFIF APP0 + coding segments; no camera, GPS or EXIF bytes anywhere. */
function assertNoMetadata(image: PreparedImage): void {
  if (image.mime === 'image/jpeg') {
    const allowed = new Set([0xe0, 0xdb, 0xc0, 0xc2, 0xc4, 0xdd, 0xda]);
    for (const m of jpegMarkers(image.data)) assert.ok(allowed.has(m), `unexpected JPEG segment 0x${m.toString(16)}`);
  } else {
    for (const t of pngChunkTypes(image.data)) assert.ok(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND'].includes(t), `unexpected PNG chunk ${t}`);
  }
  assert.ok(!contains(image.data, 'Exif'));
  assert.ok(!contains(image.data, EXIF_MAKE));
  assert.ok(!contains(image.data, GPS_MARKER_BE));
  // The bytes own their memory (no view into a shared pool that a transfer would expose).
  assert.equal(image.data.byteOffset, 0);
  assert.equal(image.data.buffer.byteLength, image.data.length);
  // The header of the output agrees with what prepareImage says it is.
  const header = readImageHeader(image.data);
  assert.equal(header.width, image.w);
  assert.equal(header.height, image.h);
  assert.equal(header.orientation, 1);
}

/** Checks the four quadrant colours of an upright w x h picture. */
function assertQuadrants(bitmap: { data: Buffer; width: number; height: number }): void {
  const { width: w, height: h } = bitmap;
  const at = (fx: number, fy: number): Rgba => pixelAt(bitmap, Math.floor(w * fx), Math.floor(h * fy));
  const expect: [number, number, Rgba, string][] = [
    [0.25, 0.25, RED, 'top left'],
    [0.75, 0.25, GREEN, 'top right'],
    [0.25, 0.75, BLUE, 'bottom left'],
    [0.75, 0.75, WHITE, 'bottom right'],
  ];
  for (const [fx, fy, colour, where] of expect) {
    assert.ok(near(at(fx, fy), colour), `${where} is ${at(fx, fy).join(',')}, expected ${colour.join(',')}`);
  }
}

let largeJpeg: Promise<Uint8Array> | undefined;
/** A 2400x1800 photo stored sideways (EXIF orientation 6, so it shows 1800x2400) with camera make and GPS tags. */
function largeSidewaysJpeg(): Promise<Uint8Array> {
  largeJpeg ??= encodeJpeg(storedQuadrants(6, 1800, 2400)).then((jpeg) => withApp1(jpeg, exifPayload(6)));
  return largeJpeg;
}

function tempDir(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'images-test-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function imageCases(): ImageCase[] {
  const cases: ImageCase[] = [];
  const add = (name: string, run: () => Promise<void>): void => {
    cases.push({ name, run });
  };

  add('a large JPEG with EXIF orientation and GPS is scaled to 1280, turned upright, and loses all metadata', async () => {
    const input = await largeSidewaysJpeg();
    assert.equal(readImageHeader(input).orientation, 6); // the fixture really carries it
    assert.ok(contains(input, EXIF_MAKE) && contains(input, GPS_MARKER_BE));
    const out = await prepareImage({ bytes: input, name: 'IMG_0001.JPG' });
    assert.equal(out.mime, 'image/jpeg');
    assert.deepEqual([out.w, out.h], [960, 1280]);
    assert.equal(out.name, 'IMG_0001.JPG');
    assertNoMetadata(out);
    assertQuadrants(await decodePixels(out.data));
  });

  for (let orientation = 1; orientation <= 8; orientation++) {
    add(`EXIF orientation ${orientation} is applied (${orientation % 2 ? 'big' : 'little'}-endian EXIF)`, async () => {
      const jpeg = await encodeJpeg(storedQuadrants(orientation, 96, 64));
      const input = withApp1(jpeg, exifPayload(orientation, orientation % 2 === 0));
      const out = await prepareImage({ bytes: input });
      assert.deepEqual([out.w, out.h], [96, 64]);
      assertNoMetadata(out);
      assertQuadrants(await decodePixels(out.data));
    });
  }

  add('a large JPEG is decoded at reduced scale and still matches the full-size result', async () => {
    // 2400x1800 at maxSide 600 decodes at 1/4 (600x450) in libjpeg-turbo; at maxSide 2000 it decodes in full.
    const input = await encodeJpeg(storedQuadrants(1, 2400, 1800));
    const small = await prepareImage({ bytes: input }, { maxSide: 600 });
    assert.deepEqual([small.w, small.h], [600, 450]);
    assertQuadrants(await decodePixels(small.data));
    const big = await prepareImage({ bytes: input }, { maxSide: 2000 });
    assert.deepEqual([big.w, big.h], [2000, 1500]);
    assertQuadrants(await decodePixels(big.data));
  });

  add('without the WebAssembly decoder, jimp decodes the JPEG and the orientation is applied once', async () => {
    assert.ok(jpegTurboAvailable()); // the fast path is really installed here
    setJpegWasmPath(null);
    try {
      assert.ok(!jpegTurboAvailable());
      const input = withApp1(await encodeJpeg(storedQuadrants(8, 300, 200)), exifPayload(8));
      const out = await prepareImage({ bytes: input });
      assert.deepEqual([out.w, out.h], [300, 200]);
      assertNoMetadata(out);
      assertQuadrants(await decodePixels(out.data));
    } finally {
      setJpegWasmPath(undefined);
    }
    assert.ok(jpegTurboAvailable());
  });

  add('a PNG with alpha stays a PNG and keeps its transparency', async () => {
    const bitmap = solid(2000, 1000, RED);
    for (let y = 0; y < 1000; y++) for (let x = 1000; x < 2000; x++) bitmap.data[(y * 2000 + x) * 4 + 3] = 0;
    const out = await prepareImage({ bytes: await encodePng(bitmap), name: 'logo.png' });
    assert.equal(out.mime, 'image/png');
    assert.deepEqual([out.w, out.h], [1280, 640]);
    assertNoMetadata(out);
    const pixels = await decodePixels(out.data);
    assert.ok(near(pixelAt(pixels, 200, 300), RED, 2));
    assert.equal(pixelAt(pixels, 1100, 300)[3], 0);
  });

  add('an opaque PNG becomes a JPEG', async () => {
    const out = await prepareImage({ bytes: await encodePng(solid(300, 200, BLUE)) });
    assert.equal(out.mime, 'image/jpeg');
    assert.deepEqual([out.w, out.h], [300, 200]);
    assertNoMetadata(out);
    assert.ok(near(pixelAt(await decodePixels(out.data), 150, 100), BLUE, 8));
  });

  add('a tiny opaque GIF becomes a JPEG of the same size', async () => {
    const gif = await encodeGif(solid(5, 3, GREEN));
    assert.equal(readImageHeader(gif).format, 'gif');
    const out = await prepareImage({ bytes: gif, name: 'dot.gif' });
    assert.equal(out.mime, 'image/jpeg');
    assert.deepEqual([out.w, out.h], [5, 3]);
    assertNoMetadata(out);
    assert.ok(near(pixelAt(await decodePixels(out.data), 2, 1), GREEN, 30));
  });

  add('a tiny GIF with a transparent pixel becomes a PNG', async () => {
    const bitmap = solid(4, 4, RED);
    bitmap.data[3] = 0; // top-left pixel transparent
    const gif = await encodeGif(bitmap);
    const out = await prepareImage({ bytes: gif });
    assert.equal(out.mime, 'image/png');
    assert.deepEqual([out.w, out.h], [4, 4]);
    const pixels = await decodePixels(out.data);
    assert.equal(pixelAt(pixels, 0, 0)[3], 0);
    assert.ok(near(pixelAt(pixels, 3, 3), RED, 2));
  });

  add('a decompression bomb (tiny PNG declaring 8000x8000) is refused from its header', async () => {
    const bomb = pngBomb(8000, 8000);
    assert.ok(bomb.length < 64 * 1024, `bomb is ${bomb.length} bytes`);
    await refused(prepareImage({ bytes: bomb }), 'too_many_pixels', /8000 × 8000 pixels \(64 megapixels\).*50 megapixels/);
    // Same header with garbage instead of image data: still too_many_pixels, not corrupt,
    // which shows the refusal happens before any decoder looks at the data.
    await refused(prepareImage({ bytes: pngBomb(100_000, 100_000, Uint8Array.from([1, 2, 3])) }), 'too_many_pixels');
  });

  add('a JPEG over the pixel limit is refused before decoding', async () => {
    // Only the header is real: SOF says 10000x6000, the scan data is garbage.
    const header = await encodeJpeg(solid(8, 8, RED));
    const sof = header.findIndex((b, i) => b === 0xff && header[i + 1] === 0xc0);
    const patched = Uint8Array.from(header);
    patched.set([6000 >> 8, 6000 & 0xff, 10000 >> 8, 10000 & 0xff], sof + 5);
    await refused(prepareImage({ bytes: patched }), 'too_many_pixels', /10000 × 6000/);
    // A lower limit is an option.
    await refused(prepareImage({ bytes: header }, { maxPixels: 63 }), 'too_many_pixels');
  });

  add('a file over 25 MB is refused from its size without being read', async () => {
    const { dir, dispose } = tempDir();
    try {
      const path = join(dir, 'huge.jpg');
      writeFileSync(path, '');
      truncateSync(path, 26 * 1024 * 1024); // sparse: nothing to read but zeros
      await refused(prepareImage({ path }), 'too_large_file', /The file is 26 MB; images up to 25 MB can be sent\./);
      await refused(prepareImage({ bytes: new Uint8Array(2000) }, { maxFileBytes: 1000 }), 'too_large_file');
    } finally {
      dispose();
    }
  });

  add('truncated files are refused as damaged', async () => {
    const jpeg = await largeSidewaysJpeg();
    await refused(prepareImage({ bytes: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)) }), 'corrupt', /damaged or incomplete/);
    const png = await encodePng(solid(200, 100, RED));
    await refused(prepareImage({ bytes: png.subarray(0, png.length - 30) }), 'corrupt');
    await refused(prepareImage({ bytes: png.subarray(0, 20) }), 'corrupt', /cut short/);
    const gif = await encodeGif(solid(40, 30, BLUE));
    await refused(prepareImage({ bytes: gif.subarray(0, gif.length - 10) }), 'corrupt');
    await refused(prepareImage({ bytes: jpeg.subarray(0, 300) }), 'corrupt');
  });

  add('a text file named .png is refused as not an image, and SVG/WebP as unsupported', async () => {
    const { dir, dispose } = tempDir();
    try {
      const path = join(dir, 'notes.png');
      writeFileSync(path, 'meeting notes: nothing to see here\n');
      await refused(prepareImage({ path }), 'not_an_image', /not an image/);
      const svg = new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      await refused(prepareImage({ bytes: svg, name: 'x.svg' }), 'unsupported_format', /SVG/);
      const webp = new TextEncoder().encode('RIFF\x24\0\0\0WEBPVP8 ');
      await refused(prepareImage({ bytes: webp }), 'unsupported_format', /WebP/);
      await refused(prepareImage({ bytes: new Uint8Array(0) }), 'not_an_image', /empty/);
      await refused(prepareImage({ path: join(dir, 'missing.png') }), 'unreadable', /missing\.png.*does not exist/);
    } finally {
      dispose();
    }
  });

  add('small images are never upscaled, and maxSide is honoured', async () => {
    const jpeg = await encodeJpeg(storedQuadrants(1, 320, 200));
    const same = await prepareImage({ bytes: jpeg });
    assert.deepEqual([same.w, same.h], [320, 200]);
    const smaller = await prepareImage({ bytes: jpeg }, { maxSide: 160 });
    assert.deepEqual([smaller.w, smaller.h], [160, 100]);
    assertQuadrants(await decodePixels(smaller.data));
  });

  add('a result larger than one message may carry is scaled down until it fits', async () => {
    // Noise does not compress: 600x600 RGBA noise is ~1.4 MB as PNG; allow 300 KB.
    const random = prng(9);
    const noise = solid(600, 600, RED);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = Math.floor(random() * 256);
    const out = await prepareImage({ bytes: await encodePng(noise) }, { maxOutputBytes: 300_000 });
    assert.equal(out.mime, 'image/png');
    assert.ok(out.data.length <= 300_000, `${out.data.length} bytes`);
    assert.ok(out.w < 600 && out.w === out.h, `${out.w}x${out.h}`);
    assertNoMetadata(out);
    await refused(prepareImage({ bytes: await encodePng(noise) }, { maxOutputBytes: 50 }), 'too_large_file', /still over/);
  });

  add('cancelling through the AbortSignal stops the work with a cancelled error', async () => {
    const input = await largeSidewaysJpeg();
    const before = new AbortController();
    before.abort();
    await refused(prepareImage({ bytes: input }, { signal: before.signal }), 'cancelled', /cancelled/);
    // Abort at the first progress report, i.e. while the work is under way.
    const during = new AbortController();
    const seen: number[] = [];
    const options: PrepareOptions = {
      signal: during.signal,
      onProgress: (f) => {
        seen.push(f);
        during.abort();
      },
    };
    await refused(prepareImage({ bytes: input }, options), 'cancelled');
    assert.deepEqual(seen, [0.1]);
  });

  add('progress is reported in order and ends at 1', async () => {
    const seen: number[] = [];
    await prepareImage({ bytes: await encodePng(solid(64, 64, WHITE)) }, { onProgress: (f) => seen.push(f) });
    assert.ok(seen.length >= 3);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen);
    assert.equal(seen.at(-1), 1);
  });

  add('damaged image data never crashes: every result is an image or an ImageError', async () => {
    const sources = [
      await encodeJpeg(storedQuadrants(1, 64, 48)),
      await encodePng(solid(48, 32, GREEN)),
      await encodeGif(solid(16, 16, BLUE)),
    ];
    const random = prng(6);
    let refusedCount = 0;
    for (const source of sources) {
      for (let round = 0; round < 25; round++) {
        const mutated = Uint8Array.from(source);
        const flips = 1 + Math.floor(random() * 8);
        for (let i = 0; i < flips; i++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        const cut = random() < 0.3 ? mutated.subarray(0, Math.floor(random() * mutated.length)) : mutated;
        try {
          const out = await prepareImage({ bytes: cut });
          assert.ok(out.w >= 1 && out.h >= 1 && out.data.length > 0);
        } catch (error) {
          assert.ok(error instanceof ImageError, `round ${round}: ${String(error)}`);
          refusedCount++;
        }
      }
    }
    assert.ok(refusedCount > 0); // the mutations do hit the checks
  });

  add('checkReceivedImage accepts prepared images byte for byte', async () => {
    const jpeg = await prepareImage({ bytes: await encodeJpeg(storedQuadrants(1, 200, 100)), name: 'a.jpg' });
    const png = await prepareImage({ bytes: await encodePng(solid(30, 20, [0, 0, 0, 128])) });
    for (const image of [jpeg, png]) {
      const result = checkReceivedImage({ k: 'image', ...image });
      assert.ok(result.ok, result.ok ? '' : result.reason);
      assert.deepEqual(result.image, image);
      assert.equal(result.image.data, image.data); // the same bytes, not a copy
    }
  });

  add('checkReceivedImage refuses lying dimensions, other types, SVG and oversize data', async () => {
    const good = await prepareImage({ bytes: await encodeJpeg(storedQuadrants(1, 200, 100)) });
    const png = await prepareImage({ bytes: await encodePng(solid(30, 20, [0, 0, 0, 128])) });
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    const bad: [string, unknown, RegExp][] = [
      ['wider than stated', { ...good, w: 100 }, /200 × 100 pixels, not 100 × 100/],
      ['taller than stated', { ...good, h: 50 }, /not 200 × 50/],
      ['svg mime', { ...good, mime: 'image/svg+xml', data: svg }, /not allowed/],
      ['svg bytes as png', { ...good, mime: 'image/png', data: svg }, /can't be sent|not/],
      ['gif mime', { ...good, mime: 'image/gif' }, /not allowed/],
      ['png mime on jpeg bytes', { ...good, mime: 'image/png' }, /not a PNG/],
      ['jpeg mime on png bytes', { ...png, mime: 'image/jpeg' }, /not a JPEG/],
      ['data over 16 MiB', { ...good, data: new Uint8Array(16 * 1024 * 1024 + 1) }, /too large/],
      ['zero width', { ...good, w: 0 }, /size/],
      ['side over 16384', { ...good, w: 16385 }, /size/],
      ['over 50 MP', { ...good, w: 10000, h: 6000 }, /too many pixels/],
      ['fractional size', { ...good, w: 200.5 }, /size/],
      ['data not bytes', { ...good, data: 'AAAA' }, /no data/],
      ['empty data', { ...good, data: new Uint8Array(0) }, /no data/],
      ['truncated data', { ...good, data: good.data.subarray(0, good.data.length - 40) }, /damaged or incomplete/],
      ['name not text', { ...good, name: 42 }, /name/],
      ['not an object', 'image', /no fields/],
      ['null', null, /no fields/],
    ];
    for (const [what, fields, reason] of bad) {
      const result = checkReceivedImage(fields);
      assert.equal(result.ok, false, what);
      if (!result.ok) assert.match(result.reason, reason, what);
    }
  });

  add('checkReceivedImage judges a bomb from its header alone', async () => {
    // Headers over 3 bytes of garbage: a check that decoded would fail on the data; this one
    // decides from the sizes only, so an honest size passes and a lying or huge one does not.
    const garbage = Uint8Array.from([1, 2, 3]);
    assert.ok(checkReceivedImage({ mime: 'image/png', w: 4000, h: 3000, data: pngBomb(4000, 3000, garbage) }).ok);
    const lying = checkReceivedImage({ mime: 'image/png', w: 100, h: 100, data: pngBomb(16384, 3000, garbage) });
    assert.ok(!lying.ok && /16384 × 3000 pixels, not 100 × 100/.test(lying.reason));
    const huge = checkReceivedImage({ mime: 'image/png', w: 10000, h: 6000, data: pngBomb(10000, 6000, garbage) });
    assert.ok(!huge.ok && /too many pixels/.test(huge.reason));
  });

  add('checkReceivedImage keeps a safe file name only', async () => {
    const good = await prepareImage({ bytes: await encodeJpeg(solid(8, 8, RED)) });
    const named = (name: unknown): string | undefined => {
      const result = checkReceivedImage({ ...good, name });
      assert.ok(result.ok);
      return result.image.name;
    };
    assert.equal(named('../../etc/passwd'), 'passwd');
    assert.equal(named('C:\\Users\\me\\photo.jpg'), 'photo.jpg');
    assert.equal(named('invoice\u202Egpj.exe'), 'invoicegpj.exe');
    assert.equal(named('a\u0000b\nc.png'), 'abc.png');
    assert.equal(named('x'.repeat(1000))?.length, 255);
    assert.equal(named('..'), undefined);
    assert.equal(named(undefined), undefined);
  });

  return cases;
}
